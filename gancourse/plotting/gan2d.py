"""A GAN-Lab-style view of a 2D GAN (after Kahng et al. 2019, "GAN Lab").

One picture holds the whole game: the discriminator's output over the plane as a
heatmap, real points, generated points, and arrows on the generated points showing the
direction the generator's loss pushes them (-dL_G/dx for each generated x).

:func:`capture_state` turns (G, D) into plain NumPy arrays (a :class:`State2D`), so
snapshots taken during training can be drawn or animated later without the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from gancourse.losses import GANLoss, get_loss
from gancourse.plotting.frames import animation_html, frame_strip, pick_frames, show_strip


@dataclass(frozen=True)
class State2D:
    """One snapshot, in data coordinates. Shapes: ``real`` (R, 2), ``fake`` (F, 2),
    ``arrows`` (F, 2) (unit-free push direction, scaled for display), ``heat`` (H, H) on
    the square [-lim, lim]^2 (row = y, column = x), ``heat_label`` names what it shows."""

    step: int
    real: np.ndarray
    fake: np.ndarray
    arrows: np.ndarray
    heat: np.ndarray
    lim: float
    heat_label: str


def point_logits(D: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """D's output for each single point of ``x`` (N, 2) -> (N,).

    A packed discriminator (``D.pack`` > 1) sees ``pack`` points at once; for a
    per-point picture each point is packed with copies of itself.
    """
    pack = getattr(D, "pack", 1)
    if pack > 1:
        x = x.repeat_interleave(pack, dim=0)
    return D(x)


def generator_push(D: nn.Module, x_fake: torch.Tensor, loss: GANLoss | str) -> torch.Tensor:
    """-dL_G/dx_fake (N, 2): where the generator's loss moves each generated point.

    ``x_fake`` is in D's (normalised) coordinates; its batch size must suit ``D.pack``.
    """
    loss = get_loss(loss) if isinstance(loss, str) else loss
    x = x_fake.detach().clone().requires_grad_(True)
    g_loss = loss.g_loss(D(x))
    (grad,) = torch.autograd.grad(g_loss, x)
    return -grad


def capture_state(
    G: nn.Module,
    D: nn.Module,
    loss: GANLoss | str,
    real: torch.Tensor,
    *,
    scale: float = 1.0,
    step: int = 0,
    n_fake: int = 500,
    lim: float | None = None,
    resolution: int = 80,
    seed: int = 0,
) -> State2D:
    """Snapshot of (G, D): ``real`` (R, 2) points in data coordinates; the models work in
    coordinates divided by ``scale``. ``lim`` defaults to 1.25 * max |real|."""
    loss = get_loss(loss) if isinstance(loss, str) else loss
    real_np = np.asarray(real, dtype=np.float32)
    lim = float(lim if lim is not None else 1.25 * np.abs(real_np).max())
    device = next(G.parameters()).device
    g = torch.Generator().manual_seed(seed)
    pack = getattr(D, "pack", 1)
    n_fake = max(pack, n_fake - n_fake % pack)
    z = torch.randn(n_fake, G.z_dim, generator=g).to(device)
    was_g, was_d = G.training, D.training
    G.eval()
    D.eval()
    with torch.no_grad():
        x_fake = G(z)
    push = generator_push(D, x_fake, loss)
    ticks = torch.linspace(-lim, lim, resolution)
    gy, gx = torch.meshgrid(ticks, ticks, indexing="ij")
    grid = torch.stack([gx.flatten(), gy.flatten()], 1).to(device) / scale
    with torch.no_grad():
        out = point_logits(D, grid)
    G.train(was_g)
    D.train(was_d)
    heat = loss.readout(out)
    if loss.d_output == "probability":
        label = "D(x) (probability real)"
    else:
        label = f"critic value ({loss.name})"
    # arrows: normalise so the longest is 15% of the view, keeping relative lengths
    push = push.cpu().numpy()
    longest = np.abs(push).max() or 1.0
    arrows = push / longest * 0.15 * lim
    return State2D(
        step,
        real_np,
        (x_fake.cpu() * scale).numpy(),
        arrows,
        heat.reshape(resolution, resolution).cpu().numpy(),
        lim,
        label,
    )


def plot_state(
    state: State2D, ax=None, *, arrows: bool = True, title: str | None = None, max_arrows: int = 150
):
    """Draw one snapshot on ``ax`` (a new (4.5, 4) figure by default); returns ``ax``."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    lim = state.lim
    im = ax.imshow(
        state.heat,
        origin="lower",
        extent=(-lim, lim, -lim, lim),
        cmap="RdBu",
        alpha=0.55,
        aspect="equal",
    )
    ax.scatter(state.real[:, 0], state.real[:, 1], s=3, c="tab:green", label="real", alpha=0.6)
    ax.scatter(
        state.fake[:, 0], state.fake[:, 1], s=3, c="tab:purple", label="generated", alpha=0.8
    )
    if arrows:
        k = min(max_arrows, len(state.fake))
        f, a = state.fake[:k], state.arrows[:k]
        ax.quiver(
            f[:, 0],
            f[:, 1],
            a[:, 0],
            a[:, 1],
            angles="xy",
            scale_units="xy",
            scale=1,
            width=0.004,
            color="k",
            alpha=0.6,
        )
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title if title is not None else f"step {state.step}")
    ax._gancourse_image = im  # for a colour bar
    return ax


def plot_snapshots(
    states: Sequence[State2D], *, title: str = "", arrows: bool = True, ncols: int = 4
):
    """Snapshots side by side (at most ``ncols`` per row); returns the figure."""
    if not states:
        raise ValueError("no snapshots to plot")

    def draw(ax, i):
        plot_state(states[i], ax, arrows=arrows)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=6)
        if i == 0:
            ax.legend(loc="lower left", fontsize=6, markerscale=3)

    return frame_strip(
        draw,
        range(len(states)),
        ncols=ncols,
        panel=(2.5, 2.5),
        title=title
        or f"green: real, purple: generated, arrows: generator push; heat: {states[0].heat_label}",
    )


def animate_states(
    states: Sequence[State2D],
    *,
    interval: int = 300,
    figsize: tuple[float, float] = (4, 4),
    arrows: bool = True,
    strip: int = 4,
    strip_path: str | Path | None = None,
    title: str = "",
):
    """A jshtml animation of snapshots (an IPython ``HTML`` object); the figure is closed.

    First shows a static strip of ``strip`` evenly spaced snapshots (:func:`plot_snapshots`,
    a PNG that GitHub shows where the animation's JavaScript does not run; saved to
    ``strip_path`` when given; 0: no strip).
    """
    if not states:
        raise ValueError("no snapshots to animate")
    if strip:
        picked = [states[i] for i in pick_frames(len(states), strip)]
        show_strip(plot_snapshots(picked, title=title, arrows=arrows), strip_path)
    fig, ax = plt.subplots(figsize=figsize)

    def draw(i):
        ax.clear()
        plot_state(states[i], ax, arrows=arrows)
        return ()

    return animation_html(fig, draw, len(states), interval)
