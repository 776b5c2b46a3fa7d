"""pix2pix (Isola et al. 2017): paired image-to-image translation, and repair (lesson 09).

Why not :func:`gancourse.train.train_gan`: its loop draws noise for an unconditional G.
Here every step draws *pairs* (input, target): G maps the input to an output, D judges
(input, output) pairs against (input, target) pairs, and G's loss adds ``lam`` times the L1
distance to the target. The game itself is unchanged, so every adversarial update is the
course's :func:`~gancourse.train.d_step` (with the input as the condition ``y``) and
:func:`~gancourse.train.g_step` (the L1 term passed as ``extra``). ``D=None`` trains G by the
L1 alone: a plain regression, the lesson's baseline.

Repair (Pathak et al. 2016's context encoder, with pix2pix's networks): the network reads
the damaged image, its hole already filled by diffusion, and its mask
(:func:`~gancourse.data.paired.net_inputs`); its output is used only inside the hole
(:func:`compose`) and the L1 is measured there (:func:`~gancourse.translate.measures.masked_l1`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

from gancourse.data.paired import PairedArt, net_inputs
from gancourse.device import get_device
from gancourse.losses import LOSSES, GANLoss, get_loss
from gancourse.seeding import seeded
from gancourse.train.history import divergence_advice
from gancourse.train.steps import d_step, g_step
from gancourse.translate.common import (
    Session,
    TranslationResult,
    check_budget,
    epoch_batches,
    linear_decay,
)
from gancourse.translate.measures import masked_l1
from gancourse.translate.networks import PatchDiscriminator, UNet

LOSS_MODES = ("l1", "l1+gan")


@dataclass(frozen=True)
class Pix2PixConfig:
    """The course's pix2pix at 32x32: networks and training settings in one place.

    ``width``/``max_width``: the U-Net's channels (doubling per level, capped), down to a 1x1
    bottleneck; ``n_layers``: the PatchGAN's stride-2 layers (1: 16x16 patches at 32x32);
    ``lam``: the weight of the L1 term; ``gan_loss``: a loss of :data:`gancourse.losses.LOSSES`;
    ``n_images``: training pairs; ``residual``: G outputs its input plus a correction
    (:class:`~gancourse.translate.networks.UNet`; for repair, a correction of the diffusion
    fill); ``decay``: the share of the steps at the end over which the learning rates fall
    linearly to zero (the paper: half; 0 = constant). :meth:`models` builds G and D,
    :meth:`train_kwargs` the arguments of :func:`train_pix2pix`.
    """

    width: int = 16
    max_width: int = 64
    n_layers: int = 1
    upsample: str = "transpose"
    lam: float = 100.0
    gan_loss: str = "nonsaturating"
    batch_size: int = 32
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_images: int = 6000
    residual: bool = False
    decay: float = 0.0

    def __post_init__(self) -> None:
        if self.gan_loss not in LOSSES:
            raise ValueError(f"unknown loss {self.gan_loss!r}; choose one of {sorted(LOSSES)}")
        if not self.lam >= 0:
            raise ValueError(f"lam must be >= 0, got {self.lam!r}")

    def models(
        self,
        in_channels: int,
        out_channels: int = 3,
        *,
        image_size: int = 32,
        seed: int = 0,
        gan: bool = True,
    ) -> tuple[UNet, PatchDiscriminator | None]:
        """A fresh U-Net G and (with ``gan``) conditional PatchGAN D, initialised from ``seed``."""
        with seeded(seed):
            G = UNet(
                in_channels,
                out_channels,
                width=self.width,
                max_width=self.max_width,
                image_size=image_size,
                upsample=self.upsample,
                residual=self.residual,
            )
            D = PatchDiscriminator(
                out_channels,
                in_channels,
                width=self.width,
                max_width=self.max_width,
                n_layers=self.n_layers,
            )
        return G, (D if gan else None)

    def train_kwargs(self) -> dict[str, Any]:
        keys = ("lam", "gan_loss", "batch_size", "lr", "betas", "decay")
        return {k: getattr(self, k) for k in keys}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def compose(raw: Tensor, inputs: Tensor, masks: Tensor | None) -> Tensor:
    """The repaired image: G's ``raw`` output inside the hole (mask 1), the known pixels of
    ``inputs`` (its first channels) elsewhere; just ``raw`` when there is no mask."""
    if masks is None:
        return raw
    return masks * raw + (1 - masks) * inputs[:, : raw.shape[1]]


def reconstruction_loss(fake: Tensor, target: Tensor, masks: Tensor | None) -> Tensor:
    """L1 to the target: over the whole image, or in the hole only when there are masks."""
    return (fake - target).abs().mean() if masks is None else masked_l1(fake, target, masks)


def train_pix2pix(
    G: nn.Module,
    D: nn.Module | None,
    data: PairedArt,
    *,
    epochs: int,
    lam: float = 100.0,
    gan_loss: str = "nonsaturating",
    batch_size: int = 32,
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    decay: float = 0.0,
    seed: int = 0,
    device: torch.device | str | None = None,
    callback: Callable[[int, nn.Module], None] | None = None,
    callback_every: int = 100,
    progress: bool = True,
    max_abs_loss: float = 1e4,
) -> TranslationResult:
    """Train ``G`` (and the conditional ``D``, unless None) on the pairs of ``data``.

    Loss of G: ``lam * L1(G(x), y)`` plus, with a D, the adversarial ``gan_loss`` (a name of
    :data:`gancourse.losses.LOSSES`); Adam(``lr``, ``betas``) for both nets, the rates falling
    linearly to zero over the last ``decay`` share of the steps (:func:`linear_decay`), ``epochs``
    passes in batches of ``batch_size`` in an order drawn from ``seed``. ``callback(step, G)``
    runs every ``callback_every`` steps and after the last (G is then in train mode: measure
    it with :func:`translate`). Ctrl-C stops cleanly (``interrupted=True``); a NaN or
    exploding loss raises :class:`~gancourse.train.TrainingDiverged`. The curves record the
    L1 (``loss_l1``) and, with a D, ``loss_g`` (adversarial part), ``loss_d``, and D's mean
    outputs on real and fake pairs. The models come back in train mode on ``device``.
    """
    total = check_budget(epochs, batch_size, len(data))
    dev = get_device(None if device is None else str(device))
    x_all, y_all = data.net_inputs().to(dev), data.targets.to(dev)
    m_all = None if data.masks is None else data.masks.to(dev)
    gen = torch.Generator().manual_seed(seed)
    G = G.to(dev).train()
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    loss = get_loss(gan_loss)
    names = ("loss_l1",)
    opt_d = None
    if D is not None:
        D = D.to(dev).train()
        opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
        names += ("loss_g", "loss_d", "d_real", "d_fake")
    schedules = linear_decay([o for o in (opt_g, opt_d) if o is not None], total, decay)
    advice = divergence_advice(loss, lr, lr, None)
    run = Session(
        names,
        total,
        dev,
        desc="pix2pix",
        progress=progress,
        advice=advice,
        max_abs_loss=max_abs_loss,
    )
    step = 0
    try:
        for idx in epoch_batches(len(data), batch_size, epochs, gen):
            m = None if m_all is None else m_all[idx]
            stats = pix2pix_step(G, D, loss, opt_g, opt_d, x_all[idx], y_all[idx], m, lam=lam)
            for schedule in schedules:
                schedule.step()
            step += 1
            run.record(step, *stats)
            if callback is not None and (step % callback_every == 0 or step == total):
                callback(step, G)
    except KeyboardInterrupt:
        run.stopped(step)
    return run.finish({"G": G, "D": D}, step, step * batch_size)


def pix2pix_step(
    G: nn.Module,
    D: nn.Module | None,
    loss: GANLoss,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer | None,
    x: Tensor,
    y: Tensor,
    m: Tensor | None = None,
    *,
    lam: float = 100.0,
) -> tuple[Tensor, ...]:
    """One pix2pix update on a batch of pairs: inputs ``x``, targets ``y`` (masks ``m``).

    D (if any) learns to tell (x, y) from (x, G(x)) with the course's ``d_step``; G learns
    with ``g_step``, its loss the adversarial one plus ``lam * L1`` passed as ``extra``.
    Without D it is a plain regression step on ``lam * L1``. Returns the detached statistics
    ``(l1,)`` or ``(l1, loss_g, loss_d, D(real pairs), D(fake pairs))``, ``loss_g`` the
    adversarial part alone.
    """
    fake = compose(G(x), x, m)  # repair: only the hole comes from G
    l1 = reconstruction_loss(fake, y, m)
    if D is None:  # L1 alone
        opt_g.zero_grad(set_to_none=True)
        (lam * l1).backward()
        opt_g.step()
        return (l1.detach(),)
    loss_d, d_real, d_fake = d_step(D, loss, opt_d, y, fake, y_real=x, y_fake=x)
    loss_g = g_step(D, loss, opt_g, fake, y_fake=x, extra=lambda _: lam * l1) - lam * l1.detach()
    return l1.detach(), loss_g, loss_d, loss.readout(d_real).mean(), loss.readout(d_fake).mean()


@torch.no_grad()
def translate(
    G: nn.Module, inputs: Tensor, masks: Tensor | None = None, *, batch_size: int = 256
) -> Tensor:
    """G's outputs (N, C, H, W) on the CPU for ``inputs`` (N, C_in, H, W) [and ``masks``]:
    eval mode, no gradients, batch by batch; with masks, the mask is G's extra input channel
    and only the hole is taken from G (:func:`compose`). G's mode is restored."""
    x = net_inputs(inputs, masks)
    device = next(G.parameters()).device
    was_training = G.training
    G.eval()
    try:
        out = []
        for i in range(0, len(x), batch_size):
            xb = x[i : i + batch_size].to(device)
            mb = None if masks is None else masks[i : i + batch_size].to(device)
            out.append(compose(G(xb), xb, mb).cpu())
    finally:
        G.train(was_training)
    return torch.cat(out)


__all__ = [
    "LOSS_MODES",
    "Pix2PixConfig",
    "compose",
    "reconstruction_loss",
    "pix2pix_step",
    "train_pix2pix",
    "translate",
]
