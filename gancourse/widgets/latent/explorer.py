"""The latent explorer: sliders along directions, a seed picker, a randomise button."""

from __future__ import annotations

import time

import ipywidgets as W
import numpy as np
import torch
from torch import Tensor, nn

from gancourse.latent import Directions, edit_latent, find_directions, latent_from_seed
from gancourse.models import generate
from gancourse.widgets.latent.common import MAX_SEED, _seed_box, _Shown, _threaded, images_to_png


class LatentExplorer(_Shown):
    """Sliders along k latent directions + seed picker + randomise button -> G(z + sum a_k u_k).

    ``directions``: a :class:`~gancourse.latent.Directions` or a (K, D) tensor of unit rows;
    by default ``find_directions(generator, k, seed=seed)``. Slider k moves z by ``alpha_k``
    along ``u_k`` (``alpha`` in ``[-span, span]``: z's coordinate along a unit direction has
    std 1). ``rng_seed`` seeds the randomise button's sequence of seeds.
    """

    def __init__(
        self,
        generator: nn.Module,
        directions: Directions | Tensor | None = None,
        *,
        k: int = 5,
        seed: int = 0,
        span: float = 3.0,
        step: float = 0.25,
        scale: int = 6,
        threads: int | None = 1,
        rng_seed: int = 0,
    ):
        self.threads = threads
        self.generator = generator
        if directions is None:
            directions = find_directions(generator, k, seed=seed)
        self.directions = (
            directions.vectors
            if isinstance(directions, Directions)
            else torch.as_tensor(directions)
        )
        if self.directions.dim() != 2 or self.directions.shape[1] != generator.z_dim:
            raise ValueError(
                f"directions must have shape (K, {generator.z_dim}), "
                f"got {tuple(self.directions.shape)}"
            )
        self.scale = scale
        self._rng = np.random.default_rng(rng_seed)
        self.sliders = [
            W.FloatSlider(
                value=0.0,
                min=-span,
                max=span,
                step=step,
                description=f"PC{i + 1}",
                continuous_update=True,
                readout_format=".2f",
            )
            for i in range(len(self.directions))
        ]
        self.seed = _seed_box(seed)
        self.randomise_button = W.Button(
            description="randomise", icon="random", tooltip="a new random seed"
        )
        self.reset_button = W.Button(description="reset sliders", tooltip="all sliders back to 0")
        self.image = W.Image(format="png")
        self.label = W.Label()
        self.last_update_ms = float("nan")
        self._z0 = latent_from_seed(seed, generator.z_dim)
        for s in self.sliders:
            s.observe(self._on_change, names="value")
        self.seed.observe(self._on_seed, names="value")
        self.randomise_button.on_click(self._on_randomise)
        self.reset_button.on_click(self._on_reset)
        self._hold = False
        self.widget = W.VBox(
            [
                W.HBox([self.seed, self.randomise_button, self.reset_button]),
                W.HBox([self.image, W.VBox(self.sliders)]),
                self.label,
            ]
        )
        self.widget.add_class("gancourse-latent-explorer")
        self.update()

    @property
    def alphas(self) -> list[float]:
        return [float(s.value) for s in self.sliders]

    def latent(self) -> Tensor:
        """The current z (D,) = z(seed) + sum_k alpha_k u_k."""
        return edit_latent(self._z0, self.directions, self.alphas)

    def render(self) -> bytes:
        """PNG bytes of G(current z) (what ``image.value`` shows)."""
        return images_to_png(generate(self.generator, self.latent()), scale=self.scale, padding=0)

    @_threaded
    def update(self) -> None:
        start = time.perf_counter()
        self.image.value = self.render()
        self.last_update_ms = 1000.0 * (time.perf_counter() - start)
        z = self.latent()
        self.label.value = (
            f"seed {self.seed.value} · |z| = {float(z.norm()):.2f} · "
            f"update {self.last_update_ms:.0f} ms"
        )

    def _on_change(self, change) -> None:
        if not self._hold:
            self.update()

    def _on_seed(self, change) -> None:
        self._z0 = latent_from_seed(int(change["new"]), self.generator.z_dim)
        self.update()

    def _on_randomise(self, _button=None) -> None:
        self.seed.value = int(self._rng.integers(0, MAX_SEED))

    def _on_reset(self, _button=None) -> None:
        self._hold = True
        try:
            for s in self.sliders:
                s.value = 0.0
        finally:
            self._hold = False
        self.update()


def measure_explorer_latency(
    explorer: LatentExplorer, n: int = 50, *, slider: int = 0
) -> np.ndarray:
    """Milliseconds per slider update (set value -> new ``image.value``), for n updates.

    Steps slider ``slider`` through n different values, as a student dragging it does;
    restores its value afterwards. Returns the n wall times.
    """
    s = explorer.sliders[slider]
    old = s.value
    values = np.linspace(s.min, s.max, n)
    times = np.empty(n)
    for j, v in enumerate(values):
        start = time.perf_counter()
        s.value = float(v)
        times[j] = 1000.0 * (time.perf_counter() - start)
    s.value = old
    return times


__all__ = ["LatentExplorer", "measure_explorer_latency"]
