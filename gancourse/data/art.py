"""Abstract art, generated: six styles of small RGB paintings, whole batches at once.

Each style is a *distribution*, not a template: every image draws its own composition
(how many lines, squares, rings, stripes or drips, where, how thick) and its own palette.

========== ==========================================================================
style      what one image is
========== ==========================================================================
mondrian   white canvas cut by black lines into cells, a few filled in red/blue/yellow
albers     "Homage to the Square": 3 or 4 nested squares, sunk towards the bottom edge
rothko     2 or 3 soft-edged colour blocks stacked on a coloured field
kandinsky  concentric rings, one big set or a 2x2 grid of them ("Squares with
           Concentric Circles")
riley      black-and-white or two-colour stripes, straight or bent into waves
pollock    tangles of dripped lines in several colours plus splatter on a plain ground
========== ==========================================================================

Everything is NumPy on arrays of shape (batch, H, W): no Python loop over images, so a
single core makes thousands of 32x32 paintings per second
(``python benchmarks/art_data_speed.py``). Shapes are drawn anti-aliased.

Public API: :data:`ART_STYLES`, :func:`generate_art` (images in [-1, 1] and style
labels, deterministic from ``seed``), :func:`render_style` (one style, values in [0, 1])
and :func:`art_gallery` (paintings grouped by style; ``gancourse.plotting.show_art_gallery``
plots them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

ART_STYLES: tuple[str, ...] = ("mondrian", "albers", "rothko", "kandinsky", "riley", "pollock")
"""Style names; the label of an image is its index in this tuple."""

MIN_SIZE, MAX_SIZE = 8, 256
_CHUNK = 256  # images rendered per NumPy call: keeps the (chunk, H, W) temporaries in cache
_F = np.float32


# ----------------------------------------------------------------------------- helpers
def _hsv(h, s, v) -> np.ndarray:
    """Vectorised HSV -> RGB: arrays of any (broadcastable) shape -> shape + (3,), in [0, 1]."""
    h, s, v = np.broadcast_arrays(np.asarray(h, _F) % 1.0, np.asarray(s, _F), np.asarray(v, _F))
    k = (np.array([5.0, 3.0, 1.0], _F) + h[..., None] * 6.0) % 6.0
    return v[..., None] - v[..., None] * s[..., None] * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [0, 1]: y of shape (1, H, 1) and x of shape (1, 1, W)."""
    c = ((np.arange(size, dtype=_F) + 0.5) / size).astype(_F)
    return c[None, :, None], c[None, None, :]


def _cover(d: np.ndarray, size: int) -> np.ndarray:
    """Anti-aliased coverage from a signed distance ``d`` (< 0 inside, canvas units)."""
    return np.clip(0.5 - d * size, 0.0, 1.0)


def _paint(canvas: np.ndarray, cover: np.ndarray, colour: np.ndarray) -> None:
    """In place: canvas (n, 3, H, W) <- colour (n, 3) where cover (n, H, W) in [0, 1] says so."""
    canvas += cover[:, None] * (colour[:, :, None, None] - canvas)


def _fill(colour: np.ndarray, size: int) -> np.ndarray:
    """A new canvas (n, 3, H, W) filled with one colour (n, 3) per image."""
    canvas = np.empty(colour.shape + (size, size), _F)
    canvas[...] = colour[:, :, None, None]
    return canvas


def _u(rng: np.random.Generator, lo, hi, shape) -> np.ndarray:
    return rng.uniform(lo, hi, shape).astype(_F)


