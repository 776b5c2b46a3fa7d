"""GAN losses, written on the discriminator's *logits* (never on probabilities).

Notation (the lessons use the same symbols): ``d_real = D(x)`` and ``d_fake = D(G(z))``
are raw logits of shape (N,) or (N, 1); D's probability is ``sigmoid(logit)``. Every
function returns a scalar tensor to *minimise*.

With :math:`D = \\sigma(\\ell)`: :math:`-\\log D = \\operatorname{softplus}(-\\ell)` and
:math:`-\\log(1 - D) = \\operatorname{softplus}(\\ell)`, which stay finite for any logit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


def d_loss_bce(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Discriminator of the original GAN: -[log D(x) + log(1 - D(G(z)))]."""
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def g_loss_saturating(d_fake: Tensor) -> Tensor:
    """Generator of the minimax game: minimise log(1 - D(G(z))). Stalls when D wins."""
    return -F.softplus(d_fake).mean()


def g_loss_nonsaturating(d_fake: Tensor) -> Tensor:
    """Non-saturating generator loss: minimise -log D(G(z)) (Goodfellow et al. 2014)."""
    return F.softplus(-d_fake).mean()


def d_loss_wgan(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Wasserstein critic: maximise E[f(x)] - E[f(G(z))], i.e. minimise the negative."""
    return d_fake.mean() - d_real.mean()


def g_loss_wgan(d_fake: Tensor) -> Tensor:
    """Wasserstein generator (also the hinge generator): minimise -E[f(G(z))]."""
    return -d_fake.mean()


def d_loss_hinge(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Hinge discriminator (Lim & Ye 2017; SAGAN): E[relu(1 - f(x))] + E[relu(1 + f(G(z)))]."""
    return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()


def d_loss_lsgan(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """Least-squares discriminator (Mao et al. 2017): 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * ((d_real - 1.0) ** 2).mean() + 0.5 * (d_fake**2).mean()


def g_loss_lsgan(d_fake: Tensor) -> Tensor:
    """Least-squares generator: 1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * ((d_fake - 1.0) ** 2).mean()


def gradient_penalty(
    critic: Callable[[Tensor], Tensor],
    x_real: Tensor,
    x_fake: Tensor,
    *,
    generator: torch.Generator | None = None,
) -> Tensor:
    """WGAN-GP penalty (Gulrajani et al. 2017): E[(||grad_x_hat f(x_hat)||_2 - 1)^2].

    ``x_hat`` is a random point on the segment between a real and a fake sample, one
    mixing weight per sample, drawn from ``generator`` (default: torch's global one).
    Shapes: ``x_real`` and ``x_fake`` (N, ...) alike. The result is differentiable with
    respect to the critic's parameters (``create_graph=True``); multiply it by the penalty
    weight (10 in the paper) yourself.
    """
    if x_real.shape != x_fake.shape:
        raise ValueError(f"x_real {tuple(x_real.shape)} and x_fake {tuple(x_fake.shape)} differ")
    shape = (x_real.shape[0],) + (1,) * (x_real.dim() - 1)
    eps = torch.rand(shape, device=x_real.device, generator=generator)
    x_hat = (eps * x_real.detach() + (1 - eps) * x_fake.detach()).requires_grad_(True)
    f_hat = critic(x_hat)
    (grad,) = torch.autograd.grad(f_hat.sum(), x_hat, create_graph=True)
    grad_norm = grad.flatten(1).norm(2, dim=1)
    return ((grad_norm - 1.0) ** 2).mean()


def r1_penalty(d_real: Tensor, x_real: Tensor) -> Tensor:
    """R1 penalty (Mescheder et al. 2018): E[||grad_x D(x)||_2^2] on *real* images.

    ``d_real = D(x_real)`` must have been computed from an ``x_real`` that requires grad.
    Differentiable with respect to D's parameters; the D loss adds ``gamma / 2`` times it.
    """
    if not x_real.requires_grad:
        raise ValueError("r1_penalty needs d_real computed from x_real.requires_grad_(True)")
    (grad,) = torch.autograd.grad(d_real.sum(), x_real, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


D_OUTPUTS = ("probability", "score")


@dataclass(frozen=True)
class GANLoss:
    """A pair of losses the training loops swap as a unit, and what D's output means.

    ``d_output``: ``"probability"`` when D's logit is that of a probability
    D(x) = sigmoid(logit) (the BCE losses), ``"score"`` when it is a raw critic score
    (least squares, hinge, Wasserstein). :meth:`readout` turns logits into that quantity.
    The loss's own regulariser, used by the trainers unless told otherwise:
    ``gp_weight`` > 0 adds ``gp_weight * gradient_penalty`` to the discriminator loss
    (WGAN-GP), ``clip`` > 0 clips D's weights to [-clip, clip] after each D update (WGAN).
    """

    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor], Tensor]
    d_output: str = "probability"
    gp_weight: float = 0.0
    clip: float = 0.0

    def __post_init__(self) -> None:
        if self.d_output not in D_OUTPUTS:
            raise ValueError(f"d_output must be one of {D_OUTPUTS}, got {self.d_output!r}")

    def readout(self, logits: Tensor) -> Tensor:
        """D's output on its own scale: sigmoid(logits) for a probability, else the score."""
        return torch.sigmoid(logits) if self.d_output == "probability" else logits


LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss("minimax", d_loss_bce, g_loss_saturating),
    "nonsaturating": GANLoss("nonsaturating", d_loss_bce, g_loss_nonsaturating),
    "lsgan": GANLoss("lsgan", d_loss_lsgan, g_loss_lsgan, d_output="score"),
    "hinge": GANLoss("hinge", d_loss_hinge, g_loss_wgan, d_output="score"),
    "wgan": GANLoss("wgan", d_loss_wgan, g_loss_wgan, d_output="score", clip=0.01),
    "wgan-gp": GANLoss("wgan-gp", d_loss_wgan, g_loss_wgan, d_output="score", gp_weight=10.0),
}


def get_loss(name: str) -> GANLoss:
    """Look a loss up by name; unknown names raise ``ValueError`` listing the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}") from None
