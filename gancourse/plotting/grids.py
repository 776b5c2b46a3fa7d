"""Image grids for the lessons: a grid of images, an animation of grids, the art gallery.

Images follow the course convention: tensors or arrays of shape (N, C, H, W) with values
in [-1, 1] (C = 1 or 3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from gancourse.data.art import ART_STYLES, art_gallery
from gancourse.plotting.frames import animation_html, frame_strip, pick_frames, show_strip

try:  # torch is a dependency, but keep this module usable on plain arrays
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]


def _as_numpy(images) -> np.ndarray:
    if torch is not None and isinstance(images, torch.Tensor):
        images = images.detach().to("cpu", torch.float32).numpy()
    return np.asarray(images, dtype=np.float32)


def to_grid(
    images, nrow: int | None = None, padding: int = 1, pad_value: float = 1.0
) -> np.ndarray:
    """Tile images (N, C, H, W) in [-1, 1] into one (H', W', 3) array in [0, 1].

    ``nrow`` images per row (default: about sqrt(N)); ``pad_value`` in [0, 1] (white).
    """
    x = _as_numpy(images)
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images of shape (N, C, H, W) with C in (1, 3), got {x.shape}")
    n, c, h, w = x.shape
    if n == 0:
        raise ValueError("no images to show")
    x = np.clip((x + 1.0) / 2.0, 0.0, 1.0)
    if c == 1:
        x = np.repeat(x, 3, axis=1)
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    ncol_rows = int(math.ceil(n / nrow))
    grid = np.full(
        (ncol_rows * (h + padding) + padding, nrow * (w + padding) + padding, 3),
        pad_value,
        np.float32,
    )
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top : top + h, left : left + w] = x[i].transpose(1, 2, 0)
    return grid


def show_grid(images, title: str = "", nrow: int | None = None, ax=None, figsize: float = 4.0):
    """Show a grid of images (N, C, H, W) in [-1, 1] on ``ax`` (a new figure by default)."""
    grid = to_grid(images, nrow=nrow)
    if ax is None:
        _, ax = plt.subplots(figsize=(figsize, figsize * grid.shape[0] / grid.shape[1]))
    ax.imshow(grid, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return ax


def animate_grids(
    frames: Sequence,
    titles: Sequence[str] | None = None,
    nrow: int | None = None,
    interval: int = 400,
    figsize: float = 4.0,
    strip: int = 4,
    strip_path: str | Path | None = None,
    title: str = "samples over training",
):
    """An HTML (jshtml) animation of image grids, e.g. fixed-noise samples over training.

    ``frames``: a sequence of image batches (N, C, H, W) in [-1, 1]. First shows a static strip
    of ``strip`` evenly spaced frames under ``title`` (a PNG that GitHub shows, where the
    animation's JavaScript does not run; saved to ``strip_path`` when given; 0: no strip).
    Returns an IPython ``HTML`` object; the figure is closed so it is not drawn twice.
    """
    grids = [to_grid(f, nrow=nrow) for f in frames]
    aspect = grids[0].shape[0] / grids[0].shape[1]
    if strip:

        def draw(ax, i):
            ax.imshow(grids[i], interpolation="nearest")
            ax.set_title(titles[i] if titles else f"frame {i}", fontsize=9)
            ax.axis("off")

        side = min(figsize, 3.0)
        fig = frame_strip(
            draw, pick_frames(len(grids), strip), panel=(side, side * aspect + 0.3), title=title
        )
        show_strip(fig, strip_path)
    fig, ax = plt.subplots(figsize=(figsize, figsize * aspect))
    im = ax.imshow(grids[0], interpolation="nearest")
    ax.axis("off")
    heading = ax.set_title(titles[0] if titles else "")

    def update(i):
        im.set_data(grids[i])
        if titles:
            heading.set_text(titles[i])
        return (im, heading)

    return animation_html(fig, update, len(grids), interval)


def show_art_gallery(
    per_style: int = 8, size: int = 32, seed: int = 0, ax=None, images=None, title: str = ""
):
    """Plot a row per style (style names on the left); returns the matplotlib axis.

    ``images``: optionally an (6 * per_style, 3, S, S) tensor grouped by style (e.g. from a
    conditional generator) to show instead of real art.
    """
    if images is None:
        images, _ = art_gallery(per_style, size, seed)
    n_styles = len(ART_STYLES)
    if len(images) != n_styles * per_style:
        raise ValueError(
            f"expected {n_styles} * {per_style} images grouped by style, got {len(images)}"
        )
    grid = to_grid(images, nrow=per_style)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(10.0, 1.0 + 0.9 * per_style), 0.9 * n_styles))
    ax.imshow(grid, interpolation="nearest")
    s = images.shape[-1]
    ax.set_yticks([1 + (s + 1) * i + s / 2 for i in range(n_styles)], list(ART_STYLES))
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title or f"Generated abstract art, {s}x{s}: a row per style")
    return ax
