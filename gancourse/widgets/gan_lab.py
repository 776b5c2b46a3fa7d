"""Lesson 03's live training widget: a GAN-Lab-style view you can start, stop and steer.

Plain, testable pieces:

- :class:`GANLabSession` holds one :class:`gancourse.toy2d.Game` and advances it with
  :meth:`~gancourse.toy2d.Game.play_round`, the course's ``d_step`` / ``g_step``. It
  starts from the ``vanilla`` preset (a plain Gaussian z, one constant learning rate, no
  EMA, no cure: the raw dynamics of lesson 03's collapse); the controls change only what the
  student picks;
- :func:`render_png` draws a :class:`gancourse.plotting.gan2d.State2D` to PNG bytes.

:class:`GANLabWidget` is the thin ipywidgets layer (core widgets only, ipywidgets 7.6+ and
8): data, loss, learning rates and D steps per G step; Start/Stop, "+200 steps" and Reset
buttons; a readout and an ``Image``. Training runs in a background thread in chunks, so
Stop works while it trains. When shown, it also carries the current PNG, so a viewer that
cannot render widgets shows a static figure; :func:`gan_lab_widget` falls back to a plain
figure when ipywidgets is missing.
"""

from __future__ import annotations

import html
import io
import threading
from dataclasses import replace
from typing import Any

from matplotlib.figure import Figure

from gancourse.data.toy2d import TOY2D, toy2d_sampler
from gancourse.losses import LOSSES
from gancourse.models import sample
from gancourse.plotting.gan2d import State2D, capture_state, plot_state
from gancourse.toy2d import Game, Toy2DConfig, preset
from gancourse.widgets.fallback import widget_with_fallback

__all__ = ["GANLabSession", "GANLabWidget", "gan_lab_widget", "plain_game", "render_png"]


def plain_game(data: str = "ring8", **changes) -> Toy2DConfig:
    """The widget's starting point: the ``vanilla`` preset (no cure) on ``data``, with
    ``changes`` (the controls: loss, learning rates, D steps, packing)."""
    return preset("vanilla", data=data, **changes)


class GANLabSession:
    """One game between an MLP G and D on toy 2D data, advanced step by step.

    ``config`` is a :class:`Toy2DConfig` (default: :func:`plain_game`); its ``steps``, EMA
    and finishing phase are not used. Deterministic for a given ``seed``.
    """

    def __init__(self, config: Toy2DConfig | None = None, *, seed: int = 0):
        self.config = config or plain_game()
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self.game = Game.new(self.config, seed=self.seed)
        self.step = 0
        self.real = toy2d_sampler(self.config.data)(500, seed=self.seed + 2)

    @property
    def G(self):
        return self.game.G

    @property
    def D(self):
        return self.game.D

    def set_learning_rates(self, lr_g: float, lr_d: float) -> None:
        """Change the learning rates without restarting the game."""
        self.config = replace(self.config, lr_g=lr_g, lr_d=lr_d)
        self.game.cfg = self.config
        self.game.set_learning_rates(lr_g, lr_d)

    def advance(self, n_steps: int) -> tuple[float, float]:
        """Play ``n_steps`` G updates (each after ``d_steps`` D updates); return the last losses."""
        d_val = g_val = float("nan")
        for _ in range(n_steps):
            d_val, g_val = self.game.play_round()
            self.step += 1
        return d_val, g_val

    def state(self, resolution: int = 60) -> State2D:
        """The current GAN-Lab snapshot (see :func:`gancourse.plotting.gan2d.capture_state`)."""
        return capture_state(
            self.G,
            self.D,
            self.game.loss,
            self.real,
            scale=self.game.scale,
            step=self.step,
            resolution=resolution,
        )

    def coverage(self, n: int = 2500):
        """Mode coverage of n samples (grid25 and ring8 only)."""
        from gancourse.metrics.modes import mode_coverage

        mix = TOY2D[self.config.data]
        x = sample(self.G, n, seed=0) * self.game.scale
        return mode_coverage(x, mix.means, mix.std)


