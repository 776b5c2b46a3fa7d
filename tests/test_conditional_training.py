"""Lesson 08 through the one trainer: labels and InfoGAN's term as train_gan arguments, the
train cgan / train infogan commands, and the measures (agreement, NMI, purity, correlations)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gancourse.cli import main
from gancourse.conditional import (
    agreement,
    code_correlations,
    guide_latents,
    normalized_mutual_info,
    per_style_scores,
    purity,
    read_codes,
)
from gancourse.recipes import recipe
from gancourse.train import train_gan

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY = recipe("recommended", g_width=4, d_width=4, z_dim=8, batch_size=12)


def _labelled(n=48, k=3):
    """Images whose class is written in them: every pixel of class k is -1 + k / 2."""
    y = torch.arange(n) % k
    y = y[torch.randperm(n, generator=torch.Generator().manual_seed(0))]
    return (-1.0 + y.float() / 2)[:, None, None, None].expand(n, 3, 8, 8).contiguous(), y


def _train(kind="projection", labels=True, **kw):
    x, y = _labelled()
    if kind == "info":
        G, D = TINY.info_models(3, 1, 8, 3, seed=0)
        kw.setdefault("info", 1.0)
    else:
        G, D = TINY.conditional_models(3, 8, 3, condition=kind, seed=0)
    kw.setdefault("epochs", 2)
    return train_gan(
        G, D, x, y if labels and kind != "info" else None, **TINY.train_kwargs() | kw,
        seed=1, device="cpu", progress=False, sync_every=2,
    )  # fmt: skip


def test_d_gets_each_real_image_its_own_label_and_balanced_fake_labels(monkeypatch):
    import gancourse.train.loop as loop

    seen = []

    def spy(D, loss, opt, x_real, x_fake, **kw):
        seen.append((x_real[:, 0, 0, 0], kw["y_real"], kw["y_fake"]))
        return d_step(D, loss, opt, x_real, x_fake, **kw)

    d_step = loop.d_step
    monkeypatch.setattr(loop, "d_step", spy)
    result = _train("projection")
    assert result.steps == 8 and len(seen) == 8
    for pixel, y_real, y_fake in seen:
        assert torch.equal(y_real, ((pixel + 1) * 2).round().long())
        counts = torch.bincount(y_fake, minlength=3)
        assert counts.tolist() == [4, 4, 4]
    assert [s for s, _ in result.history.samples][0] == 0
    assert result.history.samples[-1][1].shape == (36, 3, 8, 8)


@pytest.mark.parametrize("kind", ["projection", "concat", "info"])
def test_resume_is_exact_with_labels_and_with_codes(kind, tmp_path):
    whole = _train(kind, epochs=4)
    _train(kind, epochs=2, checkpoint=tmp_path / "c.pt")
    resumed = _train(kind, epochs=4, resume=tmp_path / "c.pt", checkpoint=tmp_path / "c.pt")
    assert resumed.history.loss_d == whole.history.loss_d
    assert resumed.history.loss_g == whole.history.loss_g
    for a, b in zip(whole.generator.state_dict().values(), resumed.generator.state_dict().values()):
        assert torch.equal(a, b)


def test_infogan_q_learns_to_read_the_categorical_code():
    result = _train("info", epochs=90, lr_d=1e-3, lr_g=1e-3)
    G, D = result.generator, result.discriminator  # the G that Q was trained against
    code = G.random_condition(60, torch.Generator().manual_seed(5))
    from gancourse.models import generate

    c_read, _ = read_codes(D, generate(G, torch.randn(60, 8), code))
    accuracy = float((c_read == code[:, :3].argmax(1)).float().mean())
    assert accuracy > 0.6  # chance: 1/3


@pytest.mark.parametrize(
    "change, match",
    [
        ({"labels": False}, "takes a condition: pass the real images' labels"),
        ({"labels_of": lambda y: y[:-1]}, r"labels must be a tensor \(48,\)"),
        ({"labels_of": lambda y: y + 3}, "integers from 0 to 2"),
        ({"labels_of": lambda y: y.float()}, "integers from 0 to 2"),
        ({"unconditional": True}, "labels need a conditional generator"),
        ({"info_with_cgan": True}, "info > 0 needs an InfoGenerator"),
        ({"info": -1.0}, "info must be a weight >= 0"),
    ],
)
def test_bad_training_input_is_named(change, match):
    x, y = _labelled()
    G, D = TINY.conditional_models(3, 8, 3, seed=0)
    labels = None if change.get("labels") is False else change.get("labels_of", lambda t: t)(y)
    if change.get("unconditional"):
        G, D = TINY.models(8, 3, seed=0)
    kw = {"info": change.get("info", 1.0 if change.get("info_with_cgan") else 0.0)}
    with pytest.raises(ValueError, match=match):
        train_gan(G, D, x, labels, epochs=1, batch_size=12, device="cpu", progress=False, **kw)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"info": 1.0, "info_real": -1.0}, "info_real must be a weight >= 0"),
        ({"info": 0.0, "info_blind": True}, "they need info > 0"),
        ({"info": 0.0, "info_real": 1.0}, "they need info > 0"),
    ],
)
def test_infogan_additions_need_infogan_and_a_valid_weight(kw, match):
    x, _ = _labelled()
    G, D = TINY.info_models(3, 1, 8, 3, seed=0)
    with pytest.raises(ValueError, match=match):
        train_gan(G, D, x, epochs=1, batch_size=12, device="cpu", progress=False, **kw)


def test_infogan_d_step_gets_the_real_batch_and_both_steps_the_blind_view(monkeypatch):
    import gancourse.train.loop as loop

    calls, original = [], loop.info_term

    def spy(D, code, weight, **kw):
        calls.append(kw)
        return original(D, code, weight, **kw)

    monkeypatch.setattr(loop, "info_term", spy)
    x, _ = _labelled()
    G, D = TINY.info_models(3, 1, 8, 3, seed=0)
    train_gan(G, D, x, epochs=1, batch_size=12, device="cpu", progress=False, info=1.0,
              info_blind=True, info_real=0.5)  # fmt: skip
    d_calls = [kw for kw in calls if "x_real" in kw]
    g_calls = [kw for kw in calls if "x_real" not in kw]
    assert len(d_calls) == len(g_calls) == 4  # 48 images, batches of 12
    rows = {tuple(r.flatten().tolist()) for r in x}
    for kw in d_calls:
        assert kw["real_weight"] == 0.5 and kw["x_real"].shape == (12, 3, 8, 8)
        assert all(tuple(r.flatten().tolist()) in rows for r in kw["x_real"])  # real paintings
    assert all(kw["view"] is not None for kw in calls)
    view = calls[0]["view"]
    assert not torch.equal(view(x[:4]), view(x[:4]))  # a fresh random view every call
    calls.clear()
    G, D = TINY.info_models(3, 1, 8, 3, seed=0)
    train_gan(G, D, x, epochs=1, batch_size=12, device="cpu", progress=False, info=1.0)
    assert all(kw.get("view") is None and not kw.get("real_weight") for kw in calls)  # plain


TINY_ARGS = [
    "--n-images", "60", "--batch-size", "12", "--g-width", "4", "--d-width", "4",
    "--z-dim", "8", "--image-size", "8", "--quiet", "--device", "cpu",
]  # fmt: skip


@pytest.mark.parametrize("n", [12, 13])
def test_cli_cgan_writes_images_and_balanced_requested_labels(tmp_path, n):
    out, g = tmp_path / "s.npz", tmp_path / "g.pt"
    argv = ["train", "cgan", "--data", "art", "--epochs", "1", "--seed", "2",
            "--n-samples", str(n), "--samples-out", str(out), "--export-generator", str(g),
            *TINY_ARGS]  # fmt: skip
    assert main(argv) == 0
    with np.load(out) as f:
        assert sorted(f.files) == ["images", "labels"]
        images, labels = f["images"], f["labels"]
    assert images.shape == (n, 3, 8, 8) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    assert labels.dtype == np.int64 and labels.shape == (n,)
    counts = np.bincount(labels, minlength=6)
    assert len(counts) == 6 and counts.max() - counts.min() <= 1
    from gancourse.checkpoint import load_generator_file
    from gancourse.models import sample

    G, info = load_generator_file(g)
    assert info["command"] == "" or info["command"].startswith("python -m gancourse train cgan")
    again = sample(G, n, seed=2, condition=torch.from_numpy(labels)).numpy()
    assert np.allclose(again, images, atol=1e-6)  # the file holds the G that painted them


def test_cli_infogan_writes_images_and_codes_without_labels(tmp_path):
    out = tmp_path / "s.npz"
    argv = ["train", "infogan", "--data", "art", "--epochs", "1", "--seed", "0", "--n-samples",
            "18", "--samples-out", str(out), "--n-cont", "2", *TINY_ARGS]  # fmt: skip
    assert main(argv) == 0
    with np.load(out) as f:
        assert sorted(f.files) == ["codes", "images"]
        assert f["images"].shape == (18, 3, 8, 8) and f["images"].dtype == np.float32
        assert f["codes"].dtype == np.int64 and np.bincount(f["codes"]).tolist() == [3] * 6


@pytest.mark.parametrize(
    "target, key, flags",
    [("cgan", "labels", []), ("infogan", "codes", ["--info-real", "1"])],  # grey: Q not blind
)
def test_cli_on_grey_digits_has_ten_classes(tmp_path, target, key, flags):
    out = tmp_path / "d.npz"
    argv = ["train", target, "--data", "digits", "--epochs", "1", "--n-samples", "20",
            "--samples-out", str(out), *flags, *TINY_ARGS]  # fmt: skip
    assert main(argv) == 0
    with np.load(out) as f:
        assert f["images"].shape == (20, 1, 8, 8) and np.bincount(f[key]).tolist() == [2] * 10


@pytest.mark.parametrize(
    "argv, match",
    [
        (["cgan", "--samples-out", "s.npy"], "must end in .npz"),
        (["cgan", "--samples-out", "s.npz", "--data", "monet"], "unknown dataset 'monet'"),
        (["cgan", "--samples-out", "s.npz", "--epochs", "0"], "must be >= 1"),
        (["infogan", "--samples-out", "s.npz", "--n-cat", "1"], "--n-cat >= 2"),
        (["infogan", "--samples-out", "s.npz", "--info-real", "-1"], "--info-real >= 0"),
        (
            ["infogan", "--samples-out", "s.npz", "--data", "digits", "--info-blind"],
            "it needs colour images",
        ),
    ],
)
def test_cli_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, argv, match):
    argv = [a if not a.startswith("s.np") else str(tmp_path / a) for a in argv]
    extra = [] if "--epochs" in argv else ["--epochs", "1"]
    assert main(["train", *argv, *extra, *TINY_ARGS]) == 2
    assert match in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    with pytest.raises(SystemExit):
        main(["train", "cgan", "--samples-out", "x.npz", "--epochs", "1", "--condition", "sum"])


def test_nmi_and_purity_match_their_definitions():
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.integers(0, 6, 300), rng.integers(0, 4, 300)
        b[:150] = a[:150] % 4  # partly dependent
        assert np.isclose(normalized_mutual_info(a, b), sklearn.normalized_mutual_info_score(a, b))
    y = np.arange(600) % 6
    assert normalized_mutual_info((y + 2) % 6, y) == pytest.approx(1.0)  # a relabelling
    assert purity((y + 2) % 6, y) == 1.0
    assert normalized_mutual_info(rng.integers(0, 6, 6000), y.repeat(10)) < 0.01
    assert purity(np.array([0, 0, 0, 1, 1, 1]), np.array([2, 2, 1, 1, 1, 0])) == pytest.approx(
        4 / 6
    )
    with pytest.raises(ValueError, match="same n"):
        normalized_mutual_info([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="integer labels"):
        purity(np.array([0.5, 1.0]), np.array([0, 1]))


class _ByBrightness(nn.Module):
    """A 'classifier' that calls an image class k when its mean is nearest -1 + k / 2."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def features(self, x):
        return torch.stack([x.mean((1, 2, 3)), x.std((1, 2, 3))], 1) * self.scale

    def forward(self, x):
        centres = -1.0 + torch.arange(3.0) / 2
        return -((x.mean((1, 2, 3))[:, None] - centres) ** 2) * 100 * self.scale


