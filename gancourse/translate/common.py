"""What the two translation trainers (pix2pix, CycleGAN) share with each other and the course.

- :class:`Session`: the plumbing around a training loop, from the image trainer
  (:mod:`gancourse.train.loop`): per-step statistics kept on the device and checked for
  divergence in blocks (:class:`~gancourse.train.history.StatsBuffer`), a progress bar, the
  clock, and :class:`Curves`, the per-step record a lesson plots.
- :func:`epoch_batches`: the data order, reshuffled every epoch by a seeded generator.
- :func:`linear_decay`: the learning-rate schedule of the pix2pix and CycleGAN papers
  (constant, then linearly down to zero; :func:`check_decay` checks its share);
  :func:`~gancourse.translate.pix2pix.train_pix2pix` and
  :func:`~gancourse.translate.cyclegan.train_cyclegan` use it. (Lesson 03's toy trainer has
  the same idea with a floor, :func:`gancourse.toy2d.lr_factor`, rounding its start step down.)
- :func:`recalibrate_batchnorm`: a generator's batch-norm statistics recomputed from the
  inputs it will translate (lesson 10: a CycleGAN generator's running statistics blend every
  kind of input it was trained on).
- :func:`save_translator` / :func:`load_translator`: one or more translation networks in one
  file, written atomically, with their constructor arguments and the command that made them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from gancourse.checkpoint import FORMAT, VERSION, CheckpointError, load_checkpoint, save_atomic
from gancourse.train.history import StatsBuffer
from gancourse.train.loop import _progress_bar
from gancourse.translate.networks import ResnetGenerator, UNet


class Curves:
    """Per-step training curves: a list ``step`` and one list per name, as attributes."""

    def __init__(self, names: tuple[str, ...]):
        self.names = tuple(names)
        self.step: list[int] = []
        for name in self.names:
            setattr(self, name, [])

    def __len__(self) -> int:
        return len(self.step)

    def as_dict(self) -> dict[str, list[float]]:
        return {"step": list(self.step), **{k: list(getattr(self, k)) for k in self.names}}


@dataclass
class TranslationResult:
    """What a translation trainer returns (also after Ctrl-C: ``interrupted`` is then True)."""

    models: dict[str, nn.Module]
    curves: Curves
    steps: int
    seconds: float
    interrupted: bool
    images_per_second: float


class Session:
    """Statistics, divergence checks, progress bar and clock of one training run."""

    def __init__(
        self,
        names: tuple[str, ...],
        total: int,
        device: torch.device,
        *,
        desc: str,
        progress: bool,
        advice: str,
        max_abs_loss: float = 1e4,
        sync_every: int = 20,
    ):
        self.curves = Curves(names)
        self.stats = StatsBuffer(
            self.curves, sync_every, device, max_abs_loss=max_abs_loss, advice=advice, names=names
        )
        self.bar = _progress_bar(progress, total, 0, desc)
        self.t0 = time.perf_counter()
        self.interrupted = False

    def record(self, step: int, *values: Tensor) -> None:
        """One step's statistics (0-d tensors, in the order of ``names``), no host sync."""
        last = self.stats.add(step, *values)
        if last is not None:
            self.bar.update(step - self.bar.n)
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in last.items()}, refresh=False)

    def stopped(self, step: int) -> None:
        self.interrupted = True
        print(f"Interrupted at step {step}: the models and the curves so far are kept.")

    def finish(self, models: dict[str, nn.Module], steps: int, images: int) -> TranslationResult:
        """Close the bar, flush the statistics (a diverged block still raises), sum up."""
        self.bar.close()
        if not self.interrupted:
            self.stats.flush()
        seconds = time.perf_counter() - self.t0
        return TranslationResult(
            models, self.curves, steps, seconds, self.interrupted, images / max(seconds, 1e-9)
        )


def epoch_batches(
    n: int, batch_size: int, epochs: int, generator: torch.Generator
) -> Iterator[Tensor]:
    """Index batches (batch_size,) over ``n`` items for ``epochs`` passes, a new shuffle each
    pass from ``generator``; the last incomplete batch of a pass is dropped."""
    per_epoch = n // batch_size
    if per_epoch < 1:
        raise ValueError(f"need at least batch_size = {batch_size} training pairs, got {n}")
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        yield from order[: per_epoch * batch_size].view(per_epoch, batch_size)


def check_decay(decay: float) -> float:
    """``decay``, checked: the share of the steps :func:`linear_decay` decays over, in [0, 1]."""
    if isinstance(decay, bool) or not 0.0 <= decay <= 1.0:
        raise ValueError(f"decay must be a share of the steps in [0, 1] (0 = off), got {decay!r}")
    return decay