def render_png(state: State2D, title: str | None = None, size: float = 4.0) -> bytes:
    """PNG bytes of one snapshot (a pyplot-free figure, nothing leaks)."""
    fig = Figure(figsize=(size, size))
    ax = fig.add_subplot()
    plot_state(state, ax, title=title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


class GANLabWidget:
    """Live training: choose data, loss, learning rates and D steps; Start/Stop; watch.

    ``chunk`` G steps are played between redraws; ``max_steps`` stops a forgotten run.
    :meth:`play` advances synchronously (what the buttons call), so tests need no thread.
    """

    def __init__(
        self,
        data: str = "ring8",
        loss: str = "nonsaturating",
        chunk: int = 100,
        max_steps: int = 20000,
    ):
        import ipywidgets as W

        self.chunk, self.max_steps = chunk, max_steps
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        style = {"description_width": "initial"}
        start = plain_game(data)  # the sliders start at the plain game's values
        self.data = W.Dropdown(options=sorted(TOY2D), value=data, description="data")
        self.loss = W.Dropdown(options=sorted(LOSSES), value=loss, description="loss")
        self.lr_g = W.FloatLogSlider(
            value=start.lr_g, base=10, min=-5, max=-2, description="lr G", style=style
        )
        self.lr_d = W.FloatLogSlider(
            value=start.lr_d, base=10, min=-5, max=-2, description="lr D", style=style
        )
        self.d_steps = W.IntSlider(
            value=start.d_steps, min=1, max=5, description="D steps / G step", style=style
        )
        self.pack = W.IntSlider(value=start.pack, min=1, max=4, description="pack", style=style)
        self.run = W.ToggleButton(value=False, description="Start", icon="play")
        self.step_button = W.Button(description=f"+{chunk} steps")
        self.reset_button = W.Button(description="Reset")
        self.readout = W.HTML()
        self.image = W.Image(format="png")
        controls = W.VBox(
            [
                W.HBox([self.data, self.loss]),
                W.HBox([self.lr_g, self.lr_d]),
                W.HBox([self.d_steps, self.pack]),
            ]
        )
        buttons = W.HBox([self.run, self.step_button, self.reset_button])
        self.widget = W.VBox([controls, buttons, self.readout, self.image])
        self.run.observe(self._on_run, names="value")
        self.step_button.on_click(lambda _b: self.play(self.chunk))
        self.reset_button.on_click(lambda _b: self.reset())
        for w in (self.lr_g, self.lr_d):
            w.observe(
                lambda _c: self.session.set_learning_rates(self.lr_g.value, self.lr_d.value),
                names="value",
            )
        for w in (self.data, self.loss, self.d_steps, self.pack):
            w.observe(lambda _c: self.reset(), names="value")
        self.reset()

    def _config(self) -> Toy2DConfig:
        return plain_game(
            data=self.data.value,
            loss=self.loss.value,
            lr_g=self.lr_g.value,
            lr_d=self.lr_d.value,
            d_steps=self.d_steps.value,
            pack=self.pack.value,
        )

    def reset(self) -> None:
        """Stop any run and start a fresh game from the controls' values."""
        self.stop()
        self.session = GANLabSession(self._config())
        self.redraw()

    def play(self, n_steps: int) -> None:
        """Advance ``n_steps`` and redraw (synchronous)."""
        self.session.advance(n_steps)
        self.redraw()

    def redraw(self) -> None:
        st = self.session.state()
        cov = self.session.coverage()
        self.readout.value = html.escape(f"step {self.session.step}: {cov}")
        self.image.value = render_png(st)

    def _on_run(self, change) -> None:
        if change["new"]:
            self.run.description, self.run.icon = "Stop", "stop"
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        else:
            self._stop.set()
            self.run.description, self.run.icon = "Start", "play"

    def _loop(self) -> None:
        while not self._stop.is_set() and self.session.step < self.max_steps:
            self.play(self.chunk)
        self.run.value = False

    def stop(self) -> None:
        """Stop a background run (returns when the current chunk is done)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        self._thread = None
        if getattr(self, "run", None) is not None and self.run.value:
            self.run.value = False

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        """The widget view plus the current PNG and a text line as fallbacks."""
        return widget_with_fallback(
            self.widget, self.image.value, html.unescape(self.readout.value)
        )


def gan_lab_widget(data: str = "ring8", loss: str = "nonsaturating", **kwargs):
    """The lesson's widget, or (without ipywidgets) a static figure after 500 steps."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        session = GANLabSession(plain_game(data, loss=loss))
        session.advance(500)
        fig = Figure(figsize=(4, 4))
        plot_state(session.state(), fig.add_subplot())
        return fig
    return GANLabWidget(data, loss, **kwargs)