def test_agreement_and_per_style_scores_compare_each_request_with_its_own_style():
    x, y = _labelled(60)
    x = x + 0.05 * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
    clf = _ByBrightness()
    assert agreement(clf, x, y, 3) == [1.0, 1.0, 1.0]
    shifted = agreement(clf, x, (y + 1) % 3, 3)
    assert shifted == [0.0, 0.0, 0.0]
    rows = per_style_scores(clf, x[:30], y[:30], x[30:], y[30:], k=3)
    assert len(rows) == 3 and all(r["precision"] > 0.5 and r["recall"] > 0.5 for r in rows)
    wrong = per_style_scores(clf, x[:30], (y[:30] + 1) % 3, x[30:], y[30:], k=3)
    assert all(r["precision"] == 0 and r["fd"] > 10 * rows[0]["fd"] + 0.1 for r in wrong)


def test_code_correlations_find_a_planted_control():
    g = torch.Generator().manual_seed(0)
    u = torch.rand(200, 2, generator=g) * 2 - 1
    images = 0.5 * u[:, 0, None, None, None].expand(200, 3, 8, 8)  # code 1 sets the brightness
    images = images + 0.1 * torch.randn(images.shape, generator=g)
    r = code_correlations(u, images)
    assert r["brightness"][0] > 0.95 and abs(r["brightness"][1]) < 0.2
    groups = torch.arange(200) % 2
    assert code_correlations(u, images, groups)["brightness"][0] > 0.95


def test_guidance_moves_z_toward_the_style_and_leaves_the_networks_alone():
    G, _ = TINY.models(8, 3, seed=0)
    G.eval()
    clf = _ByBrightness()
    z = torch.randn(16, 8, generator=torch.Generator().manual_seed(0))
    before = [p.clone() for p in G.parameters()]
    with torch.no_grad():
        p0 = clf(G(z)).log_softmax(1)[:, 0].mean()
    z_new = guide_latents(G, clf, 0, z, steps=30, lr=0.1, prior=0.01)
    with torch.no_grad():
        p1 = clf(G(z_new)).log_softmax(1)[:, 0].mean()
    assert p1 > p0 + 0.1
    assert all(torch.equal(a, b) for a, b in zip(before, G.parameters()))
    assert all(p.grad is None for p in G.parameters()) and G.training is False
    with pytest.raises(ValueError, match=r"z of shape \(N, 8\)"):
        guide_latents(G, clf, 2, torch.randn(3, 5))
