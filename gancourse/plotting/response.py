"""The response matrix of lesson 11: which metric notices which failure.

Rows are sets of images (real-vs-real, controlled failures, generators), columns metrics.
A cell's colour is its alarm (:func:`gancourse.metrics.response.alarms`): how far the metric
moved to its *bad* side of real-vs-real, in units of real-vs-real's spread, on a log scale
from 1 to 1,000. Cells under ``noticed`` (3 spreads) are left white and marked "fooled";
each cell prints the metric's value.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm


def _fmt(value: float) -> str:
    a = abs(value)
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def plot_response_matrix(
    table: Mapping[str, Mapping[str, float]],
    alarm: Mapping[str, Mapping[str, float]],
    metrics: list[str],
    *,
    noticed: float = 3.0,
    clean: tuple[str, ...] = (),
    formats: Mapping[str, str] | None = None,
    title: str = "What each metric sees",
    ax=None,
):
    """Draw the matrix for the rows of ``table`` (values) and ``alarm`` (colours) and the
    columns ``metrics``; returns the axes. Rows named in ``clean`` have no failure to notice
    (real vs real): their quiet cells are not marked "fooled". ``formats``: a format string
    per metric (e.g. ``{"copies": "{:.0%}"}``)."""
    rows = list(table)
    z = np.array([[alarm[r][m] for m in metrics] for r in rows], dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * len(metrics) + 3, 0.42 * len(rows) + 1.5))
    shown = np.where(z >= noticed, np.clip(z, 1.0, 1000.0), np.nan)
    image = ax.imshow(shown, cmap="OrRd", norm=LogNorm(1.0, 1000.0), aspect="auto")
    for i, r in enumerate(rows):
        for j, m in enumerate(metrics):
            fmt = (formats or {}).get(m)
            text = fmt.format(table[r][m]) if fmt else _fmt(table[r][m])
            if z[i, j] < noticed and r not in clean:
                text += "\nfooled"
            dark = z[i, j] >= 100
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7.5,
                color="white" if dark else "black",
            )
    ax.set_xticks(range(len(metrics)), metrics)
    ax.set_yticks(range(len(rows)), rows)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.set_xticks(np.arange(-0.5, len(metrics)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    ax.grid(which="minor", color="0.8", lw=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("metric (value printed; colour: how far worse than real vs real)")
    ax.set_ylabel("images compared with the real reference set")
    ax.set_title(title)
    bar = plt.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("worse than real vs real, in real-vs-real std (log)")
    return ax


__all__ = ["plot_response_matrix"]
