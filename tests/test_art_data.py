"""The generated abstract-art dataset: determinism, shapes, ranges, labels, styles, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from gancourse.data.art import (
    ART_STYLES,
    art_gallery,
    generate_art,
    render_style,
)
from gancourse.plotting import show_art_gallery


def test_six_named_styles():
    assert ART_STYLES == ("mondrian", "albers", "rothko", "kandinsky", "riley", "pollock")


def test_same_seed_same_art_other_seed_other_art():
    x1, y1 = generate_art(90, size=32, seed=3)
    x2, y2 = generate_art(90, size=32, seed=3)
    x3, y3 = generate_art(90, size=32, seed=4)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(y1, y3)
    # every image differs from the image with the same index under another seed
    assert ((x1 - x3).abs().flatten(1).amax(1) > 0.05).all()


@pytest.mark.parametrize("size", [32, 64])
def test_shapes_dtypes_range_and_balanced_labels(size):
    n = 63
    x, y = generate_art(n, size=size, seed=0)
    assert x.shape == (n, 3, size, size) and x.dtype == torch.float32
    assert y.shape == (n,) and y.dtype == torch.int64
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert torch.isfinite(x).all()
    counts = torch.bincount(y, minlength=len(ART_STYLES))
    assert counts.sum() == n and counts.min() >= n // 6 and counts.max() <= n // 6 + 1
    # the whole range is used: bright and dark pixels exist
    assert x.max() > 0.9 and x.min() < -0.9


def test_labels_are_shuffled_not_blocks():
    _, y = generate_art(120, seed=0)
    assert (y[1:] != y[:-1]).float().mean() > 0.6


def test_styles_subset():
    x, y = generate_art(20, seed=1, styles=["riley", "albers"])
    assert set(y.tolist()) == {ART_STYLES.index("riley"), ART_STYLES.index("albers")}
    assert x.shape == (20, 3, 32, 32)


@pytest.mark.parametrize("style", ART_STYLES)
def test_each_style_is_a_varied_distribution(style):
    imgs = render_style(style, 40, size=32, seed=0)
    assert imgs.shape == (40, 3, 32, 32) and imgs.dtype == np.float32
    assert imgs.min() >= 0.0 and imgs.max() <= 1.0
    # no blank canvases: every painting has structure
    assert (imgs.reshape(40, -1).std(1) > 0.03).all()
    # no two paintings alike: the closest pair still differs clearly
    flat = torch.from_numpy(imgs.reshape(40, -1))
    d = torch.cdist(flat, flat) / flat.shape[1] ** 0.5
    d.fill_diagonal_(float("inf"))
    assert d.min() > 0.02
    # and not one template: the mean image is much smoother than a single image
    assert imgs.std(0).mean() > 0.1


def test_styles_differ_in_simple_statistics():
    """Sanity check of the palettes: Mondrian is mostly off-white, Riley mostly grey-free."""
    mond = render_style("mondrian", 200, seed=0)
    riley = render_style("riley", 200, seed=0)
    albers = render_style("albers", 200, seed=0)
    white = (mond.min(1) > 0.85).mean()
    assert white > 0.35
    # Albers: each image has its outermost square's colour all along the border
    border = albers[:, :, 0, :]
    assert np.abs(border - border.mean(2, keepdims=True)).max() < 0.02
    # Riley: two colours, so few pixels are far from both extremes of their image
    assert riley.std() > 0.3


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="multiple of 8"):
        generate_art(4, size=30)
    with pytest.raises(ValueError, match="multiple of 8"):
        generate_art(4, size=4)
    with pytest.raises(ValueError, match="unknown art style"):
        generate_art(4, styles=["picasso"])
    with pytest.raises(ValueError, match="n must be"):
        generate_art(-1)
    with pytest.raises(TypeError):
        generate_art(4, size=32.0)  # type: ignore[arg-type]


def test_gallery_groups_by_style():
    x, y = art_gallery(per_style=3, size=32, seed=0)
    assert x.shape == (18, 3, 32, 32)
    assert y.tolist() == [s for s in range(6) for _ in range(3)]
    ax = show_art_gallery(per_style=3, size=32, seed=0)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(ART_STYLES)


def test_speed_floor_one_core():
    """Goal: 2,000 images/s at 32x32 on one core; the test's floor is generous (500/s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        generate_art(300, seed=0)  # warm up
        best = 0.0
        for _ in range(3):
            t0 = time.perf_counter()
            generate_art(1200, size=32, seed=1)
            best = max(best, 1200 / (time.perf_counter() - t0))
    finally:
        torch.set_num_threads(threads)
    assert best >= 500, f"{best:.0f} images/s"


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_tiny_batches_of_every_style(n):
    """Chunks where a style's sub-variants get no images (e.g. no 2x2 Kandinsky) still work."""
    for seed in range(4):
        for style in ART_STYLES:
            imgs = render_style(style, n, size=16, seed=seed)
            assert imgs.shape == (n, 3, 16, 16) and np.isfinite(imgs).all()
