"""z + alpha (mean z of style a - mean z of style b), and the classifier's verdicts."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as W
import numpy as np
import torch
from torch import Tensor, nn

from gancourse.latent import StyleLatents, latent_arithmetic, latent_from_seed
from gancourse.models import generate
from gancourse.widgets.latent.common import MAX_SEED, _seed_box, _Shown, _threaded, images_to_png


class ArithmeticExplorer(_Shown):
    """z and z + alpha (mean_a - mean_b) side by side, with the classifier's verdict on both.

    ``styles``: from :func:`gancourse.latent.style_latents` (mean z per predicted style);
    ``classify``: images (N, C, H, W) in [-1, 1] -> logits (N, S), e.g. a style classifier.
    """

    def __init__(
        self,
        generator: nn.Module,
        classify: Callable[[Tensor], Tensor],
        styles: StyleLatents,
        *,
        a: str | None = None,
        b: str | None = None,
        seed: int = 0,
        scale: int = 5,
        threads: int | None = 1,
        rng_seed: int = 0,
    ):
        self.threads = threads
        self.generator, self.classify, self.styles, self.scale = generator, classify, styles, scale
        usable = [nm for nm, c in zip(styles.names, styles.counts.tolist()) if c > 0]
        if len(usable) < 2:
            raise ValueError(
                "latent arithmetic needs samples of at least two styles; "
                f"counts: {styles.counts.tolist()}"
            )
        self._rng = np.random.default_rng(rng_seed)
        self.style_a = W.Dropdown(options=usable, value=a or usable[0], description="towards")
        self.style_b = W.Dropdown(options=usable, value=b or usable[1], description="away from")
        self.alpha = W.FloatSlider(
            value=1.0, min=0.0, max=3.0, step=0.1, description="alpha", continuous_update=True
        )
        self.seed = _seed_box(seed)
        self.randomise_button = W.Button(description="randomise", icon="random")
        self.image = W.Image(format="png")
        self.label = W.Label()
        for w in (self.style_a, self.style_b, self.alpha, self.seed):
            w.observe(lambda _c: self.update(), names="value")
        self.randomise_button.on_click(
            lambda _b: setattr(self.seed, "value", int(self._rng.integers(0, MAX_SEED)))
        )
        self.widget = W.VBox(
            [
                W.HBox([self.seed, self.randomise_button]),
                W.HBox([self.style_a, self.style_b]),
                self.alpha,
                W.HBox([self.image, W.Label("left: z, right: z + alpha (mean_a - mean_b)")]),
                self.label,
            ]
        )
        self.widget.add_class("gancourse-arithmetic")
        self.update()

    def latents(self) -> tuple[Tensor, Tensor]:
        z = latent_from_seed(self.seed.value, self.generator.z_dim)
        return z, latent_arithmetic(
            z, self.styles, self.style_a.value, self.style_b.value, self.alpha.value
        )

    def verdicts(self, images: Tensor) -> list[tuple[str, float]]:
        """(style name, probability) of the classifier's top class for each image."""
        with torch.no_grad():
            p = self.classify(images).float().softmax(1)
        conf, idx = p.max(1)
        return [(self.styles.names[int(i)], float(c)) for i, c in zip(idx, conf)]

    @_threaded
    def update(self) -> None:
        z, z_new = self.latents()
        x = generate(self.generator, torch.stack([z, z_new]))
        self.image.value = images_to_png(x, scale=self.scale, nrow=2)
        (s0, p0), (s1, p1) = self.verdicts(x)
        self.label.value = f"classifier: before {s0} ({p0:.0%}) → after {s1} ({p1:.0%})"


__all__ = ["ArithmeticExplorer"]
