"""The image trainer of lessons 05 and 07 on: :func:`train_gan`, one flat loop.

Each step plays ``n_critic`` discriminator steps and one generator step with
:func:`gancourse.train.steps.d_step` and :func:`~gancourse.train.steps.g_step`, the very
functions lessons 03 and 05 show (lesson 08 adds a condition: the real images' ``labels``
for a conditional GAN, or InfoGAN's mutual-information term ``info``, as arguments).
Around them: a progress bar with the live losses, fixed-noise sample grids, a history of the
losses and of D's outputs, atomic and exactly resumable checkpoints, a clean stop on Ctrl-C,
divergence checks, an optional moving average of G's weights, and a wall-clock budget
(``minutes``) for same-budget comparisons.

Host syncs: the per-step statistics stay on the device and reach the host once every
``sync_every`` steps, plus once per sample grid and per checkpoint.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from gancourse.augment import augmenter
from gancourse.checkpoint import generator_config
from gancourse.conditional.info import info_term, palette_blind
from gancourse.device import get_device
from gancourse.losses import GANLoss, get_loss
from gancourse.train.history import History, StatsBuffer, TrainingDiverged, divergence_advice
from gancourse.train.inputs import check_images, check_labels_and_info
from gancourse.train.state import Run
from gancourse.train.steps import d_step, ema_update, g_step


@dataclass
class TrainResult:
    """What :func:`train_gan` returns (also after Ctrl-C: ``interrupted`` is then True).

    ``generator`` is the trained G; ``generator_ema`` its moving average (None without
    ``ema``); :attr:`sampling_generator` is the one to draw paintings from.
    """

    generator: nn.Module
    discriminator: nn.Module
    generator_ema: nn.Module | None
    history: History
    steps: int
    interrupted: bool
    checkpoint: Path | None
    seconds: float
    images_per_second: float

    @property
    def sampling_generator(self) -> nn.Module:
        return self.generator_ema if self.generator_ema is not None else self.generator


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    images: Tensor,
    labels: Tensor | None = None,
    *,
    loss: str | GANLoss = "nonsaturating",
    epochs: int | None = None,
    minutes: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
    batch_size: int = 64,
    lr_g: float = 2e-4,
    lr_d: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    optimizer: str = "adam",
    n_critic: int = 1,
    ema: float = 0.0,
    augment: str | None = None,
    r1: float = 0.0,
    r1_every: int = 1,
    gp: float | None = None,
    clip: float | None = None,
    info: float = 0.0,
    info_blind: bool = False,
    info_real: float = 0.0,
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
    callback: Callable[[Run], None] | None = None,
) -> TrainResult:
    """Train ``generator`` against ``discriminator`` on ``images`` (N, C, H, W) in [-1, 1].

    - Budget: ``epochs`` (the *total* number of passes over the data; a resumed run
      continues up to it; the last incomplete batch of an epoch is dropped) and/or
      ``minutes`` of time on ``clock`` (default: wall-clock; ``time.process_time`` counts this
      process's CPU time, a fair budget on a machine shared with other jobs), whichever ends
      first.
    - The game: ``loss`` (a name from :data:`gancourse.losses.LOSSES` or a
      :class:`GANLoss`), ``n_critic`` D steps (one real batch each) per G step, Adam with
      ``lr_g``, ``lr_d`` (two time-scales when they differ) and ``betas`` (or
      ``optimizer="rmsprop"``, the first WGAN paper's choice).
    - Lesson 07's additions: ``ema`` (decay of a moving average of G's weights, 0 = off),
      ``augment`` (a DiffAugment policy such as ``"translation,cutout"``, on real and fake
      images in both steps), ``r1`` (gamma of the R1 penalty; ``r1_every`` = k > 1 applies
      it on every k-th step only, k times as strong: the "lazy" R1 of StyleGAN2), ``gp`` /
      ``clip`` (gradient penalty weight / weight clipping; default: the loss's own).
    - Lesson 08's conditions: ``labels`` (N,) of the real images make a conditional GAN
      (G(z, y) and D(x, y), e.g. :mod:`gancourse.conditional`; each fake batch's labels are
      drawn balanced over the classes); ``info`` (lambda > 0, an InfoGenerator and an
      InfoDiscriminator) adds lambda times InfoGAN's mutual-information loss to both steps;
      ``info_blind`` makes Q read every image through a random palette-blind view and
      ``info_real`` (a weight) adds Q's clustering loss on the real batch to the D step
      (:mod:`gancourse.conditional.info`).
    - Randomness comes from generators seeded by ``seed`` (the global RNG is not touched):
      two runs with the same seed, models and device give the same losses. Initialise the
      models yourself; they are moved to ``device`` (default :func:`get_device`).
    - ``checkpoint``: written atomically every epoch (or ``checkpoint_every`` steps) and at
      the end; ``resume``: continue exactly from such a file (same settings).
    - Ctrl-C stops cleanly: the models and the history so far are returned with
      ``interrupted=True``, the last checkpoint is left as it was.
    - A NaN/inf loss, or one above ``max_abs_loss``, raises
      :class:`~gancourse.train.history.TrainingDiverged` saying what likely went wrong.
    - ``channels_last`` (default: on for CPU and CUDA) stores models and images as NHWC,
      which oneDNN / cuDNN convolutions often run faster; results agree up to rounding.
    - ``sample_every``: steps between fixed-noise grids (default: about 10 per run);
      ``callback(run)`` runs after every step with the :class:`~gancourse.train.state.Run`
      (``run.step``, ``run.history``, ``run.sampling_generator``; the history lags by up to
      ``sync_every - 1`` steps).
    """
    o = TrainOptions(**{k: v for k, v in locals().items() if k in _OPTION_NAMES})
    run = _start(generator, discriminator, images, labels, o)
    plan = _Plan.make(run, o)
    G, D, loss, aug = run.G, run.D, o.loss, plan.augment
    stats = StatsBuffer(
        run.history,
        o.sync_every,
        run.data.device,
        max_abs_loss=o.max_abs_loss,
        advice=divergence_advice(loss, o.lr_g, o.lr_d, plan.ckpt),
    )
    bar = _progress_bar(o.progress, plan.total, run.step, loss.name)
    start_step, t0, interrupted = run.step, time.perf_counter(), False
    try:
        while run.step < plan.total and o.clock() < plan.deadline:
            for x_real, y_real, z, y in zip(*run.next_batches()):  # n_critic D steps, 1 G step
                x_fake = G(z) if y is None else G(z, y)
                d_args = plan.d_args(run, x_real, y_real, y)
                loss_d, d_real, d_fake = d_step(
                    D, loss, run.opt_d, x_real, x_fake, augment=aug, **d_args
                )
            loss_g = g_step(D, loss, run.opt_g, x_fake, augment=aug, **plan.g_args(run, y))
            if run.G_ema is not None:
                ema_update(run.G_ema, G, o.ema)
            run.step += 1
            last = stats.add(
                run.step, loss_d, loss_g, loss.readout(d_real).mean(), loss.readout(d_fake).mean()
            )
            _update_bar(bar, last, run.step)
            if run.step % plan.sample_every == 0 or run.step == plan.total:
                run.snapshot()
            if plan.ckpt and (run.step % plan.checkpoint_every == 0 or run.step == plan.total):
                _update_bar(bar, stats.flush(), run.step)  # the file gets the whole history
                run.save(plan.ckpt)
            if callback is not None:
                callback(run)
    except KeyboardInterrupt:
        interrupted = True
        print(
            f"Interrupted at step {run.step}: the models and the history so far are kept in "
            "the result."
            + (f" The checkpoint {plan.ckpt!r} is left as it was." if plan.ckpt else "")
        )
    finally:
        bar.close()
    _finish(run, stats, plan.ckpt, stopped_by_clock=not interrupted and run.step < plan.total)
    seconds = time.perf_counter() - t0
    images_per_second = (run.step - start_step) * o.batch_size * o.n_critic / max(seconds, 1e-9)
    ckpt = Path(plan.ckpt) if plan.ckpt and Path(plan.ckpt).exists() else None
    return TrainResult(
        G, D, run.G_ema, run.history, run.step, interrupted, ckpt, seconds, images_per_second
    )


@dataclass(frozen=True)
class TrainOptions:
    """Every setting of :func:`train_gan` but the models, images and callback, checked."""

    loss: GANLoss
    epochs: int | None
    minutes: float | None
    clock: Callable[[], float]
    batch_size: int
    lr_g: float
    lr_d: float
    betas: tuple[float, float]
    optimizer: str
    n_critic: int
    ema: float
    augment: str | None
    r1: float
    r1_every: int
    gp: float | None
    clip: float | None
    info: float
    info_blind: bool
    info_real: float
    seed: int
    device: torch.device | str | None
    n_fixed: int
    sample_every: int | None
    sync_every: int
    checkpoint: str | os.PathLike | None
    checkpoint_every: int | None
    resume: str | os.PathLike | None
    max_abs_loss: float
    channels_last: bool | None
    progress: bool

    def __post_init__(self) -> None:
        if isinstance(self.loss, str):
            object.__setattr__(self, "loss", get_loss(self.loss))
        if not isinstance(self.loss, GANLoss):
            raise TypeError(
                f"loss must be a loss name or a GANLoss, got {type(self.loss).__name__}"
            )
        if self.epochs is None and self.minutes is None:
            raise ValueError("give a budget: epochs=E (passes over the data) and/or minutes=M")
        if self.minutes is not None and not self.minutes > 0:
            raise ValueError(f"minutes must be > 0, got {self.minutes!r}")
        for name in ("epochs", "batch_size", "n_critic", "r1_every", "sync_every", "n_fixed"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must be a decay in [0, 1) (0 = off), got {self.ema!r}")
        if not self.info >= 0.0:
            raise ValueError(f"info must be a weight >= 0 (0 = off), got {self.info!r}")
        if not self.info_real >= 0.0:
            raise ValueError(f"info_real must be a weight >= 0 (0 = off), got {self.info_real!r}")
        if (self.info_blind or self.info_real) and not self.info:
            raise ValueError("info_blind and info_real change InfoGAN's term: they need info > 0")


_OPTION_NAMES = frozenset(TrainOptions.__dataclass_fields__)


@dataclass(frozen=True)
class _Plan:
    """When the run stops, samples and saves, and the extras every D step gets."""

    total: float
    deadline: float
    sample_every: int
    checkpoint_every: int
    ckpt: str | None
    extras: dict[str, Any]
    r1: float
    r1_every: int
    augment: Callable[[Tensor], Tensor] | None
    info: float
    info_view: Callable[[Tensor], Tensor] | None
    info_real: float

    def penalties(self, step: int) -> dict[str, Any]:
        """The D step's penalty arguments at ``step``: the lazy R1 only on every k-th step."""
        r1 = self.r1 * self.r1_every if step % self.r1_every == 0 else 0.0
        return {**self.extras, "r1_weight": r1}

    def d_args(
        self, run: Run, x_real: Tensor, y_real: Tensor | None, y: Tensor | None
    ) -> dict[str, Any]:
        """The D step's penalties and condition: the labels of both batches for a conditional
        D, or InfoGAN's term on the code ``y`` that painted the fake batch (and Q's clustering
        of the real batch ``x_real`` when ``info_real`` > 0)."""
        args = self.penalties(run.step)
        if self.info:
            term = info_term(
                run.D, y, self.info, view=self.info_view, x_real=x_real, real_weight=self.info_real
            )
            return {**args, "extra": term}
        return args if run.labels is None else {**args, "y_real": y_real, "y_fake": y}

    def g_args(self, run: Run, y: Tensor | None) -> dict[str, Any]:
        """The G step's condition (as in :meth:`d_args`)."""
        if self.info:
            return {"extra": info_term(run.D, y, self.info, view=self.info_view)}
        return {} if run.labels is None else {"y_fake": y}

    @classmethod
    def make(cls, run: Run, o: TrainOptions) -> _Plan:
        total = o.epochs * run.steps_per_epoch if o.epochs else math.inf
        loss = o.loss
        return cls(
            total=total,
            deadline=o.clock() + 60 * o.minutes if o.minutes else math.inf,
            sample_every=o.sample_every or (max(1, int(total) // 10) if o.epochs else 200),
            checkpoint_every=o.checkpoint_every or run.steps_per_epoch,
            ckpt=None if o.checkpoint is None else str(o.checkpoint),
            extras={
                "gp_weight": loss.gp_weight if o.gp is None else o.gp,
                "clip": loss.clip if o.clip is None else o.clip,
                "generator": run.gen_z,
            },
            r1=o.r1,
            r1_every=o.r1_every,
            augment=augmenter(o.augment, run.gen_z) if o.augment else None,
            info=o.info,
            info_view=(lambda x: palette_blind(x, run.gen_z)) if o.info_blind else None,
            info_real=o.info_real,
        )


def _start(
    generator: nn.Module, discriminator: nn.Module, images: Tensor, labels, o: TrainOptions
) -> Run:
    """Check the images, move everything to the device, start (or resume) the run."""
    check_images(images, o.batch_size * o.n_critic)
    check_labels_and_info(generator, discriminator, images, labels, o.info, o.info_blind)
    dev = get_device(None if o.device is None else str(o.device))
    use_nhwc = o.channels_last if o.channels_last is not None else dev.type in ("cpu", "cuda")
    fmt = torch.channels_last if use_nhwc else torch.contiguous_format
    G = generator.to(dev, memory_format=fmt).train()
    D = discriminator.to(dev, memory_format=fmt).train()
    data = images.to(dev, torch.float32).contiguous(memory_format=fmt)
    d_keys = ("width", "image_size", "channels", "norm", "n_classes", "condition", "n_cat")
    d_config = {k: getattr(D, k) for k in d_keys if hasattr(D, k)}
    config = {
        "generator": generator_config(G),
        "discriminator": d_config,
        "loss": o.loss.name,
        "batch_size": o.batch_size,
        "n_critic": o.n_critic,
        "n_images": len(images),
        "lr_g": o.lr_g,
        "lr_d": o.lr_d,
        "betas": list(o.betas),
        "optimizer": o.optimizer,
        "seed": o.seed,
        **({"info": o.info} if o.info else {}),
        **({"info_blind": True} if o.info_blind else {}),
        **({"info_real": o.info_real} if o.info_real else {}),
    }
    run = Run.start(
        G,
        D,
        data,
        config,
        lr_g=o.lr_g,
        lr_d=o.lr_d,
        betas=o.betas,
        ema=o.ema,
        seed=o.seed,
        n_fixed=o.n_fixed,
        d_output=o.loss.d_output,
        optimizer=o.optimizer,
        memory_format=fmt,
        labels=labels,
    )
    if o.resume is not None:
        run.resume(o.resume)
    if not run.history.samples:
        run.snapshot()
    return run


def _finish(run: Run, stats: StatsBuffer, ckpt: str | None, stopped_by_clock: bool) -> None:
    """Steps not yet synced go to the history (after Ctrl-C too, unless they diverged); a run
    the clock stopped gets its last sample grid and checkpoint."""
    run.refresh_ema()  # the returned EMA generator is ready to sample from
    try:
        stats.flush()
    except TrainingDiverged:
        if stopped_by_clock:
            raise
    if stopped_by_clock:
        if run.history.samples[-1][0] != run.step:
            run.snapshot()
        if ckpt is not None:
            run.save(ckpt)


def _progress_bar(show: bool, total: float, initial: int, name: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=None if math.isinf(total) else total,
        initial=min(initial, total),
        disable=not show,
        unit="step",
        desc=f"{name} GAN",
        leave=True,
    )


def _update_bar(bar: Any, last: dict[str, float] | None, step: int) -> None:
    if last is None:
        return
    bar.update(step - bar.n)
    bar.set_postfix(
        {
            "loss_D": f"{last['loss_d']:.3f}",
            "loss_G": f"{last['loss_g']:.3f}",
            "D(x)": f"{last['d_real']:.2f}",
            "D(G(z))": f"{last['d_fake']:.2f}",
        },
        refresh=False,
    )


__all__ = ["TrainOptions", "TrainResult", "train_gan"]
