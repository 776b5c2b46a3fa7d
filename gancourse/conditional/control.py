"""Asking a generator for what you want (lesson 08).

- :func:`paint`: n paintings of a style, by name, from a conditional G (optionally mixed with a
  second style, optionally truncated);
- :func:`mix_condition`: class weights (1 - t) e_a + t e_b: G's class-conditional batch norms
  then interpolate the two styles' scales and shifts;
- :func:`truncate`: the truncation trick, z -> psi z (psi in [0, 1]): latents near the centre
  of N(0, I), where G has seen the most training, paint more typical images, less varied ones
  (Marchesi 2017; Brock et al. 2018 resample instead; Karras et al. 2019 write it
  w_avg + psi (w - w_avg), which for z ~ N(0, I) is psi z);
- :func:`guide_latents`: no condition at all: steer an *unconditional* G toward a style by
  gradient ascent on a classifier's log-probability of that style for G(z), over z.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from gancourse.data.art import ART_STYLES
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
) -> Tensor:
    """n paintings (n, C, H, W) in [-1, 1] of ``style`` from a conditional generator: z drawn
    with ``seed`` and truncated to ``psi``; with ``mix_with``, a mix: (1 - mix) style + mix
    ``mix_with``. The same seed gives the same z whatever the style (compare styles on it)."""
    k = getattr(generator, "n_classes", None)
    if k != len(names):
        raise ValueError(f"need a conditional generator of {len(names)} classes, got n_classes={k}")
    z = truncate(sample_latents(n, generator.z_dim, seed=seed), psi)
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


__all__ = ["guide_latents", "mix_condition", "paint", "style_index", "truncate"]
