"""Memorisation: which generated items are (near) copies of training items?

A generated painting is flagged when its nearest training painting (in a feature space) is
closer than real paintings ever are to each other. **Calibration rule** (``threshold=None``):
for up to ``n_calibration`` training items, the distance to their nearest *other* training
item (leave-one-out) is measured; the threshold is the ``quantile`` of those distances
(default 1%). A new painting from the data distribution is then flagged with probability
about ``quantile`` (the false-positive rate on honest novelty), while an exact copy (distance
0) and near copies (a shifted or slightly recoloured training image, closer to its source than
distinct paintings are to each other) fall under it.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from gancourse.metrics.features import _as_2d


class Copies(NamedTuple):
    """The flagged generated items: ``indices`` into the generated set, their ``nearest``
    training index and ``distance`` to it, and the ``threshold`` used."""

    indices: Tensor
    nearest: Tensor
    distance: Tensor
    threshold: float


def nearest_in(
    queries: Tensor, reference: Tensor, block: int = 2048, exclude_self: bool = False
) -> tuple[Tensor, Tensor]:
    """(distance, index) of each query's nearest reference row; with ``exclude_self`` the
    queries are the first rows of ``reference`` and each row's own match is skipped."""
    dists, idx = [], []
    for i in range(0, len(queries), block):
        d = torch.cdist(queries[i : i + block], reference)
        if exclude_self:
            rows = torch.arange(d.shape[0])
            d[rows, rows + i] = float("inf")
        v, j = d.min(dim=1)
        dists.append(v)
        idx.append(j)
    return torch.cat(dists), torch.cat(idx)


def copy_threshold(
    training_feats, *, quantile: float = 0.01, n_calibration: int = 4000, seed: int = 0
) -> float:
    """The calibration rule of :func:`find_copies`: the ``quantile`` of leave-one-out
    nearest-neighbour distances among (a seeded sample of) the training features."""
    train = _as_2d(training_feats, "training_feats").float()
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    train = train[order]  # the sampled rows first, so exclude_self skips the right match
    d, _ = nearest_in(train[:n_calibration], train, exclude_self=True)
    return float(torch.quantile(d, quantile))


def find_copies(
    generated_feats, training_feats, *, threshold: float | None = None, quantile: float = 0.01
) -> Copies:
    """Generated items whose nearest training item is closer than ``threshold`` (default:
    :func:`copy_threshold` with ``quantile``). Features: (N, D) and (M, D) arrays/tensors."""
    gen = _as_2d(generated_feats, "generated_feats").float()
    train = _as_2d(training_feats, "training_feats").float()
    if gen.shape[1] != train.shape[1]:
        raise ValueError(
            f"feature sizes differ: generated_feats has {gen.shape[1]}, "
            f"training_feats has {train.shape[1]}"
        )
    if threshold is None:
        threshold = copy_threshold(train, quantile=quantile)
    d, j = nearest_in(gen, train)
    flagged = torch.nonzero(d < threshold).flatten()
    return Copies(flagged, j[flagged], d[flagged], float(threshold))


__all__ = ["Copies", "copy_threshold", "find_copies", "nearest_in"]
