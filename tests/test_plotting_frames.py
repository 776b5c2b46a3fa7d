"""Every animation also leaves a static PNG strip of its frames (GitHub shows no jshtml)."""

from __future__ import annotations

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from gancourse.data import grid25
from gancourse.plotting import animate_grids, frame_strip, pick_frames
from gancourse.plotting.gan1d import animate_1d_gan
from gancourse.plotting.gan2d import animate_states, capture_state
from gancourse.seeding import seeded
from gancourse.toy2d import MLPDiscriminator, MLPGenerator


def test_pick_frames_spreads_evenly_and_keeps_both_ends():
    assert pick_frames(21, 4) == [0, 7, 13, 20]
    assert pick_frames(3, 6) == [0, 1, 2]
    assert pick_frames(5, 1) == [4]
    assert pick_frames(2, 2) == [0, 1]
    with pytest.raises(ValueError):
        pick_frames(0, 3)


def test_frame_strip_draws_each_frame_once_with_a_title():
    drawn = []

    def draw(ax, i):
        drawn.append(i)
        ax.plot([0, i])
        ax.set(title=f"frame {i}", xlabel="x", ylabel="y")

    fig = frame_strip(draw, [0, 3, 5], ncols=2, title="strip")
    assert drawn == [0, 3, 5]
    assert fig._suptitle.get_text() == "strip"
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in visible] == ["frame 0", "frame 3", "frame 5"]
    assert len(fig.axes) == 4  # 2 x 2, the spare panel hidden
    plt.close(fig)


def _png_width(path) -> int:
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 50
    return image.shape[1]


def test_each_animate_helper_saves_its_strip(tmp_path):
    x = np.linspace(-5, 5, 101)
    rng = np.random.default_rng(0)
    snaps = [
        {"step": 10 * i, "samples": rng.normal(i, 1.0, 300), "d_prob": 1 / (1 + np.exp(-x * i))}
        for i in range(9)
    ]
    p = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
    html = animate_1d_gan(snaps, x, p, strip=3, strip_path=tmp_path / "gan1d.png")
    assert "<script" in html.data and (tmp_path / "gan1d.png").exists()

    frames = [torch.rand(4, 3, 8, 8) * 2 - 1 for _ in range(5)]
    animate_grids(frames, titles=[f"step {i}" for i in range(5)], strip_path=tmp_path / "g.png")

    with seeded(0):
        G, D = MLPGenerator(width=8, depth=1), MLPDiscriminator(width=8, depth=1)
    states = [
        capture_state(G, D, "nonsaturating", grid25(100, seed=0), scale=4.0, step=s, resolution=8)
        for s in range(3)
    ]
    animate_states(states, figsize=(2, 2), strip=2, strip_path=tmp_path / "s.png")
    widths = {name: _png_width(tmp_path / name) for name in ("gan1d.png", "g.png", "s.png")}
    # one panel per picked frame, side by side: wider than tall
    assert widths["gan1d.png"] > 2 * mpimg.imread(tmp_path / "gan1d.png").shape[0]
    assert all(w > 100 for w in widths.values())


def test_no_strip_on_request(tmp_path):
    frames = [torch.zeros(1, 1, 4, 4)] * 2
    animate_grids(frames, strip=0, strip_path=tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()
