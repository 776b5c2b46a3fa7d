"""What defines a 2D run: :class:`Toy2DConfig`, the named :data:`PRESETS` lesson 03 compares.

Training works in normalised coordinates x / scale (scale = 4 for grid25, 1 for ring8),
so one set of hyperparameters fits both data sets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

DATA_SCALE = {"grid25": 4.0, "ring8": 1.0, "spiral": 3.0}
LATENT_COMPONENTS = {"grid25": 50, "ring8": 48, "spiral": 0}
"""K of the recommended mixture latent per data set: the multiple of the number of modes
closest to 50 (with K not a multiple of it, the spare components land between modes)."""


@dataclass(frozen=True)
class Toy2DConfig:
    """Everything that defines a run. The defaults are the lesson's recommended cure:
    non-saturating loss, PacGAN-style packing, two time-scale learning rates (TTUR), an
    exponential moving average (EMA) of G's weights, a finishing phase with a decaying
    learning rate, and a mixture latent of K components (``MLPGenerator(components=K)``,
    K = ``LATENT_COMPONENTS[data]``), so G need not stretch samples between the modes."""

    data: str = "grid25"
    loss: str = "nonsaturating"
    steps: int = 30000
    batch_size: int = 256
    z_dim: int = 5  # with the mixture latent: 1 coordinate picks the component, 4 inside it
    g_width: int = 128
    g_depth: int = 3
    d_width: int = 128
    d_depth: int = 3
    pack: int = 2
    minibatch_std: bool = False
    spectral: bool = False
    lr_g: float = 3e-4
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    d_steps: int = 1
    finish_frac: float = 0.3  # last fraction of steps: lr decays linearly to finish_lr_frac * lr
    finish_lr_frac: float = 0.0
    ema: float = 0.999  # EMA decay of G's weights (0 = no EMA)
    gp_weight: float | None = None  # None: the loss's own (10 for wgan-gp, else 0)
    scale: float | None = None  # None: DATA_SCALE[data]
    g_batch_norm: bool = False
    d_input_scale: float = 1.0
    latent_components: int | None = None  # K: mixture latent; None = LATENT_COMPONENTS[data]
    latent_sigma: float = 0.01  # std of each latent component


_GAUSSIAN_Z = dict(z_dim=2, latent_components=0)  # z ~ N(0, I_2), no mixture latent
_VANILLA = dict(pack=1, lr_g=1e-3, lr_d=1e-3, ema=0.0, finish_frac=0.0, **_GAUSSIAN_Z)

PRESETS: dict[str, dict] = {
    "vanilla-minimax": dict(_VANILLA, loss="minimax"),
    "vanilla": dict(_VANILLA, loss="nonsaturating"),
    "minibatch-std": dict(_VANILLA, minibatch_std=True),
    "pacgan4": dict(_VANILLA, pack=4),
    "wgan-gp": dict(_VANILLA, loss="wgan-gp", betas=(0.5, 0.9), lr_g=3e-4, lr_d=1e-3),
    "sn-hinge": dict(_VANILLA, loss="hinge", spectral=True, lr_g=3e-4, lr_d=1e-3),
    "ttur": dict(_VANILLA, lr_g=3e-4, lr_d=1e-3),
    "pack2-ttur-ema": _GAUSSIAN_Z,
    "recommended": {},
}
"""Named configurations compared in lesson 03 (changes to :class:`Toy2DConfig`'s defaults).

``vanilla``: one D step per G step, Adam at 1e-3 for both nets, a Gaussian z in 2D, nothing
else. Every other entry adds one cure to it; ``recommended`` is the defaults (all cures
together); ``pack2-ttur-ema`` is the recommended cure with an ordinary Gaussian latent.
"""


def preset(name: str, **changes) -> Toy2DConfig:
    """The :data:`PRESETS` entry ``name`` as a config, with ``changes`` on top."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return replace(Toy2DConfig(), **{**PRESETS[name], **changes})
