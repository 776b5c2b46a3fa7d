"""What the latent widgets share: PNG rendering, seed boxes, the torch thread scope."""

from __future__ import annotations

import functools
import io

import ipywidgets as W
import numpy as np
from PIL import Image as PILImage
from torch import Tensor

from gancourse.device import torch_threads
from gancourse.plotting import to_grid

MAX_SEED = 2**31 - 1


def images_to_png(
    images: Tensor | np.ndarray, *, scale: int = 4, nrow: int | None = None, padding: int = 1
) -> bytes:
    """PNG bytes of images (N, C, H, W) in [-1, 1], tiled with ``plotting.to_grid`` and
    enlarged ``scale`` times (nearest neighbour, so pixels stay crisp). Deterministic.
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive int, got {scale}")
    grid = to_grid(images, nrow=nrow, padding=padding)  # (H', W', 3) in [0, 1]
    img = (grid * 255.0 + 0.5).astype(np.uint8)
    if scale > 1:
        img = img.repeat(scale, axis=0).repeat(scale, axis=1)
    buf = io.BytesIO()
    PILImage.fromarray(img).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _seed_box(value: int, description: str = "seed") -> W.BoundedIntText:
    return W.BoundedIntText(
        value=int(value),
        min=0,
        max=MAX_SEED,
        description=description,
        layout=W.Layout(width="180px"),
    )


def _threaded(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with torch_threads(self.threads):
            return method(self, *args, **kwargs)

    return wrapper


class _Shown:
    """Displays ``self.widget`` when the object is a cell's last expression."""

    widget: W.Widget
    threads: int | None = 1

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


__all__ = ["MAX_SEED", "images_to_png", "torch_threads"]
