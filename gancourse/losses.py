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


def gradient_penalty(critic: Callable[[Tensor], Tensor], x_real: Tensor, x_fake: Tensor) -> Tensor:
    """WGAN-GP penalty (Gulrajani et al. 2017): E[(||grad_x_hat f(x_hat)||_2 - 1)^2].

    ``x_hat`` is a random point on the segment between a real and a fake sample, one
    mixing weight per sample. Shapes: ``x_real`` and ``x_fake`` (N, ...) alike. The result
    is differentiable with respect to the critic's parameters (``create_graph=True``);
    multiply it by the penalty weight (10 in the paper) yourself.
    """
    if x_real.shape != x_fake.shape:
        raise ValueError(f"x_real {tuple(x_real.shape)} and x_fake {tuple(x_fake.shape)} differ")
    eps = torch.rand((x_real.shape[0],) + (1,) * (x_real.dim() - 1), device=x_real.device)
    x_hat = (eps * x_real.detach() + (1 - eps) * x_fake.detach()).requires_grad_(True)
    f_hat = critic(x_hat)
    (grad,) = torch.autograd.grad(f_hat.sum(), x_hat, create_graph=True)
    grad_norm = grad.flatten(1).norm(2, dim=1)
    return ((grad_norm - 1.0) ** 2).mean()


@dataclass(frozen=True)
class GANLoss:
    """A pair of losses the training loops swap as a unit.

    ``gp_weight`` > 0 adds ``gp_weight * gradient_penalty`` to the discriminator loss.
    """

    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor], Tensor]
    gp_weight: float = 0.0


LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss("minimax", d_loss_bce, g_loss_saturating),
    "nonsaturating": GANLoss("nonsaturating", d_loss_bce, g_loss_nonsaturating),
    "lsgan": GANLoss("lsgan", d_loss_lsgan, g_loss_lsgan),
    "hinge": GANLoss("hinge", d_loss_hinge, g_loss_wgan),
    "wgan-gp": GANLoss("wgan-gp", d_loss_wgan, g_loss_wgan, gp_weight=10.0),
}


def get_loss(name: str) -> GANLoss:
    """Look a loss up by name; unknown names raise ``ValueError`` listing the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}") from None
