"""Style arithmetic: ``z' = z + alpha (mean{z : style(G(z)) = a} - mean{z : style(G(z)) = b})``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from gancourse.models import generate, sample_latents


@dataclass(frozen=True)
class StyleLatents:
    """Latents grouped by the style a classifier assigns to their images.

    ``means`` (S, D): mean z per style (NaN rows for styles with no sample), ``counts`` (S,),
    ``labels`` (n,) the predicted style of each sample, ``names`` the style names.
    """

    means: Tensor
    counts: Tensor
    labels: Tensor
    names: tuple[str, ...]

    def index(self, style: str | int) -> int:
        if isinstance(style, str):
            if style not in self.names:
                raise ValueError(f"unknown style {style!r}; expected one of {self.names}")
            return self.names.index(style)
        if not 0 <= int(style) < len(self.names):
            raise ValueError(f"style index must be in [0, {len(self.names)}), got {style}")
        return int(style)

    def direction(self, a: str | int, b: str | int) -> Tensor:
        """mean z of style a minus mean z of style b: (D,)."""
        ia, ib = self.index(a), self.index(b)
        for i in (ia, ib):
            if self.counts[i] == 0:
                raise ValueError(
                    f"no sample was classified as {self.names[i]!r}; "
                    "draw more samples (n) or pick another style"
                )
        return self.means[ia] - self.means[ib]


def _predict(classify: Callable[[Tensor], Tensor], images: Tensor) -> Tensor:
    out = classify(images)
    if not isinstance(out, Tensor):
        out = torch.as_tensor(np.asarray(out))
    if out.dim() == 2:
        return out.argmax(1)
    if out.dim() == 1:
        return out.long()
    raise ValueError(
        f"classify must return labels (N,) or scores (N, S), got shape {tuple(out.shape)}"
    )


@torch.no_grad()
def style_latents(
    generator: nn.Module,
    classify: Callable[[Tensor], Tensor],
    names: Sequence[str],
    *,
    n: int = 1000,
    seed: int = 0,
) -> StyleLatents:
    """Draw n latents with ``seed``, label G(z) with ``classify`` and average z per style.

    ``classify`` maps images (N, C, H, W) in [-1, 1] to scores (N, S) (logits or
    probabilities) or to labels (N,); ``names`` are the S style names.
    """
    z_dim = generator.z_dim
    z = sample_latents(n, z_dim, seed=seed)
    labels = _predict(classify, generate(generator, z))
    s = len(names)
    if labels.numel() and (labels.min() < 0 or labels.max() >= s):
        raise ValueError(f"classify returned labels outside [0, {s}) for {s} style names")
    counts = torch.bincount(labels, minlength=s)
    sums = torch.zeros(s, z_dim).index_add_(0, labels, z)
    means = sums / counts[:, None].clamp_min(1)
    means[counts == 0] = float("nan")
    return StyleLatents(means=means, counts=counts, labels=labels, names=tuple(names))


def latent_arithmetic(
    z: Tensor, styles: StyleLatents, a: str | int, b: str | int, alpha: float = 1.0
) -> Tensor:
    """``z + alpha * (mean_a - mean_b)``: push z from style b towards style a. z: (D,)."""
    return z + alpha * styles.direction(a, b)


__all__ = ["StyleLatents", "latent_arithmetic", "style_latents"]
