"""Animations that every viewer can read: a jshtml player *and* a static strip of its frames.

A jshtml animation is HTML with JavaScript: JupyterLab, Notebook and Colab play it, but GitHub
and most notebook viewers strip the script and show nothing. Every ``animate_*`` helper of
:mod:`gancourse.plotting` therefore first shows a PNG strip of a few evenly spaced frames (a
normal figure, which every viewer shows), then returns the player. Both come from one
``draw(ax, i)`` function per helper, so the strip and the animation never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt

__all__ = ["animation_html", "frame_strip", "pick_frames", "show_strip"]

Draw = Callable[[plt.Axes, int], object]


def pick_frames(n_frames: int, k: int) -> list[int]:
    """``k`` evenly spaced frame indices out of ``n_frames``, always the first and the last."""
    if n_frames < 1 or k < 1:
        raise ValueError(f"need n_frames >= 1 and k >= 1, got {n_frames}, {k}")
    if k >= n_frames:
        return list(range(n_frames))
    if k == 1:
        return [n_frames - 1]
    return sorted({round(i * (n_frames - 1) / (k - 1)) for i in range(k)})


def frame_strip(
    draw: Draw,
    frames: Sequence[int],
    *,
    ncols: int | None = None,
    panel: tuple[float, float] = (3.0, 2.6),
    title: str = "",
    dpi: int | None = None,
):
    """A figure with one panel per frame index in ``frames``: ``draw(ax, i)`` fills each.

    At most ``ncols`` panels per row (default: all in one row); unused panels are hidden;
    ``title`` becomes the figure's title; ``dpi`` defaults to matplotlib's. Returns the figure
    (not shown, not closed).
    """
    frames = list(frames)
    if not frames:
        raise ValueError("no frames to draw")
    ncols = min(ncols or len(frames), len(frames))
    nrows = -(-len(frames) // ncols)
    extra = 0.4 if title else 0.0
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel[0] * ncols, panel[1] * nrows + extra),
        dpi=dpi,
        squeeze=False,
    )
    for ax, i in zip(axes.flat, frames):
        draw(ax, i)
    for ax in list(axes.flat)[len(frames) :]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def show_strip(fig, path: str | Path | None = None) -> None:
    """Save ``fig`` to ``path`` (a PNG) when given, show it in a notebook, then close it."""
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(fig)
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        pass
    plt.close(fig)


def animation_html(fig, update: Callable[[int], object], n_frames: int, interval: int):
    """The jshtml player (an IPython ``HTML`` object) of ``update(i)`` over ``n_frames`` frames.

    The figure is closed, so the notebook does not draw it a second time.
    """
    from IPython.display import HTML
    from matplotlib import animation

    anim = animation.FuncAnimation(fig, update, frames=n_frames, interval=interval, blit=False)
    html = HTML(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    return html
