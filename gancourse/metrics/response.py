"""What each metric sees: controlled failures of real paintings, measured by every metric.

Lesson 11 degrades real paintings in known ways (blur, noise, dropped styles, fewer
variations, copies of the training set) and asks each metric whether it noticed. The helpers:

- degradations: :func:`add_noise`, :func:`keep_styles`, :func:`few_variations`,
  :func:`truncated_sample` (the truncation trick of a generator), and
  :func:`gancourse.metrics.features.blur`;
- :func:`measure`: FD, KID (mean and std over subsets), precision / recall (k = 3) and density
  / coverage (k = 5) of one feature set against the real one, as a dict;
- :func:`alarms`: for each row and metric, how far the value is on the *bad* side of
  real-vs-real, in units of real-vs-real's own spread (repeated disjoint real pairs): above 3
  the metric noticed the failure, below it the metric was fooled.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from gancourse.metrics.features import frechet_distance, precision_recall
from gancourse.metrics.kid import density_coverage, kid

METRICS: dict[str, str] = {
    "FD": "lower",
    "KID": "lower",
    "precision": "higher",
    "recall": "higher",
    "density": "higher",
    "coverage": "higher",
}
"""The metrics of :func:`measure` and the direction in which each is better."""


def add_noise(images: Tensor, std: float, *, seed: int = 0) -> Tensor:
    """Images (N, C, H, W) in [-1, 1] plus N(0, std^2) noise per pixel, clipped to [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    return (images + std * torch.randn(images.shape, generator=g)).clamp(-1.0, 1.0)


def _draw(pool: Tensor, n: int, gen: torch.Generator) -> Tensor:
    """n indices into ``pool`` (1-D), without repeats while the pool lasts, then cycling."""
    order = pool[torch.randperm(len(pool), generator=gen)]
    return order.repeat(-(-n // len(order)))[:n]


def keep_styles(images: Tensor, labels: Tensor, styles, n: int, *, seed: int = 0) -> Tensor:
    """``n`` paintings drawn from ``images`` whose label is in ``styles`` only (a generator that
    collapsed onto those styles), in equal shares per kept style."""
    styles = [int(s) for s in styles]
    if not styles:
        raise ValueError("keep at least one style")
    gen = torch.Generator().manual_seed(seed)
    idx = []
    for i, s in enumerate(styles):
        pool = torch.nonzero(labels == s).flatten()
        if len(pool) == 0:
            raise ValueError(f"no image has label {s}")
        idx.append(_draw(pool, n // len(styles) + (i < n % len(styles)), gen))
    return images[torch.cat(idx)]


def few_variations(
    images: Tensor, labels: Tensor, per_style: int, n: int, *, seed: int = 0
) -> Tensor:
    """``n`` paintings made of only ``per_style`` distinct paintings of each style, repeated
    (every style present, little variety within each: a generator with low recall)."""
    gen = torch.Generator().manual_seed(seed)
    chosen = []
    for s in torch.unique(labels).tolist():
        pool = torch.nonzero(labels == s).flatten()
        chosen.append(pool[torch.randperm(len(pool), generator=gen)[:per_style]])
    return images[_draw(torch.cat(chosen), n, gen)]


@torch.no_grad()
def truncated_sample(generator: nn.Module, n: int, psi: float, *, seed: int = 0) -> Tensor:
    """The truncation trick: G(psi * z), z ~ N(0, I) drawn with ``seed``; psi < 1 pulls every
    latent towards the mean (typical paintings, fewer variations); psi = 1 is plain sampling."""
    from gancourse.models import generate, sample_latents

    return generate(generator, psi * sample_latents(n, generator.z_dim, seed=seed))


def measure(
    real_feats,
    fake_feats,
    *,
    k_pr: int = 3,
    k_dc: int = 5,
    n_subsets: int = 50,
    subset_size: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """Every metric of :data:`METRICS` (and ``KID_std``) of fake vs real features (N, D)."""
    precision, recall = precision_recall(real_feats, fake_feats, k=k_pr)
    density, coverage = density_coverage(real_feats, fake_feats, k=k_dc)
    kid_mean, kid_std = kid(
        real_feats, fake_feats, n_subsets=n_subsets, subset_size=subset_size, seed=seed
    )
    return {
        "FD": frechet_distance(real_feats, fake_feats),
        "KID": kid_mean,
        "KID_std": kid_std,
        "precision": precision,
        "recall": recall,
        "density": density,
        "coverage": coverage,
    }


def alarms(
    table: Mapping[str, Mapping[str, float]],
    reference: list[Mapping[str, float]],
    metrics: Mapping[str, str] = METRICS,
    floor: float = 1e-3,
) -> dict[str, dict[str, float]]:
    """For each row of ``table`` and each metric: (value - ref mean) / ref spread, signed so
    that positive means *worse* than real-vs-real. ``reference``: the metrics of several
    real-vs-real pairs; its spread is their std, at least ``floor`` times the mean's size
    (a metric that never moves between real pairs still needs a scale)."""
    if len(reference) < 2:
        raise ValueError("give at least two real-vs-real rows to measure the spread")
    out: dict[str, dict[str, float]] = {}
    for name, row in table.items():
        out[name] = {}
        for metric, better in metrics.items():
            ref = torch.tensor([r[metric] for r in reference], dtype=torch.float64)
            spread = max(float(ref.std()), floor * max(abs(float(ref.mean())), 1.0))
            worse = float(row[metric] - ref.mean()) * (1 if better == "lower" else -1)
            out[name][metric] = worse / spread
    return out


__all__ = [
    "METRICS",
    "add_noise",
    "alarms",
    "few_variations",
    "keep_styles",
    "measure",
    "truncated_sample",
]
