"""Asking a generator for what you want (lesson 08).

- :func:`paint`: n paintings of a style, by name, from a conditional G (optionally mixed with a
  second style, optionally truncated);
- :func:`mix_condition`: class weights (1 - t) e_a + t e_b: G's class-conditional batch norms
  then interpolate the two styles' scales and shifts;
- :func:`truncate`: the truncation trick, z -> psi z (psi in [0, 1]): latents near the centre
  of N(0, I), where G has seen the most training, paint more typical images, less varied ones
  (Marchesi 2017; Brock et al. 2018 resample instead; Karras et al. 2019 write it
  w_avg + psi (w - w_avg), which for z ~ N(0, I) is psi z);
- :func:`truncate_to_centres`: truncation that keeps a typical norm: slerp toward the nearest
  of a few anchor latents of the class (:func:`truncation_centres` picks them: the latents
  whose paintings lie deepest among real ones);
- :func:`guide_latents`: no condition at all: steer an *unconditional* G toward a style by
  gradient ascent on a classifier's log-probability of that style for G(z), over z.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from gancourse.data.art import ART_STYLES
from gancourse.latent.paths import slerp_rows
from gancourse.models import generate, sample_latents


def style_index(style: str | int, names: Sequence[str] = ART_STYLES) -> int:
    """The label of ``style``: its position in ``names`` (a name, or an index checked)."""
    names = tuple(names)
    if isinstance(style, str):
        if style.lower() in names:
            return names.index(style.lower())
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(names)}")
    if isinstance(style, bool) or not isinstance(style, int) or not 0 <= style < len(names):
        raise ValueError(
            f"style must be a name or an index from 0 to {len(names) - 1}, got {style!r}"
        )
    return style


def mix_condition(
    a: str | int, b: str | int, t: float, n: int = 1, names: Sequence[str] = ART_STYLES
) -> Tensor:
    """Class weights (n, K): (1 - t) on style ``a``, t on style ``b`` (t in [0, 1])."""
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"the mix t must be in [0, 1], got {t!r}")
    w = torch.zeros(n, len(names))
    w[:, style_index(a, names)] += 1.0 - t
    w[:, style_index(b, names)] += t
    return w


def truncate(z: Tensor, psi: float) -> Tensor:
    """The truncation trick: psi z, psi in [0, 1] (1 = no truncation, 0 = the mean latent)."""
    if not 0.0 <= psi <= 1.0:
        raise ValueError(f"psi must be in [0, 1] (1 = no truncation), got {psi!r}")
    return psi * z


def truncation_centres(
    generator: nn.Module,
    classifier: nn.Module,
    real: Tensor,
    real_labels: Tensor | None = None,
    *,
    n_candidates: int = 4096,
    n_centres: int = 32,
    k: int = 3,
    seed: int = 0,
) -> Tensor:
    """Anchors for :func:`truncate_to_centres`, (K, n_centres, z_dim): for every class y of a
    conditional generator, the ``n_centres`` latents, out of ``n_candidates`` drawn from
    N(0, I) with ``seed``, whose paintings G(z, y) lie deepest among the ``real`` paintings
    (those of style y when ``real_labels`` (N,) are given): the smallest distance to their
    k-th nearest real painting in ``classifier``'s features. Use real paintings other than
    those the result is measured against."""
    from gancourse.metrics.features import features

    if not 1 <= n_centres <= n_candidates:
        raise ValueError(f"need 1 <= n_centres <= n_candidates, got {n_centres}, {n_candidates}")
    real_feats = features(classifier, real)
    centres = []
    for y in range(generator.n_classes):
        z = sample_latents(n_candidates, generator.z_dim, seed=seed + y)
        x = generate(generator, z, torch.full((n_candidates,), y))
        ref = real_feats if real_labels is None else real_feats[real_labels == y]
        if len(ref) < k:
            raise ValueError(f"need at least k={k} real paintings of class {y}, got {len(ref)}")
        depth = torch.cdist(features(classifier, x), ref).topk(k, largest=False).values
        centres.append(z[depth[:, -1].topk(n_centres, largest=False).indices])
    return torch.stack(centres)


def truncate_to_centres(z: Tensor, y: Tensor, centres: Tensor, psi: float) -> Tensor:
    """Truncation toward anchors (multi-modal truncation, Mokady et al. 2022): each z (N, D)
    moves along the great circle toward the nearest (by angle) anchor of its class y (N,),
    ``centres`` (K, C, D): slerp, so psi = 1 gives z, psi = 0 the anchor, and every point in
    between keeps a typical norm (unlike psi z, which batch norm either undoes or fades)."""
    if not 0.0 <= psi <= 1.0:
        raise ValueError(f"psi must be in [0, 1] (1 = no truncation), got {psi!r}")
    if centres.dim() != 3 or centres.shape[2] != z.shape[1] or len(y) != len(z):
        raise ValueError(
            f"expected centres (K, C, {z.shape[1]}) and one label per latent, got centres "
            f"{tuple(centres.shape)}, {len(y)} labels for {len(z)} latents"
        )
    mine = centres[y]  # (N, C, D): the anchors of each latent's class
    nearest = mine[torch.arange(len(z)), torch.cosine_similarity(mine, z[:, None], dim=2).argmax(1)]
    return slerp_rows(nearest, z, psi)


def truncated(z: Tensor, y: Tensor, psi: float, centres: Tensor | None = None) -> Tensor:
    """z truncated to ``psi``: psi z (:func:`truncate`), or toward the anchors of each z's
    class ``y`` (N,) when ``centres`` are given (:func:`truncate_to_centres`)."""
    return truncate(z, psi) if centres is None else truncate_to_centres(z, y, centres, psi)


def paint(
    generator: nn.Module,
    style: str | int,
    n: int = 8,
    *,
    seed: int = 0,
    psi: float = 1.0,
    mix_with: str | int | None = None,
    mix: float = 0.0,
    names: Sequence[str] = ART_STYLES,
    centres: Tensor | None = None,
) -> Tensor:
    """n paintings (n, C, H, W) in [-1, 1] of ``style`` from a conditional generator: z drawn
    with ``seed`` and truncated to ``psi`` (toward the style's anchors with ``centres``, see
    :func:`truncate_to_centres`, else psi z); with ``mix_with``, a mix: (1 - mix) style + mix
    ``mix_with``. The same seed gives the same z whatever the style (compare styles on it)."""
    k = getattr(generator, "n_classes", None)
    if k != len(names):
        raise ValueError(f"need a conditional generator of {len(names)} classes, got n_classes={k}")
    y = torch.full((n,), style_index(style, names))
    z = truncated(sample_latents(n, generator.z_dim, seed=seed), y, psi, centres)
    other = style if mix_with is None else mix_with
    return generate(generator, z, mix_condition(style, other, mix, n, names))


def guide_latents(
    generator: nn.Module,
    classifier: nn.Module,
    style: int,
    z: Tensor,
    *,
    steps: int = 100,
    lr: float = 0.05,
    prior: float = 1.0,
) -> Tensor:
    """Classifier guidance in latent space: ``steps`` of Adam on z to maximise
    log p(style | G(z)) + prior * log N(z; 0, I) per image (the prior term, -|z|^2 / 2,
    keeps z where G was trained). Both networks in eval mode, their weights untouched.
    Returns the new latents (N, z_dim), detached."""
    from gancourse.train.steps import frozen

    if z.dim() != 2 or z.shape[1] != generator.z_dim:
        raise ValueError(f"expected z of shape (N, {generator.z_dim}), got {tuple(z.shape)}")
    modes = generator.training, classifier.training
    generator.eval()
    classifier.eval()
    z = z.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    try:
        with frozen(generator), frozen(classifier):  # only z moves
            for _ in range(steps):
                log_p = classifier(generator(z)).log_softmax(1)[:, style]
                objective = log_p - prior * 0.5 * z.pow(2).sum(1)
                opt.zero_grad(set_to_none=True)
                (-objective.sum()).backward()
                opt.step()
    finally:
        generator.train(modes[0])
        classifier.train(modes[1])
    return z.detach()


__all__ = [
    "guide_latents",
    "mix_condition",
    "paint",
    "style_index",
    "truncate",
    "truncate_to_centres",
    "truncated",
    "truncation_centres",
]
