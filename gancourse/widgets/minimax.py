"""Lesson 01's slider widget: move the generator, watch D*, V(D*, G) and JSD move.

Plain functions do the work (testable without a browser):

- :func:`generator_mixture` builds the generator's density from the three slider values;
- :func:`minimax_state` computes p_data, p_g, D* and the readouts on a grid;
- :func:`readout_text` / :func:`readout_html` format the readouts;
- :func:`draw_minimax` draws the figure, :func:`render_png` turns it into PNG bytes.

:class:`MinimaxExplorer` is the thin ipywidgets layer (core widgets only, ipywidgets 7.6+
and 8, Colab included): three ``FloatSlider`` s, an ``HTML`` readout and an ``Image``
whose ``value`` is the PNG. When shown, it also carries the PNG as a fallback, so a
viewer that cannot render widgets (GitHub, nbviewer, a saved notebook) shows the static
figure; :func:`minimax_widget` falls back to a plain figure when ipywidgets is missing.

The generator in this widget: p_g = w N(+mu, sigma^2) + (1 - w) N(-mu, sigma^2). With the
default data (``TOY1D["two_modes"]``: modes at -2 and +2, std 0.5, equal weights), the
sliders at mu = 2, sigma = 0.5, w = 0.5 give p_g = p_data; w = 1 drops the left mode.
"""

from __future__ import annotations

import html
import io
import math
from typing import Any

# a figure object not tied to pyplot: rendering never opens or leaks a window
from matplotlib.figure import Figure

from gancourse.data.toy1d import TOY1D, Mixture1D, make_grid
from gancourse.theory import generator_criterion, js_divergence, optimal_discriminator
from gancourse.widgets.fallback import widget_with_fallback

__all__ = [
    "generator_mixture",
    "minimax_state",
    "readout_text",
    "readout_html",
    "draw_minimax",
    "render_png",
    "MinimaxExplorer",
    "minimax_widget",
]

LOG4 = math.log(4.0)
MEAN_RANGE = (0.0, 4.0)
STD_RANGE = (0.1, 2.0)
WEIGHT_RANGE = (0.0, 1.0)


def generator_mixture(mean: float, std: float, weight: float) -> Mixture1D:
    """p_g = weight N(+mean, std^2) + (1 - weight) N(-mean, std^2).

    ``mean`` in [0, 4], ``std`` in [0.1, 2], ``weight`` in [0, 1] (the slider ranges);
    values outside raise ``ValueError`` naming the slider.
    """
    for name, value, (lo, hi) in (
        ("mean", mean, MEAN_RANGE),
        ("std", std, STD_RANGE),
        ("weight", weight, WEIGHT_RANGE),
    ):
        if not (lo <= float(value) <= hi):
            raise ValueError(f"{name} must lie in [{lo}, {hi}], got {value}")
    return Mixture1D(means=(mean, -mean), stds=(std, std), weights=(weight, 1.0 - weight))


def minimax_state(
    mean: float,
    std: float,
    weight: float,
    data: Mixture1D | None = None,
    grid: tuple[float, float, int] = (-8.0, 8.0, 1601),
) -> dict[str, Any]:
    """Everything the widget shows for one slider setting.

    Returns a dict with ``x`` (grid, shape (n,)), ``dx``, ``p_data``, ``p_g``, ``d_star``
    (arrays of shape (n,)), and floats ``value`` = V(D*, G), ``jsd`` = JSD(p_data || p_g)
    in nats, and ``identity`` = -log 4 + 2 JSD (equal to ``value`` up to grid error).
    """
    data = TOY1D["two_modes"] if data is None else data
    x, dx = make_grid(*grid)
    p_data, p_g = data.pdf(x), generator_mixture(mean, std, weight).pdf(x)
    jsd = js_divergence(p_data, p_g, dx)
    return {
        "mean": float(mean),
        "std": float(std),
        "weight": float(weight),
        "x": x,
        "dx": dx,
        "p_data": p_data,
        "p_g": p_g,
        "d_star": optimal_discriminator(p_data, p_g),
        "value": generator_criterion(p_data, p_g, dx),
        "jsd": jsd,
        "identity": -LOG4 + 2.0 * jsd,
    }


def readout_text(state: dict[str, Any]) -> str:
    """The live readouts as one line of plain text."""
    return (
        f"V(D*, G) = {state['value']:+.4f}   -log 4 + 2 JSD = {state['identity']:+.4f}   "
        f"JSD = {state['jsd']:.4f} nats   (0 ≤ JSD ≤ log 2 = {math.log(2):.4f}; "
        f"V(D*, G) ≥ -log 4 = {-LOG4:.4f})"
    )


