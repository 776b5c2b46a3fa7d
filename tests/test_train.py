"""The course trainer: exact resume, interrupts, divergence checks, checkpoint errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from gancourse import checkpoint as ckpt_mod
from gancourse.checkpoint import (
    CheckpointError,
    load_checkpoint,
    load_generator_file,
    save_generator_file,
)
from gancourse.losses import GANLoss, d_loss_bce, g_loss_nonsaturating
from gancourse.models import Discriminator, Generator
from gancourse.train import TrainingDiverged, train_gan

N_IMAGES, BATCH = 96, 16  # 6 steps per epoch


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _images(seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    # a learnable toy distribution: random smooth blobs, in [-1, 1]
    x = torch.rand(N_IMAGES, 3, 2, 2, generator=g) * 2 - 1
    return torch.nn.functional.interpolate(x, size=8, mode="bilinear", align_corners=False)


def _run(**kwargs):
    torch.manual_seed(123)  # initial weights
    G, D = Generator(8, 4, 8, 3), Discriminator(4, 8, 3)
    kwargs.setdefault("images", _images())
    images = kwargs.pop("images")
    return train_gan(
        G, D, images, batch_size=BATCH, seed=7, device="cpu", progress=False, sync_every=4, **kwargs
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_history_shapes_and_ranges():
    r = _run(epochs=2, n_fixed=9, sample_every=5)
    h = r.history
    assert r.steps == 12 and not r.interrupted and r.images_per_second > 0
    assert h.step == list(range(1, 13))
    assert all(len(getattr(h, k)) == 12 for k in ("loss_d", "loss_g", "d_real", "d_fake"))
    assert h.d_output == "probability"
    assert all(0.0 <= v <= 1.0 for v in h.d_real + h.d_fake)
    # grids at step 0, every 5 steps and at the end, all of the same fixed noise
    assert [s for s, _ in h.samples] == [0, 5, 10, 12]
    for _, x in h.samples:
        assert x.shape == (9, 3, 8, 8) and x.abs().max() <= 1.0
    assert not torch.equal(h.samples[0][1], h.samples[-1][1])  # the generator moved


def test_same_seed_same_losses_and_wgan_scores():
    a, b = _run(epochs=1), _run(epochs=1)
    assert a.history.loss_d == b.history.loss_d
    w = _run(epochs=1, loss="wgan-gp")
    assert w.history.d_output == "score"


def test_resume_at_epoch_end_equals_uninterrupted(tmp_path):
    full = _run(epochs=3)
    ck = tmp_path / "run.pt"
    first = _run(epochs=1, checkpoint=ck)
    assert first.checkpoint == ck and load_checkpoint(ck, kind="train")["step"] == 6
    resumed = _run(epochs=3, resume=ck)
    assert resumed.steps == 18
    for k in ("loss_d", "loss_g", "d_real", "d_fake"):
        assert getattr(resumed.history, k) == getattr(full.history, k), k
    for p, q in zip(resumed.generator.parameters(), full.generator.parameters()):
        assert torch.equal(p, q)


def test_interrupt_mid_epoch_keeps_checkpoint_and_resumes_exactly(tmp_path):
    full = _run(epochs=2, loss="wgan-gp")  # the penalty uses the global RNG: restored too
    ck = tmp_path / "run.pt"
    digests = {}

    def interrupt(run) -> None:
        if run.step == 4:
            digests["before"] = _digest(ck)  # written at step 3
        if run.step == 5:
            raise KeyboardInterrupt

    part = _run(epochs=2, loss="wgan-gp", checkpoint=ck, checkpoint_every=3, callback=interrupt)
    assert part.interrupted and part.steps == 5
    assert len(part.history) == 5  # the history so far is kept, including unsynced steps
    assert part.history.loss_d == full.history.loss_d[:5]
    assert _digest(ck) == digests["before"]  # the checkpoint is left as it was
    assert list(tmp_path.iterdir()) == [ck]  # and no temporary file is left behind
    resumed = _run(epochs=2, loss="wgan-gp", resume=ck)
    assert resumed.history.loss_d == full.history.loss_d
    assert resumed.history.loss_g == full.history.loss_g


def test_interrupt_while_writing_keeps_old_checkpoint(tmp_path, monkeypatch):
    ck = tmp_path / "run.pt"
    _run(epochs=1, checkpoint=ck)
    before = _digest(ck)
    real_save = torch.save

    def save_then_interrupt(obj, f, *a, **k):
        real_save(obj, f, *a, **k)
        raise KeyboardInterrupt  # after the temp file is written, before os.replace

    monkeypatch.setattr(ckpt_mod.torch, "save", save_then_interrupt)
    r = _run(epochs=2, checkpoint=ck, resume=ck)
    assert r.interrupted
    assert _digest(ck) == before and list(tmp_path.iterdir()) == [ck]


def test_nan_loss_stops_with_clear_message(tmp_path):
    def d_loss_nan_after_3(d_real, d_fake, calls=[0]):  # noqa: B006 - a call counter
        calls[0] += 1
        loss = d_loss_bce(d_real, d_fake)
        return loss * float("nan") if calls[0] > 3 else loss

    ck = tmp_path / "run.pt"
    nan_loss = GANLoss("nan-after-3", d_loss_nan_after_3, g_loss_nonsaturating)
    with pytest.raises(TrainingDiverged) as info:
        _run(epochs=2, loss=nan_loss, checkpoint=ck, checkpoint_every=2)
    msg = str(info.value)
    assert "step 4" in msg and "loss_d" in msg and "not finite (NaN or inf)" in msg
    assert "learning rate" in msg and "Try:" in msg and str(ck) in msg
    assert info.value.step == 4 and len(info.value.history) == 3
    saved = load_checkpoint(ck, kind="train")  # the last good checkpoint, NaN-free
    assert saved["step"] == 2


def test_exploding_loss_stops_and_blames_lipschitz():
    huge = GANLoss(
        "unconstrained-wgan",
        lambda r, f: 1e6 * (f.mean() - r.mean() + 1.0),
        lambda f: -f.mean(),
        d_output="score",
    )
    with pytest.raises(TrainingDiverged, match="exploded.*\n.*Lipschitz"):
        _run(epochs=1, loss=huge)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        _run(epochs=1, images=_images() * 3)
    with pytest.raises(ValueError, match="at least batch_size"):
        _run(epochs=1, images=_images()[:8])
    with pytest.raises(ValueError, match="unknown loss"):
        _run(epochs=1, loss="nope")


def test_corrupted_or_wrong_checkpoint_gives_clear_error(tmp_path):
    ck = tmp_path / "run.pt"
    _run(epochs=1, checkpoint=ck)
    broken = tmp_path / "broken.pt"
    broken.write_bytes(ck.read_bytes()[: ck.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        _run(epochs=2, resume=broken)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="not a gancourse checkpoint"):
        load_checkpoint(other)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="different run.*batch_size"):
        torch.manual_seed(0)
        train_gan(
            Generator(8, 4, 8, 3),
            Discriminator(4, 8, 3),
            _images(),
            batch_size=8,
            epochs=2,
            resume=ck,
            device="cpu",
            progress=False,
        )
    with pytest.raises(CheckpointError, match="'generator' file, expected a 'train'"):
        g = tmp_path / "g.pt"
        save_generator_file(Generator(8, 4, 8, 3), g)
        _run(epochs=2, resume=g)


def test_generator_file_round_trip(tmp_path):
    r = _run(epochs=1)
    path = save_generator_file(r.generator, tmp_path / "g.pt", {"seed": 7})
    G, info = load_generator_file(path)
    assert info["seed"] == 7 and info["config"]["z_dim"] == 8 and not G.training
    z = torch.randn(5, 8)
    r.generator.eval()
    assert torch.allclose(G(z), r.generator(z))


def test_ema_generator_is_kept_saved_and_resumed(tmp_path):
    full = _run(epochs=2, ema=0.9)
    assert full.generator_ema is not None and full.sampling_generator is full.generator_ema
    differs = [not torch.equal(a, b) for a, b in
               zip(full.generator_ema.parameters(), full.generator.parameters())]
    assert any(differs)  # an average of G's past weights, not G itself
    ck = tmp_path / "run.pt"
    _run(epochs=1, ema=0.9, checkpoint=ck)
    resumed = _run(epochs=2, ema=0.9, resume=ck)
    for a, b in zip(resumed.generator_ema.parameters(), full.generator_ema.parameters()):
        assert torch.equal(a, b)
    with pytest.raises(CheckpointError, match="does not fit"):  # saved without an EMA copy
        no_ema = tmp_path / "plain.pt"
        _run(epochs=1, checkpoint=no_ema)
        _run(epochs=2, ema=0.9, resume=no_ema)


def test_ema_statistics_are_re_estimated_once_per_step(monkeypatch):
    """The last sample grid and the end of the run both want a refreshed EMA generator: the
    statistics are measured once (they change only with a training step)."""
    import gancourse.train.state as state

    calls = []
    real = state.refresh_batch_norm
    def counted(G, seed):
        calls.append(seed)
        return real(G, seed=seed)

    monkeypatch.setattr(state, "refresh_batch_norm", counted)
    r = _run(epochs=1, ema=0.9)
    assert calls and len(calls) == len(set(calls)) and calls[-1] == r.steps


def test_lesson07_extras_train_and_stay_deterministic():
    for kwargs in ({"loss": "hinge", "augment": "translation,cutout", "r1": 1.0},
                   {"loss": "wgan", "n_critic": 2}, {"loss": "lsgan", "lr_d": 4e-4}):
        a, b = _run(epochs=1, **kwargs), _run(epochs=1, **kwargs)
        assert a.history.loss_d == b.history.loss_d, kwargs
        assert all(torch.isfinite(torch.tensor(a.history.loss_g))), kwargs
    clipped = _run(epochs=1, loss="wgan")  # the loss's own clip, 0.01
    assert max(p.abs().max().item() for p in clipped.discriminator.parameters()) <= 0.01 + 1e-7
    with pytest.raises(ValueError, match="unknown augmentation"):
        _run(epochs=1, augment="rotate")


def test_minutes_budget_stops_on_time():
    import time

    t0 = time.perf_counter()
    r = _run(minutes=0.05, images=_images().repeat(20, 1, 1, 1))  # 3 s, far more data than that
    wall = time.perf_counter() - t0
    assert not r.interrupted and r.steps > 5
    assert 3.0 <= r.seconds <= 3.3 and wall <= 3.6, (r.seconds, wall)
    assert r.history.samples[-1][0] == r.steps  # the last grid is of the final G
    with pytest.raises(ValueError, match="budget"):
        _run()


def test_train_gan_leaves_the_global_rng_alone():
    G, D = Generator(8, 4, 8, 3), Discriminator(4, 8, 3, norm="layer")
    torch.manual_seed(5)
    expected = torch.rand(4)
    torch.manual_seed(5)
    train_gan(G, D, _images(), epochs=1, batch_size=BATCH, loss="wgan-gp", augment="translation",
              r1=1.0, ema=0.5, device="cpu", progress=False)  # every extra that draws noise
    assert torch.equal(torch.rand(4), expected)


def test_train_gan_learns():
    """The trainer really trains: on images of a single flat colour per image (a 1D family
    of images), the distance between the mean colours of generated and real images falls."""
    g = torch.Generator().manual_seed(0)
    colours = torch.rand(512, 3, 1, 1, generator=g) * 0.8 - 0.9  # dark colours only
    images = colours.expand(512, 3, 8, 8).contiguous()
    torch.manual_seed(0)
    G, D = Generator(8, 8, 8, 3), Discriminator(8, 8, 3)

    def colour_error(G):
        from gancourse.models import sample

        x = sample(G, 256, seed=1)
        return (x.mean(dim=(0, 2, 3)) - images.mean(dim=(0, 2, 3))).abs().mean().item()

    before = colour_error(G)
    r = train_gan(G, D, images, epochs=6, batch_size=32, lr_g=1e-3, lr_d=1e-3, seed=0,
                  device="cpu", progress=False)
    after = colour_error(r.generator)
    assert after < before / 4, (before, after)


def test_lazy_r1_is_applied_every_kth_step_k_times_as_strong(monkeypatch):
    import gancourse.train.loop as loop
    from gancourse.train import steps

    seen = []

    def spy(*args, **kwargs):
        seen.append(kwargs["r1_weight"])
        return steps.d_step(*args, **kwargs)

    monkeypatch.setattr(loop, "d_step", spy)
    _run(epochs=1, loss="nonsaturating", r1=2.0, r1_every=3)  # 6 steps: 0..5 before each += 1
    assert seen == [6.0, 0.0, 0.0, 6.0, 0.0, 0.0]


def test_a_cpu_time_budget_counts_only_this_process():
    import time

    r = _run(minutes=0.02, clock=time.process_time, images=_images().repeat(20, 1, 1, 1))
    assert r.steps > 3 and not r.interrupted
