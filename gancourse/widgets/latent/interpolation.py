"""Two endpoints, lerp and slerp side by side, a path slider."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
import torch
from torch import Tensor, nn

from gancourse.latent import interpolation_path, latent_from_seed, lerp, slerp
from gancourse.models import generate
from gancourse.widgets.latent.common import _seed_box, _Shown, _threaded, images_to_png


class InterpolationExplorer(_Shown):
    """Two endpoints z_A, z_B (by seed, or picked from a grid of candidates), lerp and slerp
    at the path position t side by side, and both whole paths as strips.
    """

    def __init__(
        self,
        generator: nn.Module,
        *,
        seed_a: int = 0,
        seed_b: int = 1,
        candidates: Sequence[int] = tuple(range(8)),
        steps: int = 9,
        scale: int = 5,
        threads: int | None = 1,
    ):
        self.threads = threads
        self.generator, self.steps, self.scale = generator, steps, scale
        self.candidates = [int(c) for c in candidates]
        self.candidates_image = W.Image(
            value=images_to_png(
                generate(generator, torch.stack([self._z(c) for c in self.candidates])),
                scale=2,
                nrow=len(self.candidates),
            ),
            format="png",
        )
        opts = [str(c) for c in self.candidates]
        self.pick_a = W.ToggleButtons(options=opts, value=None, description="A from grid")
        self.pick_b = W.ToggleButtons(options=opts, value=None, description="B from grid")
        for t in (self.pick_a, self.pick_b):
            t.style.button_width = "42px"
        self.seed_a = _seed_box(seed_a, "seed A")
        self.seed_b = _seed_box(seed_b, "seed B")
        self.t = W.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.05, description="t", continuous_update=True
        )
        self.image = W.Image(format="png")  # [lerp(t), slerp(t)]
        self.path_image = W.Image(format="png")  # rows: lerp path, slerp path
        self.label = W.Label()
        self.pick_a.observe(
            lambda c: c["new"] is not None and setattr(self.seed_a, "value", int(c["new"])),
            names="value",
        )
        self.pick_b.observe(
            lambda c: c["new"] is not None and setattr(self.seed_b, "value", int(c["new"])),
            names="value",
        )
        self.seed_a.observe(self._on_endpoints, names="value")
        self.seed_b.observe(self._on_endpoints, names="value")
        self.t.observe(lambda _c: self.update(), names="value")
        self.widget = W.VBox(
            [
                W.Label(f"candidates (seeds {', '.join(opts)}, left to right):"),
                self.candidates_image,
                self.pick_a,
                self.pick_b,
                W.HBox([self.seed_a, self.seed_b]),
                self.t,
                W.HBox([self.image, W.Label("left: lerp, right: slerp")]),
                W.HBox([self.path_image, W.Label("paths A to B (top: lerp, bottom: slerp)")]),
                self.label,
            ]
        )
        self.widget.add_class("gancourse-interpolation")
        self._on_endpoints(None)

    def _z(self, seed: int) -> Tensor:
        return latent_from_seed(int(seed), self.generator.z_dim)

    def latents(self) -> tuple[Tensor, Tensor]:
        """(lerp(z_A, z_B, t), slerp(z_A, z_B, t)), each (D,)."""
        za, zb = self._z(self.seed_a.value), self._z(self.seed_b.value)
        return lerp(za, zb, self.t.value), slerp(za, zb, self.t.value)

    @_threaded
    def _on_endpoints(self, _change) -> None:
        za, zb = self._z(self.seed_a.value), self._z(self.seed_b.value)
        paths = torch.cat([interpolation_path(za, zb, self.steps, m) for m in ("lerp", "slerp")])
        self.path_image.value = images_to_png(
            generate(self.generator, paths), scale=2, nrow=self.steps
        )
        self.update()

    @_threaded
    def update(self) -> None:
        zl, zs = self.latents()
        self.image.value = images_to_png(
            generate(self.generator, torch.stack([zl, zs])), scale=self.scale, nrow=2
        )
        za, zb = self._z(self.seed_a.value), self._z(self.seed_b.value)
        self.label.value = (
            f"t = {self.t.value:.2f} · |lerp| = {float(zl.norm()):.2f} · "
            f"|slerp| = {float(zs.norm()):.2f} · "
            f"(|z_A| = {float(za.norm()):.2f}, |z_B| = {float(zb.norm()):.2f})"
        )


__all__ = ["InterpolationExplorer"]