def linear_decay(
    optimizers: list[torch.optim.Optimizer], total: int, decay: float
) -> list[torch.optim.lr_scheduler.LambdaLR]:
    """Isola et al.'s and Zhu et al.'s schedule: every optimiser keeps its learning rate, then
    over the last ``decay`` share of the ``total`` steps it falls linearly towards zero
    (0 = constant; the papers: 0.5). Call each scheduler's ``step()`` after every update."""
    check_decay(decay)
    start = total * (1.0 - decay)

    def factor(step: int) -> float:
        if decay == 0 or step < start:
            return 1.0
        return max(0.0, (total - step) / (total - start))

    return [torch.optim.lr_scheduler.LambdaLR(opt, factor) for opt in optimizers]


def check_budget(epochs: int, batch_size: int, n: int) -> int:
    """Total steps of ``epochs`` passes over ``n`` items, checking the arguments."""
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if n < batch_size:
        raise ValueError(f"need at least batch_size = {batch_size} training images, got {n}")
    return epochs * (n // batch_size)


# --------------------------------------------------------------------------- model files
NETWORKS = {"UNet": UNet, "ResnetGenerator": ResnetGenerator}


def network_config(model: nn.Module) -> dict[str, Any]:
    """The class name and constructor arguments that rebuild ``model`` (a UNet or ResNet G)."""
    kind = type(model).__name__
    if kind not in NETWORKS:
        raise TypeError(f"can only save {sorted(NETWORKS)}, got {kind}")
    return {"class": kind, **model.config}


def save_translator(
    models: dict[str, nn.Module],
    path: str | os.PathLike,
    info: dict[str, Any] | None = None,
    *,
    half: bool = False,
) -> Path:
    """Write translation networks (name -> UNet or ResnetGenerator) and ``info`` atomically;
    ``half=True`` stores floating-point weights as float16 (half the file; :func:`load_translator`
    returns float32 networks either way)."""

    def stored(v: Tensor) -> Tensor:
        v = v.detach().to("cpu").clone()
        return v.half() if half and v.is_floating_point() else v

    nets = {
        name: {
            "config": network_config(m),
            "state_dict": {k: stored(v) for k, v in m.state_dict().items()},
        }
        for name, m in models.items()
    }
    obj = {"format": FORMAT, "version": VERSION, "kind": "translator", "nets": nets}
    obj["info"] = dict(info or {})
    return save_atomic(obj, path)


def load_translator(
    path: str | os.PathLike, device: torch.device | str = "cpu"
) -> tuple[dict[str, nn.Module], dict[str, Any]]:
    """The networks :func:`save_translator` wrote (eval mode, on ``device``) and their info."""
    obj = load_checkpoint(path, kind="translator")
    models = {}
    for name, net in obj["nets"].items():
        config = dict(net["config"])
        cls = NETWORKS.get(config.pop("class", None))
        if cls is None:
            raise CheckpointError(f"{str(path)!r}: unknown network class in {net['config']}")
        model = cls(**config)
        try:
            model.load_state_dict(net["state_dict"])
        except RuntimeError as exc:
            raise CheckpointError(f"weights in {str(path)!r} do not fit {cls.__name__}") from exc
        models[name] = model.to(device).eval()
    return models, dict(obj.get("info", {}))


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, images: Tensor, *, batch_size: int = 16) -> nn.Module:
    """Recompute the running statistics of every batch norm in ``model`` from ``images``
    (N, C, H, W), in place, and return ``model`` in eval mode.

    In training a batch norm normalises with the statistics of the batch and keeps a running
    average of them for eval mode. A CycleGAN generator meets three kinds of batch (real
    paintings to translate, the other generator's fakes on the way back, paintings of its own
    target style for the identity loss), so its running average blends all three, and in eval
    mode it normalises a real painting with statistics that match none of its training
    batches. This forgets the running average and measures, batch by batch (``batch_size``,
    as in training), the plain mean of the batch statistics over ``images`` alone. The
    weights do not change.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        raise ValueError(f"{type(model).__name__} has no batch-norm layers to recalibrate")
    if len(images) < 2 or batch_size < 2:
        raise ValueError(
            f"need at least 2 images and batch_size >= 2, got {len(images)} and {batch_size}"
        )
    momenta = [m.momentum for m in norms]
    device = next(model.parameters()).device
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # None: a cumulative (plain) average of the batches' statistics
        model.train()
        for i in range(0, len(images) - 1, batch_size):  # a last batch of 1 has no variance
            model(images[i : i + batch_size].to(device))
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
    return model.eval()


__all__ = [
    "Curves",
    "Session",
    "TranslationResult",
    "check_decay",
    "epoch_batches",
    "linear_decay",
    "load_translator",
    "recalibrate_batchnorm",
    "save_translator",
]
