"""What a training run records, and the check that stops a run that has diverged.

:class:`History` is the per-step record a lesson plots. :class:`StatsBuffer` collects the
per-step statistics on the device and copies them to the host once every ``sync_every``
steps (one host sync, not one per step); that is also when it checks for NaN, inf and
exploding losses and raises :class:`TrainingDiverged` with advice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from gancourse.losses import GANLoss

STATS = ("loss_d", "loss_g", "d_real", "d_fake")


@dataclass
class History:
    """Per-step record of a training run (one entry per generator update).

    ``d_real`` / ``d_fake`` are the batch means of D's output on real and generated
    images, on D's own scale (:meth:`gancourse.losses.GANLoss.readout`): probabilities in
    [0, 1] when ``d_output == "probability"``, raw critic scores when ``"score"``.
    ``samples`` holds ``(step, images)`` pairs: the generator's output on the same fixed
    noise, (n_fixed, C, H, W) in [-1, 1], on the CPU.
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


class TrainingDiverged(RuntimeError):
    """Raised when a loss becomes NaN/inf or explodes; ``history`` holds the steps so far."""

    def __init__(self, message: str, step: int, history: History):
        super().__init__(message)
        self.step = step
        self.history = history


def divergence_advice(loss: GANLoss, lr_g: float, lr_d: float, checkpoint: str | None) -> str:
    """What most likely went wrong, and what to try, for a run with this loss."""
    if loss.d_output == "probability" or loss.name in ("lsgan", "hinge"):
        cause = (
            "Likely cause: the learning rates are too high for this model "
            f"(lr_g={lr_g:g}, lr_d={lr_d:g}), or the images are not scaled to [-1, 1]."
        )
    else:
        cause = (
            "Likely cause: the critic is not kept Lipschitz (a WGAN needs the gradient "
            "penalty, loss='wgan-gp', or spectral norm), or the learning rates "
            f"(lr_g={lr_g:g}, lr_d={lr_d:g}) are too high."
        )
    resume = f"; resume from the last good checkpoint {checkpoint!r}." if checkpoint else "."
    return (
        cause + "\nTry: halve both learning rates (e.g. 1e-4), keep Adam betas=(0.5, 0.999), "
        "check the data range, use batch/spectral norm in D, or another seed" + resume
    )


class StatsBuffer:
    """Per-step statistics kept on the device, appended to a :class:`History` in blocks.

    :meth:`add` stores one step's ``(loss_d, loss_g, d_real, d_fake)`` without a host sync;
    :meth:`flush` (called by :meth:`add` every ``size`` steps, and by the trainer before a
    checkpoint or at the end) copies the block to the host, checks it and appends it.
    ``advice`` is the text a :class:`TrainingDiverged` error ends with. Other trainers
    (lessons 09-10) record other ``names``, each a list attribute of ``history``; those that
    start with ``loss`` are checked.
    """

    def __init__(
        self,
        history: History,
        size: int,
        device: torch.device,
        *,
        max_abs_loss: float = 1e4,
        advice: str = "",
        names: tuple[str, ...] = STATS,
    ):
        self.history, self.size, self.max_abs_loss, self.advice = (
            history,
            size,
            max_abs_loss,
            advice,
        )
        self.names = names
        self.rows = torch.zeros(size, len(names), device=device)
        self.n, self.first_step = 0, 0

    def add(self, step: int, *stats: Tensor) -> dict[str, float] | None:
        """Record the statistics of ``step`` (1-based); returns the last row after a flush."""
        if self.n == 0:
            self.first_step = step
        self.rows[self.n] = torch.stack(stats)
        self.n += 1
        return self.flush() if self.n == self.size else None

    def flush(self) -> dict[str, float] | None:
        """Copy the stored steps to the history (one host sync); raise if a loss diverged."""
        if self.n == 0:
            return None
        rows, self.n = self.rows[: self.n].cpu().tolist(), 0
        for i, row in enumerate(rows):
            values = dict(zip(self.names, row))
            self._check(self.first_step + i, values)
            self.history.step.append(self.first_step + i)
            for k in self.names:
                getattr(self.history, k).append(values[k])
        return values

    def _check(self, step: int, values: dict[str, float]) -> None:
        losses = [k for k in self.names if k.startswith("loss")]
        bad = [k for k in losses if not math.isfinite(values[k])]
        big = [k for k in losses if abs(values[k]) > self.max_abs_loss]
        if not (bad or big):
            return
        verb = "are" if len(bad or big) > 1 else "is"
        kind = (
            f"{' and '.join(bad)} {verb} not finite (NaN or inf)"
            if bad
            else f"{' and '.join(big)} exploded beyond max_abs_loss={self.max_abs_loss:g}"
        )
        shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
        raise TrainingDiverged(
            f"Training stopped at step {step}: {kind} ({shown}).\n{self.advice}", step, self.history
        )


__all__ = ["History", "STATS", "StatsBuffer", "TrainingDiverged", "divergence_advice"]
