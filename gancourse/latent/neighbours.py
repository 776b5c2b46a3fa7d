"""Memorisation checks: the nearest training images of a generated one."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


def nearest_neighbours(query: Tensor, reference: Tensor, k: int = 5) -> tuple[Tensor, Tensor]:
    """Euclidean k nearest rows of ``reference`` (M, F) for each row of ``query`` (N, F).

    Returns ``(distances (N, k), indices (N, k))``, nearest first.
    """
    if query.dim() != 2 or reference.dim() != 2 or query.shape[1] != reference.shape[1]:
        raise ValueError(
            f"expected query (N, F) and reference (M, F) with the same F, got {tuple(query.shape)} "
            f"and {tuple(reference.shape)}"
        )
    if not 1 <= k <= len(reference):
        raise ValueError(f"k must be in [1, {len(reference)}], got {k}")
    d = torch.cdist(query.double(), reference.double())
    dist, idx = torch.topk(d, k, dim=1, largest=False)
    return dist.float(), idx


def nearest_training_images(
    images: Tensor,
    train_features: Tensor,
    feature_fn: Callable[[Tensor], Tensor],
    k: int = 5,
) -> tuple[Tensor, Tensor]:
    """For images (N, C, H, W), the k training images nearest in feature space.

    ``train_features`` (M, F) = ``feature_fn(train_images)``, computed once; ``feature_fn``
    maps images in [-1, 1] to features (N, F). Returns ``(distances (N, k), indices (N, k))``.
    """
    with torch.no_grad():
        q = feature_fn(images)
    return nearest_neighbours(torch.as_tensor(q), torch.as_tensor(train_features), k)


def nn_baseline(features: Tensor, n: int = 500) -> float:
    """Median distance from each of the first n feature rows to its nearest other row (M, F)."""
    q = features[:n]
    d, _ = nearest_neighbours(q, features, k=min(2, len(features)))
    return float(d[:, -1].median())


__all__ = ["nearest_neighbours", "nearest_training_images", "nn_baseline"]
