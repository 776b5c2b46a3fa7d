"""Lesson 08's style painter: ask a conditional generator for a style, mix two, truncate.

The work is done by :func:`gancourse.conditional.paint` (testable without a browser);
:class:`StylePainter` is the thin ipywidgets layer (core widgets only: ipywidgets 7.6+ and 8,
Colab included): a style picker, a second style and a **mix** slider (t = 0: the first style,
t = 1: the second; the class-conditional batch norms interpolate the two styles' scales and
shifts), a **truncation** slider (psi: 1 = none, toward 0 = the typical painting), a seed box
and a randomise button. The paintings are a PNG in an ``ipywidgets.Image`` (its ``value``
is the state tests compare); when shown, the widget carries that PNG as a fallback, so a saved
notebook or GitHub shows the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as W
import numpy as np
from torch import Tensor, nn

from gancourse.conditional.control import paint
from gancourse.data.art import ART_STYLES
from gancourse.widgets.fallback import widget_with_fallback
from gancourse.widgets.latent.common import MAX_SEED, _seed_box, _threaded, images_to_png


class StylePainter:
    """``n`` paintings of a conditional ``generator``: the picked style, mixed with a second
    one by ``mix``, from z drawn with ``seed`` and truncated to ``psi`` (toward the style's
    anchors when ``centres`` are given: :func:`gancourse.conditional.truncate_to_centres`)."""

    def __init__(
        self,
        generator: nn.Module,
        names: Sequence[str] = ART_STYLES,
        *,
        style: str | None = None,
        mix_with: str | None = None,
        mix: float = 0.0,
        psi: float = 1.0,
        seed: int = 0,
        n: int = 8,
        scale: int = 3,
        threads: int | None = 1,
        rng_seed: int = 0,
        centres: Tensor | None = None,
    ):
        self.generator, self.names, self.n, self.scale = generator, tuple(names), n, scale
        self.centres = centres
        self.threads = threads
        self._rng = np.random.default_rng(rng_seed)
        first = self.names[0] if style is None else style
        second = self.names[1] if mix_with is None else mix_with
        self.style = W.Dropdown(options=list(self.names), value=first, description="style")
        self.mix_with = W.Dropdown(options=list(self.names), value=second, description="mix with")
        self.mix = W.FloatSlider(value=mix, min=0.0, max=1.0, step=0.05, description="mix")
        self.psi = W.FloatSlider(value=psi, min=0.0, max=1.0, step=0.05, description="truncation ψ")
        self.seed = _seed_box(seed)
        self.randomise_button = W.Button(description="randomise", icon="random")
        self.image = W.Image(format="png")
        self.label = W.Label()
        for w in (self.style, self.mix_with, self.mix, self.psi, self.seed):
            w.observe(lambda _change: self.update(), names="value")
        self.randomise_button.on_click(
            lambda _b: setattr(self.seed, "value", int(self._rng.integers(0, MAX_SEED)))
        )
        self.widget = W.VBox(
            [
                W.HBox([self.style, self.seed, self.randomise_button]),
                W.HBox([self.mix_with, self.mix]),
                self.psi,
                self.image,
                self.label,
            ]
        )
        self.widget.add_class("gancourse-style-painter")
        self.update()

    def images(self) -> Tensor:
        """The paintings the controls ask for: (n, C, H, W) in [-1, 1]."""
        return paint(
            self.generator,
            self.style.value,
            self.n,
            seed=int(self.seed.value),
            psi=float(self.psi.value),
            mix_with=self.mix_with.value,
            mix=float(self.mix.value),
            names=self.names,
            centres=self.centres,
        )

    def describe(self) -> str:
        t = float(self.mix.value)
        mixed = (
            self.style.value
            if t == 0 or self.mix_with.value == self.style.value
            else f"{1 - t:.0%} {self.style.value} + {t:.0%} {self.mix_with.value}"
        )
        return f"{mixed} · truncation ψ = {self.psi.value:.2f} · seed {self.seed.value}"

    @_threaded
    def update(self) -> None:
        self.image.value = images_to_png(self.images(), scale=self.scale, nrow=self.n)
        self.label.value = self.describe()

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        """The live widget, with the current paintings (PNG) and a text line as fallbacks."""
        return widget_with_fallback(self.widget, self.image.value, self.describe())


__all__ = ["StylePainter"]
