"""Feature-space metrics on known cases, and the style classifier they are computed with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gancourse.data import ART_STYLES, generate_art
from gancourse.metrics import (
    StyleClassifier,
    baselines,
    blur,
    evaluate,
    features,
    format_table,
    frechet_distance,
    noise_images,
    precision_recall,
    style_histogram,
    train_classifier,
)


def _gauss(n, d, seed, shift=0.0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=torch.float64) * scale + shift


# ------------------------------------------------------------------ Fréchet distance
def test_fd_identical_sets_is_zero():
    a = _gauss(500, 16, 0)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(a, a.clone()) == pytest.approx(0.0, abs=1e-8)


def test_fd_matches_an_independent_formula():
    """Against NumPy with the non-symmetric route tr sqrtm(S_a S_b) = sum sqrt(eig(S_a S_b))."""
    a = _gauss(300, 8, 1)
    b = _gauss(300, 8, 2, shift=0.3, scale=torch.linspace(0.5, 2.0, 8, dtype=torch.float64))
    an, bn = a.numpy(), b.numpy()
    sa, sb = np.cov(an, rowvar=False), np.cov(bn, rowvar=False)
    tr_sqrt = np.sqrt(np.linalg.eigvals(sa @ sb).real.clip(min=0)).sum()
    ref = ((an.mean(0) - bn.mean(0)) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * tr_sqrt
    assert frechet_distance(a, b) == pytest.approx(ref, rel=1e-6)
    assert frechet_distance(b, a) == pytest.approx(ref, rel=1e-6)  # symmetric


def test_fd_grows_with_a_shift_like_its_square():
    d = 10
    a = _gauss(2000, d, 3)
    fds = [frechet_distance(a, _gauss(2000, d, 4, shift=s)) for s in (0.0, 0.25, 0.5, 1.0, 2.0)]
    assert all(x < y for x, y in zip(fds, fds[1:])), fds
    # shift s in every coordinate: |mu_a - mu_b|^2 = d s^2; the covariances agree
    assert fds[-1] == pytest.approx(d * 4.0, rel=0.1)
    assert fds[0] < 0.2


def test_fd_scale_mismatch_matches_the_closed_form():
    # N(0, I) vs N(0, 4 I) in d dims: FD = d (1 + 4 - 2 * 2) = d
    a, b = _gauss(20000, 4, 5), _gauss(20000, 4, 6, scale=2.0)
    assert frechet_distance(a, b) == pytest.approx(4.0, rel=0.1)


def test_fd_is_stable_when_covariances_are_singular():
    a = _gauss(20, 64, 7)  # 20 points in 64 dims: rank-deficient covariance
    fd = frechet_distance(a, a[torch.randperm(20)])
    assert np.isfinite(fd) and fd == pytest.approx(0.0, abs=1e-6)
    assert np.isfinite(frechet_distance(a, _gauss(20, 64, 8)))


def test_fd_refuses_bad_input():
    with pytest.raises(ValueError, match="feature sizes differ"):
        frechet_distance(_gauss(10, 3, 0), _gauss(10, 4, 0))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        frechet_distance(torch.zeros(10), torch.zeros(10))
    bad = _gauss(10, 3, 0)
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(bad, bad)


# --------------------------------------------------------------- precision / recall
def test_identical_sets_have_full_precision_and_recall():
    a = _gauss(400, 8, 0)
    assert precision_recall(a, a, k=3) == (1.0, 1.0)


def test_a_second_sample_of_the_same_distribution_scores_high():
    p, r = precision_recall(_gauss(1000, 4, 0), _gauss(1000, 4, 1), k=3)
    assert p > 0.9 and r > 0.9


def test_disjoint_sets_have_zero_precision_and_recall():
    p, r = precision_recall(_gauss(300, 8, 0), _gauss(300, 8, 1, shift=20.0), k=3)
    assert p == 0.0 and r == 0.0


def test_precision_and_recall_separate_fidelity_from_diversity():
    # real: two clusters; fake: all in one of them (mode collapse) -> precise, half recall
    real = torch.cat([_gauss(300, 4, 0), _gauss(300, 4, 1, shift=10.0)])
    collapsed = _gauss(600, 4, 2)
    p, r = precision_recall(real, collapsed, k=3)
    assert p > 0.9 and 0.35 < r < 0.6
    # fake: both clusters but half the points off in nowhere -> half precision, full recall
    sloppy = torch.cat(
        [_gauss(300, 4, 3), _gauss(150, 4, 4, shift=10.0), _gauss(150, 4, 5, shift=-40.0)]
    )
    p, r = precision_recall(real, sloppy, k=3)
    assert 0.6 < p < 0.8 and r > 0.85


def test_precision_recall_checks_k():
    a = _gauss(5, 2, 0)
    with pytest.raises(ValueError, match="k must be"):
        precision_recall(a, a, k=5)
    with pytest.raises(ValueError, match="k must be"):
        precision_recall(a, a, k=0)


# ---------------------------------------------------------- classifier-based measures
@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # far faster on a shared 2-core machine
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # faster on a shared 2-core machine
    try:
        return train_classifier("art", size=32, n_train=1800, n_test=600, epochs=3, seed=0)
    finally:
        torch.set_num_threads(threads)


@pytest.mark.slow
def test_classifier_is_accurate_on_held_out_real_art(trained):
    model, acc = trained
    assert isinstance(model, StyleClassifier) and not model.training
    assert trained.n_train == 1800 and trained.n_test == 600
    assert acc >= 0.9, acc


def test_classifier_training_is_deterministic(one_thread):
    x, y = generate_art(48, seed=11)
    from gancourse.metrics import fit_classifier

    m1 = fit_classifier(x, y, 6, epochs=1, batch_size=16, seed=3)
    m2 = fit_classifier(x, y, 6, epochs=1, batch_size=16, seed=3)
    assert torch.equal(features(m1, x), features(m2, x))


@pytest.mark.slow
def test_features_and_style_histogram(trained):
    model = trained.model
    x, y = generate_art(120, seed=21)
    f = features(model, x)
    assert f.shape == (120, model.feat_dim) and f.dtype == torch.float32
    assert model.training is False  # features() leaves the mode as it was
    hist = style_histogram(model, x, names=ART_STYLES)
    assert hist.covered == 6 and hist.entropy > 0.95 and sum(hist.counts) == 120
    one, _ = generate_art(60, seed=22, styles=["kandinsky"])
    h1 = style_histogram(model, one, names=ART_STYLES)
    assert h1.fractions[ART_STYLES.index("kandinsky")] > 0.85
    assert h1.covered <= 2 and h1.entropy < 0.35  # a few misclassified images at most
    assert "kandinsky" in str(h1)


@pytest.mark.slow
def test_evaluate_orders_real_blur_and_noise(trained):
    model = trained.model
    real, _ = generate_art(300, seed=31)
    other, _ = generate_art(300, seed=32)
    res = baselines(model, real, other, names=ART_STYLES)
    rr, blurred, noise = res["real vs real"], res["blurred real"], res["uniform noise"]
    assert rr.fd < 0.2 * blurred.fd and blurred.fd < noise.fd
    assert rr.precision > 0.8 and rr.recall > 0.8
    assert blurred.recall < rr.recall - 0.2 and noise.recall < 0.1
    assert rr.covered == 6 and noise.covered < 6
    # evaluate() of the real set against itself is perfect
    same = evaluate(model, real, real)
    assert same.fd == pytest.approx(0.0, abs=1e-6) and same.precision == 1.0 and same.recall == 1.0
    table = format_table(res)
    assert "real vs real" in table and len(table.splitlines()) == 4


def test_evaluate_refuses_mismatched_shapes():
    model = StyleClassifier()
    with pytest.raises(ValueError, match="shapes differ"):
        evaluate(model, torch.zeros(4, 3, 32, 32), torch.zeros(4, 3, 64, 64))


def test_blur_and_noise_helpers():
    x, _ = generate_art(8, seed=0)
    b = blur(x, sigma=1.5)
    assert b.shape == x.shape
    assert torch.allclose(b.mean((2, 3)), x.mean((2, 3)), atol=0.05)  # keeps the colours
    assert (b[..., 1:] - b[..., :-1]).abs().mean() < 0.5 * (x[..., 1:] - x[..., :-1]).abs().mean()
    n = noise_images(5, (3, 16, 16), seed=1)
    assert n.shape == (5, 3, 16, 16) and n.min() >= -1 and n.max() <= 1
    assert torch.equal(n, noise_images(5, (3, 16, 16), seed=1))
