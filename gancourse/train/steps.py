"""The one training core: a discriminator step and a generator step.

Every trainer of the course (the toy 2D GANs of lesson 03, the GAN-Lab widget, the image
GANs of lessons 05 and 07 on) plays the game with these two functions; later lessons add a
penalty, an augmentation or a condition as an *argument*, never a second loop.

Symbols follow the lessons: ``x_real`` a batch of real data, ``z`` latent codes,
``x_fake = G(z)``, and ``d_real = D(x_real)``, ``d_fake = D(x_fake)`` D's *logits* (N,),
never probabilities (the losses in :mod:`gancourse.losses` are written on logits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from gancourse.losses import GANLoss, gradient_penalty, r1_penalty

Augment = Callable[[Tensor], Tensor]


def d_step(
    D: nn.Module,
    loss: GANLoss,
    opt_d: torch.optim.Optimizer,
    x_real: Tensor,
    x_fake: Tensor,
    *,
    y_real: Tensor | None = None,
    y_fake: Tensor | None = None,
    augment: Augment | None = None,
    gp_weight: float = 0.0,
    r1_weight: float = 0.0,
    clip: float = 0.0,
    generator: torch.Generator | None = None,
    extra: Callable[[Tensor], Tensor] | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """One discriminator update: push D(x_real) up and D(x_fake) down.

    ``x_fake`` is detached, so this step never changes G. A conditional D (lesson 08) gets
    the labels: D(x_real, y_real), D(x_fake, y_fake). Extras (lesson 07): ``augment`` (the
    same random augmentation on real and fake images), ``gp_weight`` (WGAN-GP, its mixing
    weights drawn from ``generator``), ``r1_weight`` (gamma of the R1 penalty on real
    images), ``clip`` (WGAN: clip D's weights to [-clip, clip] after the update). Lesson 08:
    ``extra(x_fake)``, a term added to D's loss (InfoGAN's mutual-information term, which
    trains Q and D's shared body; it sees the fake batch before any augmentation).
    Returns ``(loss_d, d_real, d_fake)``, detached (no host sync).
    """
    x_fake = x_fake_plain = x_fake.detach()
    if augment is not None:
        x_real, x_fake = augment(x_real), augment(x_fake)
    if r1_weight:
        x_real = x_real.detach().requires_grad_(True)
    d_real = D(x_real) if y_real is None else D(x_real, y_real)
    d_fake = D(x_fake) if y_fake is None else D(x_fake, y_fake)
    loss_d = loss.d_loss(d_real, d_fake)
    if gp_weight:  # (conditional: x_fake must be made from y_real, as x_hat mixes the two)
        critic = D if y_real is None else (lambda x: D(x, y_real))
        loss_d = loss_d + gp_weight * gradient_penalty(critic, x_real, x_fake, generator=generator)
    if r1_weight:
        loss_d = loss_d + r1_weight / 2 * r1_penalty(d_real, x_real)
    if extra is not None:
        loss_d = loss_d + extra(x_fake_plain)
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    if clip:
        clip_weights(D, clip)
    return loss_d.detach(), d_real.detach(), d_fake.detach()


def g_step(
    D: nn.Module,
    loss: GANLoss,
    opt_g: torch.optim.Optimizer,
    x_fake: Tensor,
    *,
    y_fake: Tensor | None = None,
    augment: Augment | None = None,
    extra: Callable[[Tensor], Tensor] | None = None,
) -> Tensor:
    """One generator update: make D call ``x_fake = G(z)`` (or G(z, y_fake)) real.

    ``x_fake`` must still carry G's graph: the loss flows back through D into G. D is
    frozen while it judges, so no gradient is computed for D's weights and only G (the
    parameters of ``opt_g``) changes. ``extra(x_fake)`` (lesson 08): a term added to G's loss,
    computed while D is frozen (InfoGAN: make the code readable by Q). Returns ``loss_g``,
    detached.
    """
    x_plain = x_fake
    if augment is not None:
        x_fake = augment(x_fake)
    with frozen(D):
        d_fake = D(x_fake) if y_fake is None else D(x_fake, y_fake)
        loss_g = loss.g_loss(d_fake) + (0.0 if extra is None else extra(x_plain))
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    return loss_g.detach()


@contextmanager
def frozen(model: nn.Module) -> Iterator[nn.Module]:
    """Turn off ``requires_grad`` of the model's parameters inside the block, then restore."""
    flags = [p.requires_grad for p in model.parameters()]
    model.requires_grad_(False)
    try:
        yield model
    finally:
        for p, flag in zip(model.parameters(), flags):
            p.requires_grad_(flag)


@torch.no_grad()
def clip_weights(model: nn.Module, c: float) -> None:
    """WGAN's crude Lipschitz constraint: every parameter clamped to [-c, c] in place."""
    for p in model.parameters():
        p.clamp_(-c, c)


@torch.no_grad()
def ema_update(G_ema: nn.Module, G: nn.Module, decay: float) -> None:
    """Exponential moving average of G's weights: theta_ema <- decay theta_ema + (1 - decay) theta.

    Only the parameters are averaged. Batch norm's running statistics are not weights: those
    of G were collected by G's own (different) weights, so before sampling from ``G_ema``
    re-estimate them with :func:`gancourse.models.refresh_batch_norm` (the trainer does).
    """
    for p_ema, p in zip(G_ema.parameters(), G.parameters(), strict=True):
        p_ema.lerp_(p, 1.0 - decay)


__all__ = ["Augment", "clip_weights", "d_step", "ema_update", "frozen", "g_step"]
