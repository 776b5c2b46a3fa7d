"""InfoGAN's mutual-information term (Chen et al. 2016), written out.

G paints x = G(z, c) from noise z and a code c: a categorical code c_cat ~ Uniform{0..K-1}
and continuous codes c_cont ~ U(-1, 1)^M. InfoGAN asks that c stay readable in x, i.e. that
the mutual information I(c; G(z, c)) be high. It cannot be computed, but for any
distribution Q(c | x)

    I(c; x) = H(c) - H(c | x) >= H(c) + E[log Q(c | x)]          (the variational bound L_I)

with equality when Q is the true posterior. H(c) is a constant, so maximising the bound is
*minimising* ``info_loss`` = -E[log Q(c | x)] over Q (which tightens the bound) and over G
(which makes the code readable):

- categorical part: -log softmax(q_logits)[c_cat], the cross-entropy **on logits**
  (``F.cross_entropy`` applies the log-softmax itself: a softmax before it is a known bug);
- continuous part: Q(c_cont | x) = N(mu(x), 1), so -log Q = 1/2 |c_cont - mu(x)|^2 + const.

The trainer adds ``weight * info_loss`` to both players' losses (``d_step(..., extra=)`` for
Q and D's body, ``g_step(..., extra=)`` for G): :func:`info_term`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def make_code(c: Tensor, u: Tensor, n_cat: int) -> Tensor:
    """The code vector G reads: one-hot(c) (N, n_cat) followed by the continuous codes u."""
    if c.dim() != 1 or c.is_floating_point():
        raise ValueError(f"expected categorical codes c of shape (N,) integers, got {c.dtype}")
    if len(c) and (int(c.min()) < 0 or int(c.max()) >= n_cat):
        raise ValueError(
            f"categorical code out of range: got values in [{int(c.min())}, {int(c.max())}], "
            f"expected 0 to {n_cat - 1}"
        )
    if u.dim() != 2 or len(u) != len(c):
        raise ValueError(
            f"expected continuous codes u of shape ({len(c)}, M), got {tuple(u.shape)}"
        )
    return torch.cat([F.one_hot(c.long(), n_cat).to(u.dtype), u], 1)


def split_code(code: Tensor, n_cat: int) -> tuple[Tensor, Tensor]:
    """(categorical codes (N,) int64, continuous codes (N, M)) of code vectors (N, n_cat + M)."""
    return code[:, :n_cat].argmax(1), code[:, n_cat:]


def info_loss(q_logits: Tensor, q_mean: Tensor, code: Tensor) -> Tensor:
    """-E[log Q(c | x)] up to a constant: cross-entropy of the categorical code (on Q's
    logits) plus 1/2 |c_cont - mu|^2 summed over the continuous codes, averaged over the batch.

    q_logits (N, K) and q_mean (N, M): Q's outputs; code (N, K + M): the code vectors G got.
    Zero (up to rounding) for a perfect Q: logits that single out c_cat, mu = c_cont.
    """
    n_cat = q_logits.shape[1]
    if code.shape != (len(q_logits), n_cat + q_mean.shape[1]):
        raise ValueError(
            f"code of shape {tuple(code.shape)} does not fit Q's outputs "
            f"{tuple(q_logits.shape)} and {tuple(q_mean.shape)}"
        )
    c, u = split_code(code, n_cat)
    categorical = F.cross_entropy(q_logits, c)  # log-softmax inside: pass logits, never softmax
    continuous = 0.5 * (u - q_mean).pow(2).sum(1).mean()
    return categorical + continuous


def gaussian_code_nll(u: Tensor, mean: Tensor, log_std: Tensor) -> Tensor:
    """-log N(u; mean, exp(log_std)^2) of continuous codes u (N, M), summed over the M codes
    and averaged over the batch: the InfoGAN paper's factored Gaussian Q with a learned
    standard deviation (:func:`info_loss` fixes it to 1)."""
    z = (u - mean) * torch.exp(-log_std)
    return (0.5 * z.pow(2) + log_std + 0.5 * math.log(2 * math.pi)).sum(1).mean()


def info_term(D: nn.Module, code: Tensor, weight: float) -> Callable[[Tensor], Tensor]:
    """The extra loss term of both steps: x -> weight * info_loss(D.q(x), code)."""

    def term(x_fake: Tensor) -> Tensor:
        return weight * info_loss(*D.q(x_fake), code)

    return term


@torch.no_grad()
def read_codes(D: nn.Module, images: Tensor, batch_size: int = 500) -> tuple[Tensor, Tensor]:
    """Q's reading of ``images``: (categorical code (N,) int64, continuous codes (N, M)),
    in eval mode on D's device, batch by batch, on the CPU."""
    device = next(D.parameters()).device
    was_training = D.training
    D.eval()
    try:
        outs = [
            D.q(images[i : i + batch_size].to(device)) for i in range(0, len(images), batch_size)
        ]
    finally:
        D.train(was_training)
    return torch.cat([o[0] for o in outs]).argmax(1).cpu(), torch.cat([o[1] for o in outs]).cpu()


__all__ = ["gaussian_code_nll", "info_loss", "info_term", "make_code", "read_codes", "split_code"]
