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

Nothing in that bound says *which* readable split of the paintings the code should be; on the
course's art plain InfoGAN splits partly by palette. Two unsupervised additions (no labels):

- ``blind``: Q reads every image through :func:`palette_blind` (colour channels shuffled,
  brightness, saturation and contrast changed, a small shift and a mirror flip, per image), so
  a palette or a position can no longer carry the code;
- ``info_real``: Q must also *cluster the real paintings*: :func:`cluster_loss` maximises the
  mutual information between a real painting and Q's category, I(x; c_hat) = H(E p) - E H(p)
  (balanced and confident categories), and asks two views of the same painting to agree (IMSAT,
  Hu et al. 2017). Q's categories become groups of the data, and the code term makes G paint them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gancourse.augment import color, translation


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


def palette_blind(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """A random view of images x (N, 3, H, W) in which the palette says nothing: per image,
    the colour channels in a random order, then random brightness, saturation and contrast
    (:func:`gancourse.augment.color`), a shift of up to 1/8 of the size and a mirror flip.
    Differentiable in x; the randomness comes from ``generator`` (on x's device)."""
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"palette_blind needs colour images (N, 3, H, W), got {tuple(x.shape)}")
    n = len(x)
    order = torch.rand(n, 3, generator=generator, device=x.device).argsort(1)
    x = torch.gather(x, 1, order[:, :, None, None].expand_as(x))
    x = translation(color(x, generator), generator)
    flip = torch.rand(n, generator=generator, device=x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def _entropy(p: Tensor) -> Tensor:
    return -(p * torch.log(p.clamp_min(1e-12))).sum(-1)


def cluster_loss(logits_a: Tensor, logits_b: Tensor) -> Tensor:
    """IMSAT's loss for Q's categorical logits on two views (a and b) of the same N real
    images: -(H(mean_x p) - mean_x H(p)) (minus a batch estimate of I(x; c_hat): categories
    used equally often, each image sure of its own) plus KL(p_a || p_b) + KL(p_b || p_a),
    each view's distribution a fixed target for the other (the views should agree)."""
    if logits_a.shape != logits_b.shape or logits_a.dim() != 2:
        raise ValueError(
            f"expected two (N, K) logits, got {tuple(logits_a.shape)} and {tuple(logits_b.shape)}"
        )
    log_a, log_b = logits_a.log_softmax(1), logits_b.log_softmax(1)
    p_a, p_b = log_a.exp(), log_b.exp()
    marginal = _entropy((p_a + p_b).mean(0) / 2)
    conditional = (_entropy(p_a).mean() + _entropy(p_b).mean()) / 2
    agree = F.kl_div(log_b, p_a.detach(), reduction="batchmean") + F.kl_div(
        log_a, p_b.detach(), reduction="batchmean"
    )
    return -(marginal - conditional) + agree


def info_term(
    D: nn.Module,
    code: Tensor,
    weight: float,
    *,
    view: Callable[[Tensor], Tensor] | None = None,
    x_real: Tensor | None = None,
    real_weight: float = 0.0,
) -> Callable[[Tensor], Tensor]:
    """The extra loss term of a step: x -> weight * info_loss(D.q(view(x)), code), where
    ``view`` (e.g. :func:`palette_blind`) is applied first when given; with ``x_real`` and
    ``real_weight`` > 0 (the D step), plus real_weight * :func:`cluster_loss` of Q on two
    views of the real batch."""
    look = view if view is not None else (lambda x: x)

    def term(x_fake: Tensor) -> Tensor:
        total = weight * info_loss(*D.q(look(x_fake)), code)
        if x_real is not None and real_weight:
            total = total + real_weight * cluster_loss(D.q(look(x_real))[0], D.q(look(x_real))[0])
        return total

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


__all__ = [
    "cluster_loss",
    "gaussian_code_nll",
    "info_loss",
    "info_term",
    "make_code",
    "palette_blind",
    "read_codes",
    "split_code",
]
