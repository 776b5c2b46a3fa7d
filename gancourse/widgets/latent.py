"""Live latent-space widgets for lesson 06 (core ipywidgets only: 7.6+ and 8, Colab included).

A thin layer over :mod:`gancourse.latent`: every widget renders images to PNG bytes and
puts them in an ``ipywidgets.Image``, so its state is ``image.value`` (tests compare those
bytes; no browser needed). Each class keeps its controls as attributes, shows itself when
it is the last expression of a cell, and renders synchronously in the callback.

- :class:`LatentExplorer`: sliders along directions, a seed picker, a randomise button.
- :class:`InterpolationExplorer`: two endpoints, lerp and slerp side by side, a path slider.
- :class:`ArithmeticExplorer`: z + alpha (mean z of style a - mean z of style b) and the
  classifier's verdict before and after.
- :class:`MemorisationExplorer`: a generated image and its nearest training images in
  feature space, with distances.

Every widget takes the generator as an argument: the shipped one
(``gancourse.pretrained.load_art_generator()``) or one a student trained
(``gancourse.checkpoint.load_generator_file(path)``), and ``threads=1``: each update runs
on that many torch threads (see :func:`torch_threads`; ``None`` leaves torch's setting).
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import ipywidgets as W
import numpy as np
import torch
from PIL import Image as PILImage
from torch import Tensor, nn

from gancourse.latent import (
    Directions,
    StyleLatents,
    edit_latent,
    find_directions,
    generate,
    interpolation_path,
    latent_arithmetic,
    latent_from_seed,
    lerp,
    nearest_neighbours,
    nn_baseline,
    slerp,
)
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


def _probabilities(scores: Tensor) -> Tensor:
    """Rows of probabilities from logits or probabilities (N, S)."""
    scores = torch.as_tensor(scores, dtype=torch.float32)
    is_prob = bool(
        (scores >= 0).all()
        and (scores <= 1).all()
        and torch.allclose(scores.sum(1), torch.ones(len(scores)), atol=1e-3)
    )
    return scores if is_prob else scores.softmax(1)


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with torch using ``n`` CPU threads (``None``: leave it), then restore.

    The widgets render one small image per update on ONE thread by default: at 32x32 a
    thread pool gains little, and on a busy machine (a shared server, tests in parallel)
    contended threads make an update 10-30 times slower.
    """
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


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


class ArithmeticExplorer(_Shown):
    """z and z + alpha (mean_a - mean_b) side by side, with the classifier's verdict on both.

    ``styles``: from :func:`gancourse.latent.style_latents` (mean z per predicted style);
    ``classify``: images (N, C, H, W) in [-1, 1] -> logits or probabilities (N, S).
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
            p = _probabilities(self.classify(images))
        conf, idx = p.max(1)
        return [(self.styles.names[int(i)], float(c)) for i, c in zip(idx, conf)]

    @_threaded
    def update(self) -> None:
        z, z_new = self.latents()
        x = generate(self.generator, torch.stack([z, z_new]))
        self.image.value = images_to_png(x, scale=self.scale, nrow=2)
        (s0, p0), (s1, p1) = self.verdicts(x)
        self.label.value = f"classifier: before {s0} ({p0:.0%}) → after {s1} ({p1:.0%})"


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


__all__ = [
    "ArithmeticExplorer",
    "InterpolationExplorer",
    "LatentExplorer",
    "MemorisationExplorer",
    "images_to_png",
    "measure_explorer_latency",
    "torch_threads",
]
