"""Everything a training run changes, in one object that saves and resumes exactly.

A :class:`Run` holds the models, their optimisers, the EMA copy of G, the two random
generators (data order on the CPU; noise, penalty and augmentation on the device), the
position in the data, the fixed noise (and condition) of the sample grids and the history.
A generator that takes a condition (lesson 08: labels, or InfoGAN's codes) draws it with its
``random_condition(n, generator)`` from the noise generator, right after z. :meth:`Run.save`
writes it atomically; :meth:`Run.resume` reads it back, so a resumed run gives exactly the
losses of an uninterrupted one (on the CPU).
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from gancourse.checkpoint import FORMAT, VERSION, CheckpointError, load_checkpoint, save_atomic
from gancourse.models import refresh_batch_norm
from gancourse.train.history import History

RESUME_KEYS = ("generator", "discriminator", "loss", "batch_size", "n_critic", "n_images")


@dataclass
class Run:
    """The mutable state of one training run (see the module docstring)."""

    G: nn.Module
    D: nn.Module
    G_ema: nn.Module | None
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    data: Tensor  # (N, C, H, W) on the device
    batch_size: int
    n_critic: int
    gen_data: torch.Generator  # CPU: data order and the fixed noise
    gen_z: torch.Generator  # device: z, penalty mixing weights, augmentation
    fixed_z: Tensor
    history: History
    config: dict[str, Any]
    labels: Tensor | None = None  # (N,) the real images' labels, for a conditional D
    fixed_y: Tensor | None = None  # the condition of the sample grids
    step: int = 0
    perm: Tensor | None = None
    perm_epoch: int = -1
    memory_format: torch.memory_format = torch.contiguous_format
    _ema_refreshed_at: int = field(default=-1, repr=False)

    @classmethod
    def start(
        cls,
        G: nn.Module,
        D: nn.Module,
        data: Tensor,
        config: dict[str, Any],
        *,
        lr_g: float,
        lr_d: float,
        betas: tuple[float, float],
        ema: float,
        seed: int,
        n_fixed: int,
        d_output: str,
        optimizer: str = "adam",
        memory_format: torch.memory_format = torch.contiguous_format,
        labels: Tensor | None = None,
    ) -> Run:
        """A fresh run: ``optimizer`` (Adam with ``betas``, or RMSprop as in the first WGAN
        paper) for both nets, random generators seeded from ``seed``."""
        dev = data.device
        gen_data = torch.Generator().manual_seed(seed)
        grid = getattr(G, "grid_condition", None)
        return cls(
            G=G,
            D=D,
            G_ema=copy.deepcopy(G).requires_grad_(False) if ema else None,
            opt_g=make_optimizer(optimizer, G, lr_g, betas),
            opt_d=make_optimizer(optimizer, D, lr_d, betas),
            data=data,
            batch_size=config["batch_size"],
            n_critic=config["n_critic"],
            gen_data=gen_data,
            gen_z=torch.Generator(device=dev).manual_seed(seed + 1),
            fixed_z=torch.randn(n_fixed, G.z_dim, generator=gen_data).to(dev),
            history=History(d_output=d_output),
            config=config,
            labels=None if labels is None else labels.to(dev),
            fixed_y=None if grid is None else grid(n_fixed).to(dev),
            memory_format=memory_format,
        )

    @property
    def steps_per_epoch(self) -> int:
        return len(self.data) // (self.batch_size * self.n_critic)

    def next_batches(self) -> tuple[list[Tensor], list, list[Tensor], list]:
        """The ``n_critic`` real batches, their labels (None without labels), noise batches
        and the generator's conditions (None for a generator that takes none)."""
        epoch, s = divmod(self.step, self.steps_per_epoch)
        if self.perm_epoch != epoch:  # a new shuffle at the start of every epoch
            self.perm = torch.randperm(len(self.data), generator=self.gen_data).to(self.data.device)
            self.perm_epoch = epoch
        b = self.batch_size * self.n_critic
        rows = self.perm[s * b : (s + 1) * b].view(self.n_critic, self.batch_size)
        fmt = self.memory_format
        x_real = [self.data.index_select(0, r).contiguous(memory_format=fmt) for r in rows]
        y_real = [None if self.labels is None else self.labels[r] for r in rows]
        z, y_fake = [], []
        draw = getattr(self.G, "random_condition", None)
        for _ in range(self.n_critic):
            z.append(self._randn(self.G.z_dim))
            y_fake.append(None if draw is None else draw(self.batch_size, self.gen_z))
        return x_real, y_real, z, y_fake

    def _randn(self, dim: int) -> Tensor:
        return torch.randn(self.batch_size, dim, device=self.data.device, generator=self.gen_z)

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator to draw samples from: the EMA copy when there is one."""
        return self.G_ema if self.G_ema is not None else self.G

    @torch.no_grad()
    def refresh_ema(self) -> None:
        """Re-estimate the EMA generator's batch-norm statistics (see ``ema_update``)."""
        if self.G_ema is not None and self._ema_refreshed_at != self.step:
            refresh_batch_norm(self.G_ema, seed=self.step)
            self._ema_refreshed_at = self.step  # the average changes only with a step

    def snapshot(self) -> None:
        """Append G's images of the fixed noise (eval mode) to the history."""
        self.refresh_ema()
        G = self.sampling_generator
        was_training = G.training
        G.eval()
        x = G(self.fixed_z) if self.fixed_y is None else G(self.fixed_z, self.fixed_y)
        self.history.samples.append((self.step, x.to("cpu", torch.float32)))
        G.train(was_training)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the whole run atomically (a crash mid-write keeps the previous file)."""
        state = {
            "format": FORMAT,
            "version": VERSION,
            "kind": "train",
            "config": self.config,
            "step": self.step,
            "perm": None if self.perm is None else self.perm.cpu(),
            "perm_epoch": self.perm_epoch,
            "generator": self.G.state_dict(),
            "discriminator": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": {"data": self.gen_data.get_state(), "z": self.gen_z.get_state()},
            "fixed_z": self.fixed_z.cpu(),
            "fixed_y": None if self.fixed_y is None else self.fixed_y.cpu(),
            "history": self.history.to_dict(),
        }
        if self.G_ema is not None:
            state["generator_ema"] = self.G_ema.state_dict()
        return save_atomic(state, path)

    def resume(self, path: str | os.PathLike) -> None:
        """Continue from a checkpoint :meth:`save` wrote for the same settings."""
        state = load_checkpoint(path, kind="train")
        _check_same_run(state["config"], self.config, path)
        try:
            self.G.load_state_dict(state["generator"])
            self.D.load_state_dict(state["discriminator"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
            if self.G_ema is not None:  # KeyError: the run it saved kept no EMA
                self.G_ema.load_state_dict(state["generator_ema"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise CheckpointError(
                f"checkpoint {str(path)!r} does not fit these models: {exc}"
            ) from exc
        dev = self.data.device
        self.step, self.perm_epoch = int(state["step"]), int(state["perm_epoch"])
        self.perm = state["perm"].to(dev) if state["perm"] is not None else None
        self.gen_data.set_state(state["rng"]["data"])
        self.gen_z.set_state(state["rng"]["z"])
        self.fixed_z = state["fixed_z"].to(dev)
        if state.get("fixed_y") is not None:
            self.fixed_y = state["fixed_y"].to(dev)
        self.history = History.from_dict(state["history"])


OPTIMIZERS = ("adam", "rmsprop")


def make_optimizer(name: str, model: nn.Module, lr: float, betas: tuple[float, float]):
    """Adam(lr, betas) or RMSprop(lr) over the model's parameters."""
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, betas=betas)
    if name == "rmsprop":
        return torch.optim.RMSprop(model.parameters(), lr=lr)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")


def _check_same_run(saved: dict[str, Any], wanted: dict[str, Any], path) -> None:
    diffs = [
        f"{k}: checkpoint has {saved.get(k)!r}, this run has {wanted[k]!r}"
        for k in RESUME_KEYS
        if saved.get(k) != wanted[k]
    ]
    if diffs:
        raise CheckpointError(
            f"cannot resume from {str(path)!r}: it was made for a different run ("
            + "; ".join(diffs)
            + "). Use the same settings, or start without resume."
        )


__all__ = ["OPTIMIZERS", "Run", "make_optimizer"]
