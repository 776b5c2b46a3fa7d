"""Lesson 09's repair widget: cut a hole in a painting, see every method fill it, live.

The logic is :func:`gancourse.translate.repair.repairs` (plain functions, tested without a
browser); this module is a thin ipywidgets layer (core widgets only: ipywidgets 7.6+ and 8,
Colab included). Sliders pick the painting and the hole's side and place; the image shows,
left to right, the intact painting, the damaged one, the mean-colour fill, the diffusion
fill and each network's repair; the label gives each method's PSNR in the hole. When shown
in a notebook it also carries a PNG of its current state, so a saved notebook shows a picture.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import torch
from torch import Tensor, nn

from gancourse.data.paired import square_masks
from gancourse.translate.measures import psnr
from gancourse.translate.repair import repairs
from gancourse.widgets.fallback import widget_with_fallback
from gancourse.widgets.latent.common import _threaded, images_to_png


class RepairExplorer:
    """Pick a painting, size and move a square hole; see the damaged input and every repair.

    ``paintings``: (N, 3, S, S) in [-1, 1]; ``networks``: name -> inpainting U-Net (it reads
    the damaged image and the mask). Controls: ``painting``, ``side``, ``top``, ``left``
    (``IntSlider``); ``image`` (``Image``, PNG) and ``label``. Moving a slider updates at once
    (:meth:`update`), so a test can set a value and read :attr:`views` and :attr:`scores`.
    """

    def __init__(
        self,
        paintings: Tensor,
        networks: dict[str, nn.Module],
        *,
        index: int = 0,
        side: int = 12,
        top: int | None = None,
        left: int | None = None,
        scale: int = 4,
        threads: int | None = 1,
    ):
        if paintings.dim() != 4 or paintings.shape[1] != 3 or len(paintings) < 1:
            raise ValueError(f"paintings must be (N, 3, S, S), got {tuple(paintings.shape)}")
        self.paintings, self.networks = paintings, dict(networks)
        self.size, self.scale, self.threads = paintings.shape[-1], scale, threads
        side = max(1, min(side, self.size - 1))
        centre = (self.size - side) // 2
        top, left = centre if top is None else top, centre if left is None else left

        def slider(value, lo, hi, text):
            return W.IntSlider(
                value=value, min=lo, max=hi, description=text, continuous_update=False
            )

        self.painting = slider(index, 0, len(paintings) - 1, "painting")
        self.side = slider(side, 1, self.size - 1, "hole side")
        self.top = slider(top, 0, self.size - side, "top")
        self.left = slider(left, 0, self.size - side, "left")
        self.image = W.Image(format="png")
        self.label = W.HTML()
        self.views: dict[str, Tensor] = {}
        self.scores: dict[str, float] = {}
        self._busy = False
        for s in (self.painting, self.side, self.top, self.left):
            s.observe(self._on_change, names="value")
        self.widget = W.VBox(
            [
                W.HBox([self.painting, self.side]),
                W.HBox([self.top, self.left]),
                self.image,
                self.label,
            ]
        )
        self.update()

    def mask(self) -> Tensor:
        """The current hole (1, 1, S, S)."""
        return square_masks(self.size, self.top.value, self.left.value, self.side.value)

    def _on_change(self, change) -> None:
        if self._busy:
            return
        if change["owner"] is self.side:  # the hole must stay inside the painting
            self._busy = True
            try:
                for s in (self.top, self.left):
                    s.value = min(s.value, self.size - self.side.value)
                    s.max = self.size - self.side.value
            finally:
                self._busy = False
        self.update()

    @_threaded
    def update(self) -> None:
        """Recompute every repair and refresh the image and the label."""
        x = self.paintings[self.painting.value : self.painting.value + 1]
        m = self.mask()
        self.views = {"intact": x, **repairs(x, m, self.networks)}
        self.scores = {
            name: float(psnr(v, x, m)[0])
            for name, v in self.views.items()
            if name not in ("intact", "damaged")
        }
        self.image.value = images_to_png(
            torch.cat(list(self.views.values())), scale=self.scale, nrow=len(self.views)
        )
        self.label.value = self.caption()

    def caption(self) -> str:
        names = " | ".join(self.views)
        scores = ", ".join(f"{k} {v:.1f} dB" for k, v in self.scores.items())
        return f"<b>{names}</b><br>PSNR in the hole: {scores}"

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        text = self.caption().replace("<b>", "").replace("</b>", "").replace("<br>", "\n")
        return widget_with_fallback(self.widget, self.image.value, text)


__all__ = ["RepairExplorer"]
