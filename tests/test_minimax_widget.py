"""gancourse.widgets.minimax: the lesson 01 sliders, driven without a browser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gancourse.widgets.minimax import (
    MinimaxExplorer,
    generator_mixture,
    minimax_state,
    minimax_widget,
    readout_html,
    readout_text,
    render_png,
)

LOG4 = math.log(4.0)


def test_state_at_the_data_distribution_is_the_global_optimum():
    s = minimax_state(2.0, 0.5, 0.5)
    assert s["value"] == pytest.approx(-LOG4, abs=1e-9)
    assert s["jsd"] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(s["d_star"], 0.5, atol=1e-12)
    assert s["x"].shape == s["p_data"].shape == s["p_g"].shape == s["d_star"].shape


def test_state_away_from_the_data_and_the_identity():
    s = minimax_state(1.0, 1.0, 0.9)
    assert s["value"] > -LOG4 + 0.05
    assert 0 < s["jsd"] < math.log(2)
    assert s["value"] == pytest.approx(s["identity"], abs=1e-8)
    dropped = minimax_state(2.0, 0.5, 1.0)  # all mass on the right mode: mode dropping
    assert dropped["jsd"] > 0.1
    assert dropped["d_star"][np.argmin(np.abs(dropped["x"] + 2))] > 0.99


def test_generator_mixture_and_slider_ranges():
    mix = generator_mixture(1.5, 0.3, 0.25)
    assert mix.means == (1.5, -1.5) and mix.weights == (0.25, 0.75)
    with pytest.raises(ValueError, match="std"):
        generator_mixture(1.0, 0.0, 0.5)
    with pytest.raises(ValueError, match="weight"):
        generator_mixture(1.0, 1.0, 1.5)


def test_readouts_and_png():
    s = minimax_state(1.0, 1.0, 0.5)
    text = readout_text(s)
    assert f"{s['value']:+.4f}" in text and f"{s['jsd']:.4f}" in text
    assert "<pre" in readout_html(s)
    png = render_png(s)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 5_000 < len(png) < 200_000


def test_sliders_drive_the_readout_and_image():
    w = MinimaxExplorer(mean=1.0, std=1.0, weight=0.5)
    first_png, first_readout = w.image.value, w.readout.value
    w.mean.value = 2.0
    w.std.value = 0.5
    assert w.state["mean"] == 2.0 and w.state["std"] == 0.5
    assert w.state["value"] == pytest.approx(-LOG4, abs=1e-9)
    assert w.readout.value != first_readout and w.image.value != first_png
    assert f"{-LOG4:+.4f}" in w.readout.value
    bundle = w._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.widget.model_id
    assert "image/png" in bundle and "V(D*, G)" in bundle["text/plain"]


def test_static_figure_without_ipywidgets(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_ipywidgets(name, *args, **kwargs):
        if name == "ipywidgets":
            raise ImportError("no ipywidgets here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipywidgets)
    fig = minimax_widget(2.0, 0.5, 0.5)
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    assert "V(D*, G) = -1.3863" in capsys.readouterr().out