# ------------------------------------------------------------------------------ styles
def _mondrian(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    y, x = _grid(size)
    k = 4  # at most k vertical and k horizontal lines
    nv, nh = rng.integers(1, k + 1, n), rng.integers(1, k + 1, n)
    xs, ys = _u(rng, 0.08, 0.92, (n, k)), _u(rng, 0.08, 0.92, (n, k))
    xs[np.arange(k) >= nv[:, None]] = 9.0  # unused lines move far off the canvas
    ys[np.arange(k) >= nh[:, None]] = 9.0
    # Cell colours: mostly off-white, some primaries, rarely black or grey.
    white = _hsv(_u(rng, 0.08, 0.15, n), _u(rng, 0.0, 0.08, n), _u(rng, 0.9, 1.0, n))
    prim_h = np.array([0.0, 0.62, 0.14, 0.0, 0.0], _F)  # red, blue, yellow, black, grey
    prim_s = np.array([0.9, 0.85, 0.9, 0.0, 0.0], _F)
    prim_v = np.array([0.85, 0.65, 0.95, 0.08, 0.75], _F)
    m = (k + 1) ** 2
    kind = rng.choice(6, (n, m), p=[0.66, 0.11, 0.09, 0.09, 0.03, 0.02])  # 0 = white
    # at least one coloured cell per painting, at a cell that exists
    force = rng.integers(0, nh + 1) * (k + 1) + rng.integers(0, nv + 1)
    kind[np.arange(n), force] = rng.integers(1, 4, n)
    p = np.maximum(kind - 1, 0)
    colours = _hsv(
        prim_h[p] + _u(rng, -0.02, 0.02, (n, m)),
        prim_s[p] * _u(rng, 0.85, 1.0, (n, m)),
        np.clip(prim_v[p] + _u(rng, -0.08, 0.05, (n, m)), 0.0, 1.0),
    )
    colours = np.where((kind == 0)[..., None], white[:, None, :], colours)  # (n, m, 3)
    col = (x[0, 0][None, None, :] > xs[:, :, None]).sum(1)  # (n, W): column of each pixel
    row = (y[0, :, 0][None, None, :] > ys[:, :, None]).sum(1)  # (n, H)
    cell = row[:, :, None] * (k + 1) + col[:, None, :]  # (n, H, W)
    canvas = np.ascontiguousarray(colours[np.arange(n)[:, None, None], cell].transpose(0, 3, 1, 2))
    half = _u(rng, 0.016, 0.03, n)[:, None, None] * (32.0 / size) ** 0.5  # half line width
    dv = np.abs(x - xs[:, :, None].reshape(n, k, 1)).min(1)[:, None, :]  # (n, 1, W)
    dh = np.abs(y[:, :, 0][:, None, :] - ys[:, :, None]).min(1)[:, :, None]  # (n, H, 1)
    line = _cover(np.minimum(dv, dh) - half, size)
    black = _hsv(0.0, 0.0, _u(rng, 0.02, 0.12, n))
    _paint(canvas, line, black)
    return canvas


def _albers(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    y, x = _grid(size)
    n_sq = rng.integers(3, 5, n)  # squares including the ground
    h0 = _u(rng, 0.0, 1.0, n)
    scheme = rng.integers(0, 3, n)  # 0: lighter inwards, 1: darker inwards, 2: hue walk
    dh = np.where(scheme == 2, _u(rng, -0.09, 0.09, n), _u(rng, -0.025, 0.025, n))
    sat = _u(rng, 0.35, 0.95, n)
    v_lo, v_hi = _u(rng, 0.25, 0.5, n), _u(rng, 0.75, 1.0, n)
    bottom = _u(rng, 0.2, 0.4, n)  # fraction of the free height left below each square
    step = np.where(n_sq == 4, _u(rng, 0.17, 0.23, n), _u(rng, 0.22, 0.3, n))
    t = np.arange(4, dtype=_F)[None, :] / (n_sq[:, None] - 1).astype(_F)  # 0 ground .. 1 core
    t = np.clip(t, 0.0, 1.0)
    v = np.where(
        (scheme == 1)[:, None],
        v_hi[:, None] + (v_lo - v_hi)[:, None] * t,
        v_lo[:, None] + (v_hi - v_lo)[:, None] * t,
    )
    v = np.where((scheme == 2)[:, None], _u(rng, 0.45, 1.0, (n, 4)), v)
    colours = _hsv(
        h0[:, None] + dh[:, None] * np.arange(4, dtype=_F) + _u(rng, -0.01, 0.01, (n, 4)),
        np.clip(sat[:, None] + _u(rng, -0.15, 0.15, (n, 4)), 0.1, 1.0),
        v,
    )
    canvas = _fill(colours[:, 0], size)
    cx = 0.5 + _u(rng, -0.02, 0.02, n)
    for j in range(1, 4):
        side = 1.0 - j * step  # (n,)
        cy = 1.0 - bottom * (1.0 - side) - side / 2  # image y grows downwards
        d = (
            np.maximum(np.abs(x - cx[:, None, None]), np.abs(y - cy[:, None, None]))
            - (side / 2)[:, None, None]
        )
        _paint(canvas, _cover(d, size) * (j < n_sq)[:, None, None], colours[:, j])
    return canvas


def _rothko(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    y, x = _grid(size)
    n_blocks = rng.integers(2, 4, n)
    h0 = _u(rng, 0.0, 1.0, n)
    # Mostly warm or dark grounds, the blocks near the ground's hue or across from it.
    h0 = np.where(rng.random(n) < 0.55, _u(rng, -0.08, 0.12, n), h0)
    ground = _hsv(h0, _u(rng, 0.5, 1.0, n), _u(rng, 0.25, 0.85, n))
    canvas = _fill(ground, size)
    mx, top, bot = _u(rng, 0.06, 0.14, n), _u(rng, 0.04, 0.1, n), _u(rng, 0.04, 0.1, n)
    gap = _u(rng, 0.03, 0.07, n)
    share = rng.dirichlet(np.full(3, 2.5), n).astype(_F)
    share[np.arange(3) >= n_blocks[:, None]] = 0.0
    share /= share.sum(1, keepdims=True)
    free = 1.0 - top - bot - gap * (n_blocks - 1)
    soft = _u(rng, 0.012, 0.035, n)[:, None, None]
    wobble = _u(rng, 0.0, 0.012, n)[:, None, None] * np.sin(
        _u(rng, 6.0, 14.0, n)[:, None, None] * (x + y) + _u(rng, 0.0, 6.3, n)[:, None, None]
    )
    y0 = top.copy()
    for j in range(3):
        hgt = free * share[:, j]
        cy, hh = y0 + hgt / 2, hgt / 2
        d = np.maximum(
            np.abs(x - 0.5) - (0.5 - mx)[:, None, None],
            np.abs(y - cy[:, None, None]) - hh[:, None, None],
        )
        cover = 1.0 / (1.0 + np.exp((d + wobble) / soft))  # soft, slightly wavy edges
        hue = np.where(rng.random(n) < 0.7, h0 + _u(rng, -0.08, 0.08, n), h0 + 0.5)
        colour = _hsv(hue, _u(rng, 0.4, 1.0, n), _u(rng, 0.2, 1.0, n))
        _paint(canvas, cover * (j < n_blocks)[:, None, None], colour)
        y0 = y0 + hgt + gap
    # a faint vertical light gradient and brush texture
    canvas *= 1.0 + _u(rng, -0.12, 0.12, n)[:, None, None, None] * (y[:, None] - 0.5)
    canvas += rng.standard_normal((n, 1, size, size), dtype=_F) * _F(0.015)
    return canvas


def _rings(rng: np.random.Generator, m: int, res: int) -> np.ndarray:
    """``m`` square tiles (m, 3, res, res) of concentric rings on a coloured ground."""
    y, x = _grid(res)
    k_rings = 5
    cx, cy = 0.5 + _u(rng, -0.07, 0.07, m), 0.5 + _u(rng, -0.07, 0.07, m)
    r = np.sqrt((x - cx[:, None, None]) ** 2 + (y - cy[:, None, None]) ** 2)  # tile units
    n_rings = rng.integers(3, k_rings + 1, m)
    frac = np.sort(rng.uniform(0.12, 1.0, (m, k_rings)).astype(_F), axis=1)[:, ::-1]
    frac[:, 0] = 1.0
    radii = _u(rng, 0.3, 0.47, m)[:, None] * frac  # (m, rings), outer first
    colours = _hsv(
        _u(rng, 0.0, 1.0, (m, k_rings + 1)),
        _u(rng, 0.45, 1.0, (m, k_rings + 1)),
        _u(rng, 0.35, 1.0, (m, k_rings + 1)),
    )
    colours[rng.random((m, k_rings + 1)) < 0.12] *= 0.15  # a few near-black rings, as in the study
    canvas = _fill(colours[:, 0], res)
    for j in range(k_rings):  # outer ring first, each inner disc painted over it
        cover = _cover(r - radii[:, j, None, None], res) * (j < n_rings)[:, None, None]
        _paint(canvas, cover, colours[:, j + 1])
    return canvas


def _kandinsky(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    grid2 = rng.random(n) >= 0.35  # a 2x2 grid of tiles, else one big set of rings
    canvas = np.empty((n, 3, size, size), _F)
    n2, h = int(grid2.sum()), size // 2
    canvas[~grid2] = _rings(rng, n - n2, size)
    tiles = _rings(rng, 4 * n2, h).reshape(n2, 2, 2, 3, h, h)  # (image, row, col, rgb, y, x)
    canvas[grid2] = tiles.transpose(0, 3, 1, 4, 2, 5).reshape(n2, 3, size, size)
    return canvas


def _riley(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    y, x = _grid(size)
    theta = np.where(
        rng.random(n) < 0.6, rng.integers(0, 2, n) * (np.pi / 2), rng.uniform(0, np.pi, n)
    )
    theta = (theta + rng.uniform(-0.08, 0.08, n)).astype(_F)[:, None, None]
    c, s = np.cos(theta), np.sin(theta)
    a = (x - 0.5) * c + (y - 0.5) * s  # across the stripes
    b = -(x - 0.5) * s + (y - 0.5) * c  # along the stripes
    f = _u(rng, 3.0, 7.5, n)[:, None, None]  # stripe pairs across the canvas
    amp = np.where(rng.random(n) < 0.25, 0.0, _u(rng, 0.5, 3.0, n))[:, None, None]
    wf = _u(rng, 0.6, 2.2, n)[:, None, None]
    chirp = np.where(rng.random(n) < 0.3, _u(rng, -4.0, 4.0, n), 0.0)[:, None, None]
    phase = 2 * np.pi * (f * a + chirp * a * a) + amp * np.sin(
        2 * np.pi * wf * b + _u(rng, 0, 6.3, n)[:, None, None]
    )
    rate = 2 * np.pi * np.abs(f + 2 * chirp * a) + 1e-3  # d phase / d a, for anti-aliasing
    cover = np.clip(
        0.5 + np.sin(phase + _u(rng, 0, 6.3, n)[:, None, None]) * (size / rate), 0.0, 1.0
    )
    bw = rng.random(n) < 0.55
    h = _u(rng, 0.0, 1.0, n)
    c0 = _hsv(h, _u(rng, 0.5, 1.0, n), _u(rng, 0.75, 1.0, n))
    c1 = _hsv(
        h + np.where(rng.random(n) < 0.5, 0.5, _u(rng, 0.2, 0.4, n)),
        _u(rng, 0.5, 1.0, n),
        _u(rng, 0.25, 0.9, n),
    )
    c0[bw] = _hsv(0.1, 0.05, _u(rng, 0.9, 1.0, int(bw.sum())))
    c1[bw] = _hsv(0.0, 0.0, _u(rng, 0.0, 0.1, int(bw.sum())))
    canvas = _fill(c0, size)
    _paint(canvas, cover.astype(_F), c1)
    return canvas


_POLLOCK_PAINTS = np.array(  # h, s, v of the paints: black, white, ochre, brick, silver, teal
    [
        [0.0, 0.0, 0.05],
        [0.12, 0.05, 0.97],
        [0.11, 0.8, 0.85],
        [0.02, 0.75, 0.6],
        [0.6, 0.05, 0.7],
        [0.5, 0.6, 0.5],
    ],
    _F,
)


def _pollock(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    y, x = _grid(size)
    ground_kind = rng.integers(0, 3, n)  # raw canvas, dark, pale grey
    gh = np.where(ground_kind == 0, _u(rng, 0.07, 0.13, n), _u(rng, 0.0, 1.0, n))
    gs = np.where(ground_kind == 0, _u(rng, 0.2, 0.45, n), _u(rng, 0.0, 0.1, n))
    gv = np.select(
        [ground_kind == 0, ground_kind == 1],
        [_u(rng, 0.65, 0.85, n), _u(rng, 0.08, 0.25, n)],
        _u(rng, 0.7, 0.9, n),
    )
    canvas = _fill(_hsv(gh, gs, gv), size)
    layers, waves = 6, 3
    n_layers = rng.integers(3, layers + 1, n)
    for j in range(layers):
        # A tangle of dripped lines: where a random smooth field f = sum sin(k.p + phase)
        # crosses zero. |f| / |grad f| is the distance to that line, so lines keep their width.
        # sin(a + b) = sin a cos b + cos a sin b keeps the trigonometry on 1D arrays.
        freq = _u(rng, 1.0, 3.5, (n, waves)) * _F(2 * np.pi)
        ang = _u(rng, 0.0, np.pi, (n, waves))
        kx = (freq * np.cos(ang))[:, :, None, None]
        ky = (freq * np.sin(ang))[:, :, None, None]
        ax, ay = kx * x[:, None], ky * y[:, None] + _u(rng, 0.0, 6.3, (n, waves))[:, :, None, None]
        sx, cx, sy, cy = np.sin(ax), np.cos(ax), np.sin(ay), np.cos(ay)
        f = (sx * cy + cx * sy).sum(1)
        c = cx * cy - sx * sy
        grad = np.sqrt(((kx * c).sum(1)) ** 2 + ((ky * c).sum(1)) ** 2) + _F(1e-3)
        half = _u(rng, 0.006, 0.024, n)[:, None, None]
        cover = _cover(np.abs(f) / grad - half, size) * (j < n_layers)[:, None, None]
        paint = _POLLOCK_PAINTS[rng.integers(0, len(_POLLOCK_PAINTS), n)]
        colour = _hsv(
            paint[:, 0] + _u(rng, -0.02, 0.02, n), paint[:, 1], paint[:, 2] * _u(rng, 0.85, 1.05, n)
        )
        _paint(canvas, cover, colour)
    # splatter: isolated drops of one more paint
    drops = (
        rng.random((n, size, size), dtype=_F) < _u(rng, 0.002, 0.012, n)[:, None, None]
    ).astype(_F)
    paint = _POLLOCK_PAINTS[rng.integers(0, len(_POLLOCK_PAINTS), n)]
    _paint(canvas, drops, _hsv(paint[:, 0], paint[:, 1], paint[:, 2]))
    return canvas


_RENDERERS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "mondrian": _mondrian,
    "albers": _albers,
    "rothko": _rothko,
    "kandinsky": _kandinsky,
    "riley": _riley,
    "pollock": _pollock,
}
assert tuple(_RENDERERS) == ART_STYLES


# ---------------------------------------------------------------------------- public API
def _check_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"size must be an int, got {type(size).__name__}")
    if not MIN_SIZE <= size <= MAX_SIZE or size % 8:
        raise ValueError(
            f"size must be a multiple of 8 from {MIN_SIZE} to {MAX_SIZE} (e.g. 32, 64), got {size}"
        )
    return int(size)


def _style_index(style: str | int) -> int:
    if isinstance(style, (int, np.integer)) and not isinstance(style, bool):
        if 0 <= style < len(ART_STYLES):
            return int(style)
    elif isinstance(style, str) and style in ART_STYLES:
        return ART_STYLES.index(style)
    raise ValueError(
        f"unknown art style {style!r}; expected one of {ART_STYLES} "
        f"or an index 0-{len(ART_STYLES) - 1}"
    )


def _render_into(out: np.ndarray, rows: np.ndarray, style: int, seed: int) -> None:
    """Write paintings of ``style`` into ``out[rows]`` (values in [0, 1]), chunk by chunk."""
    rng = np.random.default_rng([int(seed), style])
    render, size = _RENDERERS[ART_STYLES[style]], out.shape[-1]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        out[chunk] = np.clip(render(rng, len(chunk), size), 0.0, 1.0)


def render_style(style: str | int, n: int, size: int = 32, seed: int = 0) -> np.ndarray:
    """``n`` paintings of one style as a float32 NumPy array (n, 3, size, size) in [0, 1].

    Deterministic from ``(style, seed, n)``.
    """
    s = _style_index(style)
    size = _check_size(size)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    out = np.empty((n, 3, size, size), _F)
    _render_into(out, np.arange(n), s, seed)
    return out


def generate_art(
    n: int, size: int = 32, seed: int = 0, styles: Sequence[str | int] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` abstract paintings and their style labels, deterministic from ``seed``.

    Returns ``(images, labels)``: images a float32 tensor (n, 3, size, size) in [-1, 1],
    labels an int64 tensor (n,) of indices into :data:`ART_STYLES`. The styles (all of
    them by default, or the given names/indices) are balanced (counts differ by at most
    one) and shuffled. ``size`` is a multiple of 8 from 8 to 256 (the course uses 32 and 64).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    size = _check_size(size)
    chosen = (
        list(range(len(ART_STYLES)))
        if styles is None
        else sorted({_style_index(s) for s in styles})
    )
    if not chosen:
        raise ValueError("styles is empty; give at least one of " + ", ".join(ART_STYLES))
    rng = np.random.default_rng([int(seed), 1_000_003])
    labels = rng.permutation(np.array(chosen, np.int64)[np.arange(n) % len(chosen)])
    images = np.empty((n, 3, size, size), _F)
    for s in chosen:
        _render_into(images, np.flatnonzero(labels == s), s, seed)
    images *= 2.0  # [0, 1] -> [-1, 1], in place (fresh memory is slow to touch twice)
    images -= 1.0
    return torch.from_numpy(images), torch.from_numpy(labels)


def art_gallery(
    per_style: int = 8, size: int = 32, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_style`` paintings of every style, grouped by style: images (6 * per_style, 3, S, S)
    in [-1, 1] and their labels, style 0 first."""
    images = np.concatenate(
        [render_style(s, per_style, size, seed) for s in range(len(ART_STYLES))]
    )
    labels = np.repeat(np.arange(len(ART_STYLES), dtype=np.int64), per_style)
    return torch.from_numpy(images * 2.0 - 1.0), torch.from_numpy(labels)