def readout_html(state: dict[str, Any]) -> str:
    """:func:`readout_text` as HTML for the widget's ``HTML`` readout."""
    return f"<pre style='margin:0'>{html.escape(readout_text(state))}</pre>"


def draw_minimax(state: dict[str, Any], fig: Figure | None = None) -> Figure:
    """Draw p_data, p_g (left axis) and D* (right axis, in [0, 1]) on ``fig`` (new if None)."""
    fig = fig if fig is not None else Figure(figsize=(8, 3.2))
    fig.clear()
    ax = fig.add_subplot(1, 1, 1)
    x = state["x"]
    ax.plot(x, state["p_data"], color="tab:blue", label=r"$p_{data}(x)$")
    ax.fill_between(x, state["p_g"], color="tab:orange", alpha=0.35, label=r"$p_g(x)$")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0, max(1.0, 1.1 * float(max(state["p_data"].max(), state["p_g"].max()))))
    ax2 = ax.twinx()
    ax2.plot(x, state["d_star"], color="tab:green", lw=2, label=r"$D^*(x)$")
    ax2.axhline(0.5, color="gray", ls=":", lw=1)
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_ylabel(r"$D^*(x)$")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8)
    ax.set_title(
        rf"$\mu$={state['mean']:.2f}, $\sigma$={state['std']:.2f}, w={state['weight']:.2f}:  "
        rf"V(D*,G)={state['value']:.3f},  JSD={state['jsd']:.3f}"
    )
    fig.subplots_adjust(
        left=0.08, right=0.91, bottom=0.16, top=0.88
    )  # fixed: faster than tight_layout
    return fig


def render_png(state: dict[str, Any], dpi: int = 80) -> bytes:
    """PNG bytes of :func:`draw_minimax` (rendered off-screen with the Agg backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = draw_minimax(state)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class MinimaxExplorer:
    """Sliders for the generator's mean, std and mixture weight; live figure and readouts.

    Attributes: ``mean``, ``std``, ``weight`` (``FloatSlider``), ``readout`` (``HTML``),
    ``image`` (``Image`` holding the PNG), ``widget`` (the ``VBox`` shown), ``state`` (the
    last :func:`minimax_state`). Moving a slider calls :meth:`update` synchronously, so a
    test can set ``explorer.mean.value`` and read ``explorer.state`` at once.
    """

    def __init__(
        self,
        mean: float = 1.0,
        std: float = 1.0,
        weight: float = 0.5,
        data: Mixture1D | None = None,
        continuous_update: bool = True,
    ):
        import ipywidgets as W

        self.data = TOY1D["two_modes"] if data is None else data

        def slider(value, bounds, step, description):
            return W.FloatSlider(
                value=value,
                min=bounds[0],
                max=bounds[1],
                step=step,
                description=description,
                continuous_update=continuous_update,
                readout_format=".2f",
            )

        self.mean = slider(mean, MEAN_RANGE, 0.05, "mean μ")
        self.std = slider(std, STD_RANGE, 0.05, "std σ")
        self.weight = slider(weight, WEIGHT_RANGE, 0.05, "weight w")
        self.readout = W.HTML()
        self.image = W.Image(format="png")
        self.widget = W.VBox([W.HBox([self.mean, self.std, self.weight]), self.readout, self.image])
        for s in (self.mean, self.std, self.weight):
            s.observe(self._on_change, names="value")
        self.update()

    def update(self) -> None:
        """Recompute the state from the sliders and refresh the readout and the image."""
        self.state = minimax_state(self.mean.value, self.std.value, self.weight.value, self.data)
        self.readout.value = readout_html(self.state)
        self.image.value = render_png(self.state)

    def _on_change(self, _change) -> None:
        self.update()

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        """The widget view plus the current PNG and a text line as fallbacks.

        Frontends with a widget manager (JupyterLab, Notebook, Colab, VS Code) render the
        live widget; the others (GitHub, nbviewer, nbconvert) pick the static image.
        """
        return widget_with_fallback(self.widget, self.image.value, readout_text(self.state))


def minimax_widget(
    mean: float = 1.0, std: float = 1.0, weight: float = 0.5, data: Mixture1D | None = None
):
    """The lesson's widget: a :class:`MinimaxExplorer`, or a static figure without ipywidgets.

    Returns the explorer (shown when it is the cell's last expression) or, when ipywidgets
    cannot be imported, a matplotlib ``Figure`` of the same state (shown the same way).
    """
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        state = minimax_state(mean, std, weight, data)
        print(readout_text(state))
        return draw_minimax(state)
    return MinimaxExplorer(mean, std, weight, data)
