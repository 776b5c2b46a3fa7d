"""Memorisation: which generated items are (near) copies of training items?

A generated painting is flagged when its nearest training painting is closer than real
paintings ever are to each other. **Calibration rule** (``threshold=None``): for up to
``n_calibration`` training items (a seeded sample), the distance to their nearest *other*
training item (leave-one-out) is measured, with the same distance as the test; the threshold
is the ``quantile`` of those real-vs-real distances (default 1%). A new painting from the data
distribution is then flagged with probability about ``quantile`` (the false-positive rate on
honest novelty), while an exact copy (distance 0) and near copies (closer to their source than
distinct paintings are to each other) fall under it.

Two entry points share that rule:

- :func:`find_copies` works on any features (N, D) you give it;
- :func:`find_image_copies` works on images, in the space the course recommends for copies:
  **aligned pixels**. Each generated image is compared at every shift of up to ``max_shift``
  pixels (the smallest distance counts), with a ``border`` cut off and ``pool`` x ``pool``
  averaging (:func:`aligned_descriptor`). Why pixels: a copy is a copy of the pixels, while the
  style classifier's features are trained to ignore what differs *within* a style, which is what
  tells a copy from a new painting; and its strided convolutions are not shift invariant, so a
  painting moved by one pixel lands about as far away as a different painting. The shift search
  undoes the move; the border crop ignores the row the move invents.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
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
    queries: Tensor, reference: Tensor, block: int = 2048, exclude: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """(distance, index) of each query's nearest reference row; ``exclude`` (N,) gives, per
    query, one reference index to skip (its own row, for leave-one-out)."""
    dists, idx = [], []
    for i in range(0, len(queries), block):
        d = torch.cdist(queries[i : i + block], reference)
        if exclude is not None:
            d[torch.arange(d.shape[0]), exclude[i : i + block]] = float("inf")
        v, j = d.min(dim=1)
        dists.append(v)
        idx.append(j)
    return torch.cat(dists), torch.cat(idx)


def _nearest_over_views(
    views: list[Tensor], reference: Tensor, exclude: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """The smallest distance (and its reference index) over several views of each query."""
    best_d, best_j = nearest_in(views[0], reference, exclude=exclude)
    for view in views[1:]:
        d, j = nearest_in(view, reference, exclude=exclude)
        closer = d < best_d
        best_d, best_j = torch.where(closer, d, best_d), torch.where(closer, j, best_j)
    return best_d, best_j


def _calibration_rows(n: int, n_calibration: int, seed: int) -> Tensor:
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[:n_calibration]


def _check_quantile(quantile: float) -> None:
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")


def copy_threshold(
    training_feats, *, quantile: float = 0.01, n_calibration: int = 4000, seed: int = 0
) -> float:
    """The calibration rule of :func:`find_copies`: the ``quantile`` of leave-one-out
    nearest-neighbour distances among (a seeded sample of) the training features (M, D)."""
    train = _as_2d(training_feats, "training_feats").float()
    _check_quantile(quantile)
    rows = _calibration_rows(len(train), n_calibration, seed)
    d, _ = nearest_in(train[rows], train, exclude=rows)
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


# ------------------------------------------------------------------ images: aligned pixels
def shift_images(images: Tensor, dy: int, dx: int) -> Tensor:
    """Images (N, C, H, W) moved down by ``dy`` and right by ``dx`` pixels (negative: up /
    left), the uncovered edge filled by repeating the edge pixels; same shape."""
    s = max(abs(dy), abs(dx))
    if s == 0:
        return images
    h, w = images.shape[-2:]
    padded = F.pad(images, (s, s, s, s), mode="replicate")
    return padded[..., s - dy : s - dy + h, s - dx : s - dx + w]


def aligned_descriptor(
    images: Tensor, *, shift: tuple[int, int] = (0, 0), border: int = 1, pool: int = 3
) -> Tensor:
    """The copy detector's view of images (N, C, S, S): moved by ``shift`` = (dy, dx), a
    ``border`` of pixels cut off each side, ``pool`` x ``pool`` averaged, flattened: (N, d)."""
    if images.dim() != 4:
        raise ValueError(f"images must have shape (N, C, H, W), got {tuple(images.shape)}")
    x = shift_images(images.float(), *shift)
    if border:
        x = x[..., border:-border, border:-border]
    if pool > 1:
        x = F.avg_pool2d(x, pool, ceil_mode=True)
    return x.flatten(1)


def _shifts(max_shift: int) -> list[tuple[int, int]]:
    r = range(-max_shift, max_shift + 1)
    return sorted(((dy, dx) for dy in r for dx in r), key=lambda s: abs(s[0]) + abs(s[1]))


def find_image_copies(
    generated: Tensor,
    training: Tensor,
    *,
    max_shift: int = 1,
    border: int = 1,
    pool: int = 3,
    threshold: float | None = None,
    quantile: float = 0.01,
    n_calibration: int = 2000,
    seed: int = 0,
) -> Copies:
    """Generated images (N, C, S, S) that copy a training image (M, C, S, S), in aligned
    pixels: distance = min over shifts of up to ``max_shift`` pixels of the
    :func:`aligned_descriptor` distance. ``threshold=None``: the calibration rule of the module
    (leave-one-out distances among ``n_calibration`` training images, with the same shift
    search, at ``quantile``)."""
    if generated.shape[1:] != training.shape[1:]:
        raise ValueError(
            f"image shapes differ: generated {tuple(generated.shape[1:])}, "
            f"training {tuple(training.shape[1:])}"
        )
    _check_quantile(quantile)
    kw = {"border": border, "pool": pool}
    ref = aligned_descriptor(training, **kw)
    shifts = _shifts(max_shift)
    if threshold is None:
        rows = _calibration_rows(len(training), n_calibration, seed)
        views = [aligned_descriptor(training[rows], shift=s, **kw) for s in shifts]
        d_cal, _ = _nearest_over_views(views, ref, exclude=rows)
        threshold = float(torch.quantile(d_cal, quantile))
    d, j = _nearest_over_views([aligned_descriptor(generated, shift=s, **kw) for s in shifts], ref)
    flagged = torch.nonzero(d < threshold).flatten()
    return Copies(flagged, j[flagged], d[flagged], float(threshold))


def plant_copies(
    training: Tensor, n: int, *, seed: int = 0, recolour: float = 0.05
) -> tuple[Tensor, Tensor, list[str]]:
    """``n`` planted copies of training images (N, C, H, W) in [-1, 1], in equal parts
    ``exact``, ``shifted`` (one pixel in a random direction) and ``recoloured`` (each channel
    scaled by a random factor within 1 +- ``recolour``). Returns (copies, source indices,
    kind of each)."""
    gen = torch.Generator().manual_seed(seed)
    src = torch.randperm(len(training), generator=gen)[:n]
    kinds = [("exact", "shifted", "recoloured")[3 * i // n] for i in range(n)]
    out = training[src].clone()
    for i, kind in enumerate(kinds):
        if kind == "shifted":
            dy, dx = _shifts(1)[1 + int(torch.randint(8, (1,), generator=gen))]
            out[i] = shift_images(out[i : i + 1], dy, dx)[0]
        elif kind == "recoloured":
            gain = 1 + recolour * (2 * torch.rand(out.shape[1], 1, 1, generator=gen) - 1)
            out[i] = ((out[i] + 1) * gain - 1).clamp(-1, 1)
    return out, src, kinds


__all__ = [
    "Copies",
    "aligned_descriptor",
    "copy_threshold",
    "find_copies",
    "find_image_copies",
    "nearest_in",
    "plant_copies",
    "shift_images",
]
