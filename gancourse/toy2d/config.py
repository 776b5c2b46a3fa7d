"""What defines a 2D run: :class:`Toy2DConfig`, the named :data:`PRESETS` lesson 03 compares.

Training works in normalised coordinates x / scale (scale = 4 for grid25, 1 for ring8),
so one set of hyperparameters fits both data sets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

DATA_SCALE = {"grid25": 4.0, "ring8": 1.0, "spiral": 3.0}
LATENT_COMPONENTS = {"grid25": 50, "ring8": 48, "spiral": 0}
"""K of the ``mixture-latent`` preset per data set ("beyond the papers" in lesson 03): a
multiple of the number of modes (with K not a multiple of it, the spare components land
between modes). Choosing it needs the number of modes, so it is not the default."""


@dataclass(frozen=True)
class Toy2DConfig:
    """Everything that defines a run. The defaults are lesson 03's recommended recipe, which
    needs no knowledge of the data's modes: z ~ N(0, I_2), G with 4 and D with 3 hidden layers
    of 128 units, the non-saturating loss, PacGAN-style packing (m = 2) and a minibatch
    standard deviation feature in D, two time-scale learning rates (TTUR), an exponential moving
    average (EMA) of G's weights, and a finishing phase in which the learning rates decay
    linearly to 0.

    ``latent_components`` = K > 0 switches on the mixture latent (``MLPGenerator(components=K)``,
    z_dim >= 2); ``None`` takes K from :data:`LATENT_COMPONENTS` (the ``mixture-latent``
    preset); 0, the default, is an ordinary Gaussian z."""

    data: str = "grid25"
    loss: str = "nonsaturating"
    steps: int = 40000
    batch_size: int = 100
    z_dim: int = 2
    g_width: int = 128
    g_depth: int = 4
    d_width: int = 128
    d_depth: int = 3
    pack: int = 2
    minibatch_std: bool = True
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
    d_maxout: int = 1  # > 1: maxout units of that many pieces in D (PacGAN's D: 5)
    init_std: float = 0.0  # > 0: weights ~ N(0, init_std^2), biases 0 (PacGAN: 0.02); 0: torch's
    latent_components: int | None = 0  # K of the mixture latent; 0: Gaussian z; None: per data
    latent_sigma: float = 0.01  # std of each latent component


_VANILLA = dict(
    steps=6000,
    batch_size=100,
    z_dim=64,
    g_depth=2,
    d_depth=2,
    pack=1,
    minibatch_std=False,
    lr_g=3e-4,
    lr_d=3e-4,
    ema=0.0,
    finish_frac=0.0,
)
# lesson 03's recipe before the rewrite: batch 256, 30,000 steps, G with 3 layers, no minibatch std
_OLD_RECIPE = dict(steps=30000, batch_size=256, z_dim=2, g_depth=3, minibatch_std=False)

PRESETS: dict[str, dict] = {
    "recommended": {},
    "vanilla": _VANILLA,
    "vanilla-minimax": dict(_VANILLA, loss="minimax"),
    "pacgan2": dict(_VANILLA, pack=2),
    "pacgan4": dict(_VANILLA, pack=4),
    "minibatch-std": dict(_VANILLA, minibatch_std=True),
    "ttur": dict(_VANILLA, lr_d=1e-3),
    "wgan-gp": dict(_VANILLA, loss="wgan-gp", betas=(0.5, 0.9)),
    "sn-hinge": dict(_VANILLA, loss="hinge", spectral=True),
    "recommended-z64": dict(z_dim=64),
    "plain-z2": dict(pack=1, minibatch_std=False, lr_d=3e-4, ema=0.0, finish_frac=0.0),
    "pacgan-paper": dict(
        steps=400_000,
        batch_size=100,
        z_dim=2,
        g_width=400,
        g_depth=4,
        g_batch_norm=True,
        d_width=200,
        d_depth=3,
        d_maxout=5,
        init_std=0.02,
        pack=1,
        minibatch_std=False,
        lr_g=1e-4,
        lr_d=1e-4,
        betas=(0.8, 0.999),
        ema=0.0,
        finish_frac=0.0,
        scale=1.0,
    ),
    "pack2-ttur-ema": _OLD_RECIPE,
    "mixture-latent": dict(_OLD_RECIPE, z_dim=5, latent_components=None),
    "mixture-latent-k64": dict(_OLD_RECIPE, z_dim=5, latent_components=64),
}
"""Named configurations of lesson 03 (changes to :class:`Toy2DConfig`'s defaults).

- ``recommended``: the defaults, the data-agnostic recipe;
- ``vanilla``: the plain game that collapses (small MLPs with 2 hidden layers and a
  64-dimensional z, as in the Unrolled GAN / VEEGAN experiments; Adam 3e-4 for both, batches
  of 100, nothing else), and one cure at a time on top of it: ``pacgan2``, ``pacgan4``
  (packing), ``minibatch-std``, ``ttur`` (D learns faster), ``wgan-gp`` and ``sn-hinge``
  (lesson 07's objectives); ``vanilla-minimax`` with the saturating loss;
- ablations of the recipe: ``recommended-z64`` (vanilla's latent), ``plain-z2`` (the recipe's
  networks and budget without its cures);
- ``pacgan-paper``: the PacGAN paper's own networks and budget (400,000 steps: hours on a CPU);
- ``pack2-ttur-ema``: lesson 03's earlier recipe (batch 256, 30,000 steps, Gaussian z);
- ``mixture-latent``: the same with a mixture latent of K = :data:`LATENT_COMPONENTS` [data]
  components (beyond the papers, and K uses the number of modes); ``mixture-latent-k64`` the
  same with K = 64, not a multiple of 25.
"""


def preset(name: str, **changes) -> Toy2DConfig:
    """The :data:`PRESETS` entry ``name`` as a config, with ``changes`` on top."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return replace(Toy2DConfig(), **{**PRESETS[name], **changes})
