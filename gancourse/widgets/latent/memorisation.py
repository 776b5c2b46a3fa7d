"""A generated image next to its nearest training images in feature space."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as W
import numpy as np
import torch
from torch import Tensor, nn

from gancourse.latent import latent_from_seed, nearest_neighbours, nn_baseline
from gancourse.models import generate
from gancourse.widgets.latent.common import MAX_SEED, _seed_box, _Shown, _threaded, images_to_png


class MemorisationExplorer(_Shown):
    """A generated image (by seed) next to its k nearest training images in feature space.

    ``feature_fn``: images (N, C, H, W) in [-1, 1] -> features (N, F); ``train_images``
    (M, C, H, W) in [-1, 1]. The training features are computed once, here. The label
    gives the distances and, for scale, the median distance from a training image to its
    nearest *other* training image: a generated image far closer than that is suspect.
    """

    def __init__(
        self,
        generator: nn.Module,
        train_images: Tensor,
        feature_fn: Callable[[Tensor], Tensor],
        *,
        k: int = 5,
        seed: int = 0,
        scale: int = 4,
        threads: int | None = 1,
        rng_seed: int = 0,
        train_features: Tensor | None = None,
    ):
        self.threads = threads
        self.generator, self.train_images, self.feature_fn, self.scale = (
            generator,
            train_images,
            feature_fn,
            scale,
        )
        with torch.no_grad():
            self.train_features = torch.as_tensor(
                train_features if train_features is not None else feature_fn(train_images)
            )
        if len(self.train_features) != len(train_images):
            raise ValueError("train_features must have one row per training image")
        self.baseline = nn_baseline(self.train_features)
        self._rng = np.random.default_rng(rng_seed)
        self.k = W.IntSlider(value=k, min=1, max=min(8, len(train_images)), description="k")
        self.seed = _seed_box(seed)
        self.randomise_button = W.Button(description="randomise", icon="random")
        self.image = W.Image(format="png")
        self.label = W.Label()
        self.k.observe(lambda _c: self.update(), names="value")
        self.seed.observe(lambda _c: self.update(), names="value")
        self.randomise_button.on_click(
            lambda _b: setattr(self.seed, "value", int(self._rng.integers(0, MAX_SEED)))
        )
        self.widget = W.VBox(
            [
                W.HBox([self.seed, self.randomise_button, self.k]),
                W.HBox([self.image, W.Label("left: generated, then its nearest training images")]),
                self.label,
            ]
        )
        self.widget.add_class("gancourse-memorisation")
        self.update()

    def neighbours(self) -> tuple[Tensor, Tensor, Tensor]:
        """(generated image (1, C, H, W), distances (k,), training indices (k,))."""
        x = generate(self.generator, latent_from_seed(self.seed.value, self.generator.z_dim))
        with torch.no_grad():
            q = torch.as_tensor(self.feature_fn(x))
        d, i = nearest_neighbours(q, self.train_features, self.k.value)
        return x, d[0], i[0]

    @_threaded
    def update(self) -> None:
        x, d, i = self.neighbours()
        self.image.value = images_to_png(
            torch.cat([x, self.train_images[i]]), scale=self.scale, nrow=len(i) + 1
        )
        ds = ", ".join(f"{v:.2f}" for v in d.tolist())
        self.label.value = (
            f"feature distances: {ds} · (median nearest-neighbour distance "
            f"among training images: {self.baseline:.2f})"
        )


__all__ = ["MemorisationExplorer"]
