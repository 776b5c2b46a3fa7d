"""Lesson 11's VAE: its ELBO terms equal their formulas, it learns, and its command line."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from gancourse.cli import main
from gancourse.vae import (
    build_vae,
    elbo_terms,
    gaussian_nll,
    kl_diag_gaussians,
    sample_vae,
    train_vae,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_gaussian_nll_equals_the_formula_and_torch_distributions():
    x = torch.tensor([[0.5, -0.2, 0.1], [0.0, 0.3, -0.9]], dtype=torch.float64)
    mean = torch.tensor([[0.4, 0.0, 0.1], [0.2, 0.2, -1.0]], dtype=torch.float64)
    log_sigma = torch.tensor(math.log(0.3), dtype=torch.float64)
    got = gaussian_nll(x, mean, log_sigma)
    by_hand = [
        sum(
            (a - b) ** 2 / (2 * 0.09) + math.log(0.3) + 0.5 * math.log(2 * math.pi)
            for a, b in zip(r, m)
        )
        for r, m in zip(x.tolist(), mean.tolist())
    ]
    assert got.tolist() == pytest.approx(by_hand, rel=1e-12)
    assert got.tolist() == pytest.approx((-Normal(mean, 0.3).log_prob(x).sum(1)).tolist())


def test_kl_of_diagonal_gaussians_equals_the_formula_and_torch():
    mu = torch.tensor([[0.5, -1.0], [0.0, 0.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.2, -0.5], [0.0, 0.0]], dtype=torch.float64)
    by_hand = [
        0.5 * sum(m**2 + math.exp(v) - 1 - v for m, v in zip(mr, vr))
        for mr, vr in zip(mu.tolist(), logvar.tolist())
    ]
    got = kl_diag_gaussians(mu, logvar)
    assert got.tolist() == pytest.approx(by_hand, rel=1e-12) and got[1] == 0  # q = prior
    mu_p, logvar_p = torch.tensor([0.3, 0.1]), torch.tensor([-0.4, 0.6])
    q = Normal(mu.float(), (0.5 * logvar.float()).exp())
    p = Normal(mu_p, (0.5 * logvar_p).exp())
    assert kl_diag_gaussians(mu.float(), logvar.float(), mu_p, logvar_p).tolist() == (
        pytest.approx(kl_divergence(q, p).sum(1).tolist(), rel=1e-5)
    )


def test_elbo_terms_of_a_tiny_vae_match_their_formulas():
    model = build_vae(z_dim=3, width=4, image_size=8, channels=1, seed=0).double().eval()
    x = torch.rand(4, 1, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x = 2 * x - 1
    terms = elbo_terms(model, x, torch.Generator().manual_seed(7))
    mu, logvar = model.encode(x)  # the same z, from the same noise, by hand
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(7), dtype=mu.dtype)
    x_mean = model.decode(mu + torch.exp(logvar / 2) * eps)
    sigma2 = torch.exp(2 * model.log_sigma)
    nll = ((x - x_mean) ** 2).sum((1, 2, 3)) / (2 * sigma2) + 64 * 0.5 * torch.log(
        2 * math.pi * sigma2
    )
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)
    torch.testing.assert_close(terms.nll, nll)
    torch.testing.assert_close(terms.kl, kl)
    torch.testing.assert_close(terms.loss, (nll + kl).mean())


def test_train_vae_lowers_the_negative_elbo_and_is_repeatable():
    from gancourse.data import load_images

    images, _ = load_images("art", size=8, n=256, seed=0)
    runs = []
    for _ in range(2):
        model = build_vae(z_dim=8, width=8, image_size=8, seed=3)
        runs.append(
            train_vae(model, images, epochs=6, batch_size=32, seed=3, device="cpu", progress=False)
        )
    first, second = runs
    assert first.steps == 6 * (256 // 32) and first.nll == second.nll and first.kl == second.kl
    start = np.mean(np.add(first.nll, first.kl)[:4])
    end = np.mean(np.add(first.nll, first.kl)[-4:])
    assert end < start - 50, (start, end)
    x = sample_vae(first.model, 5, seed=1)
    assert x.shape == (5, 3, 8, 8) and -1 <= x.min() and x.max() <= 1
    assert torch.equal(x, sample_vae(first.model, 5, seed=1))
    assert first.cpu_seconds > 0 and not first.model.training


def test_vae_errors_are_clear():
    model = build_vae(z_dim=4, width=4, image_size=8, seed=0)
    with pytest.raises(ValueError, match=r"\(N, 3, 8, 8\)"):
        model.encode(torch.zeros(2, 3, 16, 16))
    with pytest.raises(ValueError, match="budget"):
        train_vae(model, torch.zeros(64, 3, 8, 8))
    with pytest.raises(ValueError, match="at least batch_size"):
        train_vae(model, torch.zeros(8, 3, 8, 8), epochs=1)


TINY = [
    "--n-images",
    "128",
    "--batch-size",
    "32",
    "--width",
    "4",
    "--z-dim",
    "8",
    "--image-size",
    "8",
    "--quiet",
    "--device",
    "cpu",
]


def test_cli_train_vae_writes_the_stated_samples(tmp_path, capsys):
    out = tmp_path / "v.npy"
    argv = [
        "train",
        "vae",
        "--data",
        "art",
        "--epochs",
        "2",
        "--seed",
        "4",
        "--n-samples",
        "7",
        "--samples-out",
        str(out),
        *TINY,
    ]
    assert main(argv) == 0
    x = np.load(out)
    assert x.shape == (7, 3, 8, 8) and x.dtype == np.float32
    assert -1.0 <= x.min() < x.max() <= 1.0 and np.isfinite(x).all()
    assert "trained 8 steps" in capsys.readouterr().out
    again = tmp_path / "w.npy"
    assert main([*argv[: -len(TINY) - 2], "--samples-out", str(again), *TINY]) == 0
    np.testing.assert_array_equal(np.load(again), x)  # seeded


def test_cli_train_vae_clear_errors(tmp_path, capsys):
    base = ["train", "vae", "--samples-out", str(tmp_path / "s.npy"), *TINY]
    assert main(base) == 2 and "give a budget" in capsys.readouterr().err
    assert (
        main([*base, "--epochs", "0"]) == 2
        and "--epochs and --n-samples must be >= 1" in capsys.readouterr().err
    )
    assert (
        main([*base, "--epochs", "1", "--data", "nope"]) == 2 and "nope" in capsys.readouterr().err
    )
    bad = ["train", "vae", "--epochs", "1", "--samples-out", str(tmp_path / "s.png"), *TINY]
    assert main(bad) == 2 and "must end in .npy" in capsys.readouterr().err
    assert not (tmp_path / "s.npy").exists()
