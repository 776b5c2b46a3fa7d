"""Figures for 1D GANs (lessons 02 and 04): p_data, the p_g histogram and D(x), over training.

A *snapshot* is a dict ``{"step": int, "samples": (n,) array of G(z), "d_prob": (m,) array
of D(x) = sigmoid(logit) on the plotting grid}``; a *history* is a dict of equal-length
lists ``d_loss``, ``g_loss``, ``d_real`` (mean D(x) per step) and ``d_fake`` (mean
D(G(z))). The lessons fill both in their own training loops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from gancourse.plotting.frames import animation_html, frame_strip, pick_frames, show_strip

__all__ = ["draw_1d_gan", "animate_1d_gan", "plot_gan_curves"]


def draw_1d_gan(
    ax,
    x_grid: np.ndarray,
    p_data: np.ndarray,
    snapshot: Mapping,
    bins: np.ndarray | int = 80,
    ylim: float | None = None,
    legend: bool = True,
):
    """Draw p_data (line), the histogram of G(z) (bars) and D(x) (right axis) on ``ax``.

    Returns ``(ax, ax_right)``. ``bins`` defaults to 80 bins over the grid's range.
    """
    if isinstance(bins, int):
        bins = np.linspace(x_grid[0], x_grid[-1], bins + 1)
    samples = np.clip(np.asarray(snapshot["samples"]).ravel(), x_grid[0], x_grid[-1])
    ax.hist(
        samples,
        bins=bins,
        density=True,
        color="tab:orange",
        alpha=0.5,
        label=r"$p_g$ (hist of G(z))",
    )
    ax_r, _ = _data_and_discriminator(ax, x_grid, p_data, snapshot["d_prob"], ylim, legend)
    ax.set_title(f"step {snapshot['step']}")
    return ax, ax_r


def _data_and_discriminator(ax, x_grid, p_data, d_prob, ylim, legend: bool = True):
    """Draw p_data on ``ax`` and D(x) on a twin axis (right, [0, 1]) with one legend.

    Returns the twin axis and D's line (the animation updates it).
    """
    ax.plot(x_grid, p_data, color="tab:blue", lw=2, label=r"$p_{data}$")
    ax.set_xlim(x_grid[0], x_grid[-1])
    ax.set_ylim(0, ylim if ylim is not None else 1.5 * float(np.max(p_data)))
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax_r = ax.twinx()
    (d_line,) = ax_r.plot(x_grid, d_prob, color="tab:green", lw=1.5, label="D(x)")
    ax_r.axhline(0.5, color="gray", ls=":", lw=1)
    ax_r.set_ylim(0, 1)
    ax_r.set_ylabel("D(x)")
    if legend:
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax_r.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    return ax_r, d_line


def animate_1d_gan(
    snapshots: Sequence[Mapping],
    x_grid: np.ndarray,
    p_data: np.ndarray,
    interval: int = 300,
    figsize: tuple[float, float] = (6.5, 3.0),
    title: str = "1D GAN",
    dpi: int = 60,
    bins: int = 80,
    strip: int = 4,
    strip_path: str | Path | None = None,
):
    """A jshtml animation of :func:`draw_1d_gan` over ``snapshots`` (returns IPython ``HTML``).

    First shows a static strip of ``strip`` evenly spaced snapshots (a PNG that GitHub shows,
    where the animation's JavaScript does not run; saved to ``strip_path`` when given; 0: no
    strip). Keep snapshots few (about 20) and the figure small (``dpi``): every frame is a PNG
    stored in the notebook. The artists are drawn once and updated per frame (fast); the
    figure is closed so it is not drawn a second time.
    """
    if not snapshots:
        raise ValueError("no snapshots to animate")
    edges = np.linspace(x_grid[0], x_grid[-1], bins + 1)
    if strip:
        picked = pick_frames(len(snapshots), strip)

        def draw(ax, i):
            draw_1d_gan(ax, x_grid, p_data, snapshots[i], bins=edges, legend=i == picked[0])
            ax.set_title(f"step {snapshots[i]['step']}", fontsize=9)

        fig = frame_strip(
            draw, picked, panel=(3.4, 2.6), title=f"{title}: p_g and D(x) over training"
        )
        show_strip(fig, strip_path)

    def hist(snapshot):
        samples = np.clip(np.asarray(snapshot["samples"]).ravel(), x_grid[0], x_grid[-1])
        return np.histogram(samples, bins=edges, density=True)[0]

    fig = plt.figure(figsize=figsize, dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    stairs = ax.stairs(hist(snapshots[0]), edges, fill=True, color="tab:orange", alpha=0.5)
    stairs.set_label(r"$p_g$ (hist of G(z))")
    ax_r, d_line = _data_and_discriminator(ax, x_grid, p_data, snapshots[0]["d_prob"], None)
    heading = ax.set_title("")
    fig.subplots_adjust(left=0.1, right=0.88, bottom=0.17, top=0.88)

    def update(i):
        stairs.set_data(hist(snapshots[i]))
        d_line.set_ydata(snapshots[i]["d_prob"])
        heading.set_text(f"{title}: step {snapshots[i]['step']}")
        return (stairs, d_line, heading)

    update(0)
    return animation_html(fig, update, len(snapshots), interval)


def _smooth(values: Sequence[float], window: int) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or v.size < window:
        return v
    return np.convolve(v, np.ones(window) / window, mode="valid")


def plot_gan_curves(history: Mapping[str, Sequence[float]], smooth: int = 50, title: str = ""):
    """Two panels: losses per step, and mean D(x) / D(G(z)) per step (moving average).

    The dashed line at log 4 (D loss) / log 2 (G loss) and at 1/2 (D outputs) marks the
    equilibrium p_g = p_data, where D can do no better than guess. Returns the figure.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
    steps_axis = (
        np.arange(len(_smooth(history["d_loss"], smooth))) + min(smooth, len(history["d_loss"])) - 1
    )
    ax1.plot(steps_axis, _smooth(history["d_loss"], smooth), label="D loss")
    ax1.plot(steps_axis, _smooth(history["g_loss"], smooth), label="G loss (non-saturating)")
    ax1.axhline(np.log(4), color="tab:blue", ls="--", lw=1, label="log 4")
    ax1.axhline(np.log(2), color="tab:orange", ls="--", lw=1, label="log 2")
    ax1.set_xlabel("step")
    ax1.set_ylabel("loss (nats)")
    ax1.set_title(f"{title} losses (moving average of {smooth})".strip())
    ax1.legend(fontsize=8)
    ax2.plot(steps_axis, _smooth(history["d_real"], smooth), label="D(x), real")
    ax2.plot(steps_axis, _smooth(history["d_fake"], smooth), label="D(G(z)), fake")
    ax2.axhline(0.5, color="gray", ls="--", lw=1)
    ax2.set_ylim(0, 1)
    ax2.set_xlabel("step")
    ax2.set_ylabel("mean D output")
    ax2.set_title("what the discriminator says")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig
