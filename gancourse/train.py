"""The course's GAN training loop, reused from lesson 05 on; only the :class:`GANLoss` changes.

:func:`train_step` holds the lesson's key lines (one alternating update of D then G);
:func:`train_gan` is the plumbing around it: batches, fixed-noise sample grids, a tqdm
progress bar with live losses, a history of the losses and of D's outputs, atomic and
exactly resumable checkpoints, Ctrl-C handling, and divergence checks.

Symbols follow the lessons: ``x_real`` a batch of real images (N, C, H, W) in [-1, 1],
``z`` latent codes (N, z_dim), ``x_fake = G(z)``, ``d_real = D(x_real)`` and
``d_fake = D(x_fake)`` logits (N,).

Host syncs: the loop keeps the per-step statistics on the device and copies them to the
host once every ``sync_every`` steps (that is when the progress bar, the history and the
NaN check are updated), plus once per sample grid and per checkpoint.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from gancourse.checkpoint import (
    FORMAT,
    VERSION,
    CheckpointError,
    generator_config,
    load_checkpoint,
    save_atomic,
)
from gancourse.device import get_device
from gancourse.losses import GANLoss, d_loss_bce, get_loss, gradient_penalty

STATS = ("loss_d", "loss_g", "d_real", "d_fake")


class TrainingDiverged(RuntimeError):
    """Raised when a loss becomes NaN/inf or explodes; ``history`` holds the steps so far."""

    def __init__(self, message: str, step: int, history: History):
        super().__init__(message)
        self.step = step
        self.history = history


@dataclass
class History:
    """Per-step record of a training run (one entry per generator update).

    ``d_real`` / ``d_fake`` are the batch means of D(x) and D(G(z)): probabilities
    sigmoid(logit) in [0, 1] for the BCE losses (``d_output == "probability"``), raw
    critic scores otherwise (``"score"``). ``samples`` holds ``(step, images)`` pairs:
    the generator's output on the same fixed noise, (n_fixed, C, H, W) in [-1, 1], on the CPU.
    """

    d_output: str = "probability"
    step: list[int] = field(default_factory=list)
    loss_d: list[float] = field(default_factory=list)
    loss_g: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    samples: list[tuple[int, Tensor]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.step)

    def to_dict(self) -> dict[str, Any]:
        return {
            "d_output": self.d_output,
            **{k: list(getattr(self, k)) for k in ("step", *STATS)},
            "samples": [(int(s), x) for s, x in self.samples],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        h = cls(d_output=d["d_output"])
        for k in ("step", *STATS):
            setattr(h, k, list(d[k]))
        h.samples = [(int(s), x) for s, x in d["samples"]]
        return h


@dataclass
class TrainResult:
    """What :func:`train_gan` returns (also after Ctrl-C: ``interrupted`` is then True)."""

    generator: nn.Module
    discriminator: nn.Module
    history: History
    steps: int
    interrupted: bool
    checkpoint: Path | None
    seconds: float
    images_per_second: float


def train_step(
    generator: nn.Module,
    discriminator: nn.Module,
    loss: GANLoss,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    x_real: Tensor | Sequence[Tensor],
    z: Tensor | Sequence[Tensor],
) -> Tensor:
    """One alternating update: ``n_critic`` discriminator steps, then one generator step.

    ``x_real`` (N, C, H, W) and ``z`` (N, z_dim), or equal-length lists of them for
    ``n_critic > 1`` (one pair per D step). Returns the detached statistics
    ``[loss_d, loss_g, mean D(x), mean D(G(z))]`` as a tensor (4,) on the device, without
    a host sync.
    """
    x_reals = [x_real] if isinstance(x_real, Tensor) else list(x_real)
    zs = [z] if isinstance(z, Tensor) else list(z)
    for x_real_k, z_k in zip(x_reals, zs, strict=True):
        # Discriminator: push D(x) up and D(G(z)) down; x_fake.detach() keeps G out of it.
        x_fake = generator(z_k)
        d_real = discriminator(x_real_k)
        d_fake = discriminator(x_fake.detach())
        loss_d = loss.d_loss(d_real, d_fake)
        if loss.gp_weight:
            loss_d = loss_d + loss.gp_weight * gradient_penalty(discriminator, x_real_k, x_fake)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()

    # Generator: make the (just updated) D call the last x_fake real. D's weights are
    # frozen for this backward pass, so only G's gradients are computed.
    discriminator.requires_grad_(False)
    loss_g = loss.g_loss(discriminator(x_fake))
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    discriminator.requires_grad_(True)

    with torch.no_grad():
        to_stat = torch.sigmoid if loss.d_loss is d_loss_bce else (lambda t: t)
        return torch.stack(
            [loss_d.detach(), loss_g.detach(), to_stat(d_real).mean(), to_stat(d_fake).mean()]
        )


def _d_config(d: nn.Module) -> dict[str, Any]:
    return {k: getattr(d, k) for k in ("width", "image_size", "channels", "norm") if hasattr(d, k)}


def _divergence_message(kind: str, step: int, values: dict[str, float], loss: GANLoss,
                        lr_g: float, lr_d: float, checkpoint: Path | None) -> str:
    shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
    lines = [f"Training stopped at step {step}: {kind} ({shown})."]
    if loss.d_loss is d_loss_bce or loss.name in ("lsgan", "hinge"):
        lines.append(
            "Likely cause: the learning rates are too high for this model "
            f"(lr_g={lr_g:g}, lr_d={lr_d:g}), or the images are not scaled to [-1, 1]."
        )
    else:
        lines.append(
            "Likely cause: the critic is not kept Lipschitz (a WGAN needs the gradient "
            "penalty, loss='wgan-gp', or spectral norm), or the learning rates "
            f"(lr_g={lr_g:g}, lr_d={lr_d:g}) are too high."
        )
    lines.append(
        "Try: halve both learning rates (e.g. 1e-4), keep Adam betas=(0.5, 0.999), check the "
        "data range, use batch/spectral norm in D, or another seed"
        + (f"; resume from the last good checkpoint {str(checkpoint)!r}." if checkpoint else ".")
    )
    return "\n".join(lines)


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    images: Tensor,
    *,
    loss: str | GANLoss = "nonsaturating",
    epochs: int = 1,
    batch_size: int = 64,
    lr_g: float = 2e-4,
    lr_d: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    n_critic: int = 1,
    seed: int = 0,
    device: torch.device | str | None = None,
    n_fixed: int = 36,
    sample_every: int | None = None,
    sync_every: int = 20,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    resume: str | os.PathLike | None = None,
    max_abs_loss: float = 1e4,
    channels_last: bool | None = None,
    progress: bool = True,
    callback: Callable[[int, History], None] | None = None,
) -> TrainResult:
    """Train ``generator`` against ``discriminator`` on ``images`` (N, C, H, W) in [-1, 1].

    - ``loss``: a name from :data:`gancourse.losses.LOSSES` or a :class:`GANLoss`; the only
      thing later lessons change. ``n_critic`` D steps (one real batch each) per G step.
    - ``epochs``: the *total* number of passes over the data (a resumed run continues up
      to it); the last incomplete batch of an epoch is dropped.
    - Data order and noise come from generators seeded by ``seed``, so two runs with the
      same seed, models and device give the same losses. The models are moved to
      ``device`` (default: :func:`gancourse.device.get_device`); initialise them yourself
      (e.g. after :func:`gancourse.seeding.seed_everything`).
    - ``checkpoint``: a path written atomically at every epoch end (or every
      ``checkpoint_every`` steps) and at the end; ``resume``: a checkpoint to continue
      from (models, optimizers, RNG states, data position, fixed noise and history), which
      gives exactly the losses of an uninterrupted run on the CPU.
    - Ctrl-C (KeyboardInterrupt) stops cleanly: the models and history so far are returned
      with ``interrupted=True`` and the last checkpoint is left as it was.
    - A NaN/inf loss, or one above ``max_abs_loss``, raises :class:`TrainingDiverged`
      saying what likely went wrong.
    - ``channels_last`` (default: on for CPU and CUDA) stores the models and images as
      NHWC, which oneDNN / cuDNN convolutions often run faster (1.3x for an isolated DCGAN
      forward + backward on a CPU; within the noise of ``benchmarks/dcgan_throughput.py``
      under load); results are the same up to float rounding.
    - ``sample_every``: steps between fixed-noise sample grids (default: about 10 grids);
      ``callback(step, history)`` runs after every step (the history may lag by up to
      ``sync_every - 1`` steps).
    """
    if isinstance(loss, str):
        loss = get_loss(loss)
    if not isinstance(loss, GANLoss):
        raise TypeError(f"loss must be a loss name or a GANLoss, got {type(loss).__name__}")
    if not isinstance(images, Tensor) or images.dim() != 4:
        shape = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
        raise ValueError(f"images must be a tensor (N, C, H, W), got {shape}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("n_critic", n_critic),
                        ("sync_every", sync_every), ("n_fixed", n_fixed)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    n_images = images.shape[0]
    if n_images < batch_size * n_critic:
        raise ValueError(
            f"need at least batch_size * n_critic = {batch_size * n_critic} images, got {n_images}"
        )
    lo, hi = float(images.min()), float(images.max())
    if lo < -1.0 - 1e-4 or hi > 1.0 + 1e-4:
        raise ValueError(
            f"images must be in [-1, 1] (G ends in tanh), got values in [{lo:.3g}, {hi:.3g}]"
        )

    dev = get_device(None if device is None else str(device))
    if channels_last is None:
        channels_last = dev.type in ("cpu", "cuda")
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    generator.to(dev, memory_format=fmt).train()
    discriminator.to(dev, memory_format=fmt).train()
    data = images.to(dev, torch.float32).contiguous(memory_format=fmt)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr_d, betas=betas)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr_g, betas=betas)
    z_dim = generator.z_dim

    steps_per_epoch = n_images // (batch_size * n_critic)
    total = epochs * steps_per_epoch
    sample_every = sample_every or max(1, total // 10)
    if checkpoint_every is None:
        checkpoint_every = steps_per_epoch
    ckpt_path = Path(checkpoint) if checkpoint is not None else None

    # Two generators, seeded from `seed`: data order (CPU) and noise z (on the device,
    # so drawing z needs no host-to-device copy). The global RNG (used by the gradient
    # penalty) is forked, seeded and restored around the run.
    gen_data = torch.Generator().manual_seed(seed)
    gen_z = torch.Generator(device=dev).manual_seed(seed + 1)
    fixed_z = torch.randn(n_fixed, z_dim, generator=gen_data)
    history = History(d_output="probability" if loss.d_loss is d_loss_bce else "score")
    config = {
        "generator": generator_config(generator),
        "discriminator": _d_config(discriminator),
        "loss": loss.name,
        "batch_size": batch_size,
        "n_critic": n_critic,
        "n_images": n_images,
        "lr_g": lr_g,
        "lr_d": lr_d,
        "betas": list(betas),
        "seed": seed,
    }
    step, perm, perm_epoch, rng_global = 0, None, -1, None
    if resume is not None:
        state = load_checkpoint(resume, kind="train")
        _check_resume(state["config"], config, resume)
        try:
            generator.load_state_dict(state["generator"])
            discriminator.load_state_dict(state["discriminator"])
            opt_g.load_state_dict(state["opt_g"])
            opt_d.load_state_dict(state["opt_d"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise CheckpointError(
                f"checkpoint {str(resume)!r} does not fit these models: {exc}"
            ) from exc
        step, perm_epoch = int(state["step"]), int(state["perm_epoch"])
        perm = state["perm"].to(dev) if state["perm"] is not None else None
        gen_data.set_state(state["rng"]["data"])
        gen_z.set_state(state["rng"]["z"])
        rng_global = state["rng"]["global"]
        fixed_z = state["fixed_z"]
        history = History.from_dict(state["history"])
    fixed_z = fixed_z.to(dev)

    def snapshot() -> None:  # one host sync per grid
        generator.eval()
        with torch.no_grad():
            history.samples.append((step, generator(fixed_z).to("cpu", torch.float32)))
        generator.train()

    buf = torch.zeros(sync_every, len(STATS), device=dev)
    n_buf = 0
    first_step_in_buf = step

    def flush() -> None:  # the one host sync of every `sync_every` steps
        nonlocal n_buf, first_step_in_buf
        if n_buf == 0:
            return
        rows = buf[:n_buf].cpu().tolist()
        for i, row in enumerate(rows):
            s = first_step_in_buf + i + 1
            values = dict(zip(STATS, row))
            bad = [k for k in ("loss_d", "loss_g") if not math.isfinite(values[k])]
            big = [k for k in ("loss_d", "loss_g") if abs(values[k]) > max_abs_loss]
            if bad or big:
                n_buf = 0
                verb = "are" if len(bad or big) > 1 else "is"
                kind = (f"{' and '.join(bad)} {verb} not finite (NaN or inf)" if bad else
                        f"{' and '.join(big)} exploded beyond max_abs_loss={max_abs_loss:g}")
                raise TrainingDiverged(
                    _divergence_message(kind, s, values, loss, lr_g, lr_d, ckpt_path), s, history
                )
            history.step.append(s)
            for k in STATS:
                getattr(history, k).append(values[k])
        pbar.update(n_buf)
        last = dict(zip(STATS, rows[-1]))
        pbar.set_postfix(
            {"loss_D": f"{last['loss_d']:.3f}", "loss_G": f"{last['loss_g']:.3f}",
             "D(x)": f"{last['d_real']:.2f}", "D(G(z))": f"{last['d_fake']:.2f}"},
            refresh=False,
        )
        n_buf = 0
        first_step_in_buf = step

    def save() -> None:
        flush()  # the history is complete and checked before it is written
        rng = {"data": gen_data.get_state(), "z": gen_z.get_state(), "global": _global_rng(dev)}
        save_atomic(
            {
                "format": FORMAT, "version": VERSION, "kind": "train", "config": config,
                "step": step, "epochs": epochs, "perm": None if perm is None else perm.cpu(),
                "perm_epoch": perm_epoch, "generator": generator.state_dict(),
                "discriminator": discriminator.state_dict(), "opt_g": opt_g.state_dict(),
                "opt_d": opt_d.state_dict(), "rng": rng, "fixed_z": fixed_z.cpu(),
                "history": history.to_dict(),
            },
            ckpt_path,
        )

    from tqdm.auto import tqdm

    pbar = tqdm(total=total, initial=min(step, total), disable=not progress, unit="step",
                desc=f"{loss.name} GAN", leave=True)
    interrupted = False
    start_step, t0 = step, time.perf_counter()
    cuda_devices = [dev.index or 0] if dev.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            if rng_global is None:
                torch.manual_seed(seed + 2)
            else:
                _set_global_rng(rng_global, dev)
            if not history.samples and step == 0:
                snapshot()
            while step < total:
                epoch, s = divmod(step, steps_per_epoch)
                if perm_epoch != epoch:  # a new shuffle at the start of every epoch
                    perm = torch.randperm(n_images, generator=gen_data).to(dev)
                    perm_epoch = epoch
                rows = perm[s * batch_size * n_critic:(s + 1) * batch_size * n_critic]
                x_real = [data.index_select(0, r).contiguous(memory_format=fmt)
                          for r in rows.view(n_critic, batch_size)]
                z = [torch.randn(batch_size, z_dim, device=dev, generator=gen_z)
                     for _ in range(n_critic)]
                buf[n_buf] = train_step(generator, discriminator, loss, opt_g, opt_d, x_real, z)
                n_buf += 1
                step += 1
                if n_buf == sync_every or step == total:
                    flush()
                if step % sample_every == 0 or step == total:
                    snapshot()
                if ckpt_path is not None and (step % checkpoint_every == 0 or step == total):
                    save()
                if callback is not None:
                    callback(step, history)
    except KeyboardInterrupt:
        interrupted = True
        n_buf = max(0, min(n_buf, step - first_step_in_buf))
        try:
            flush()
        except TrainingDiverged:
            pass
        kept = f" The checkpoint {str(ckpt_path)!r} is left as it was." if ckpt_path else ""
        print(f"Interrupted at step {step}/{total}: the models and the history so far are kept "
              f"in the result.{kept}")
    finally:
        pbar.close()
    seconds = time.perf_counter() - t0
    done = step - start_step
    return TrainResult(
        generator=generator,
        discriminator=discriminator,
        history=history,
        steps=step,
        interrupted=interrupted,
        checkpoint=ckpt_path if ckpt_path is not None and ckpt_path.exists() else None,
        seconds=seconds,
        images_per_second=done * batch_size * n_critic / seconds if seconds > 0 else 0.0,
    )


def _global_rng(dev: torch.device) -> dict[str, Tensor]:
    state = {"cpu": torch.get_rng_state()}
    if dev.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(dev)
    return state


def _set_global_rng(state: dict[str, Tensor], dev: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if dev.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], dev)


def _check_resume(saved: dict[str, Any], wanted: dict[str, Any], path: str | os.PathLike) -> None:
    keys = ("generator", "discriminator", "loss", "batch_size", "n_critic", "n_images")
    diffs = [f"{k}: checkpoint has {saved.get(k)!r}, this run has {wanted[k]!r}"
             for k in keys if saved.get(k) != wanted[k]]
    if diffs:
        raise CheckpointError(
            f"cannot resume from {str(path)!r}: it was made for a different run ("
            + "; ".join(diffs) + "). Use the same settings, or start without resume."
        )


__all__ = ["History", "STATS", "TrainResult", "TrainingDiverged", "train_gan", "train_step"]
