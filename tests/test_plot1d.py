"""gancourse.plotting.gan1d: the 1D GAN figures and the jshtml animation render and stay small."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gancourse.plotting.gan1d import animate_1d_gan, draw_1d_gan, plot_gan_curves


def _snapshots(n=3):
    x = np.linspace(-5, 5, 101)
    rng = np.random.default_rng(0)
    return x, [
        {"step": 10 * i, "samples": rng.normal(i, 1.0, 500), "d_prob": 1 / (1 + np.exp(-x * i))}
        for i in range(n)
    ]


def test_draw_and_animate():
    x, snaps = _snapshots()
    p = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
    fig, ax = plt.subplots()
    ax, ax_r = draw_1d_gan(ax, x, p, snaps[1])
    assert ax.get_title() == "step 10" and ax_r.get_ylim() == (0.0, 1.0)
    plt.close(fig)
    html = animate_1d_gan(snaps, x, p, title="t").data
    assert html.count("data:image/png;base64") == 3  # one PNG per snapshot
    assert len(html) < 300_000
    with pytest.raises(ValueError, match="no snapshots"):
        animate_1d_gan([], x, p)


def test_curves():
    rng = np.random.default_rng(1)
    history = {k: list(rng.random(200)) for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    fig = plot_gan_curves(history, smooth=20, title="x")
    assert len(fig.axes) == 2 and len(fig.axes[0].lines[0].get_xdata()) == 181
    plt.close(fig)
