"""Lesson 03: GANs on 2D toy data, the cures for mode collapse, and their comparison.

- :mod:`~gancourse.toy2d.models`: the MLP players (packing, minibatch std, spectral
  norm, the mixture latent);
- :mod:`~gancourse.toy2d.config`: :class:`Toy2DConfig` and the named :data:`PRESETS`;
- :mod:`~gancourse.toy2d.training`: :class:`Game` (one round with the course's
  ``d_step`` / ``g_step``) and :func:`train_toy2d`;
- :mod:`~gancourse.toy2d.compare`: the same-budget table over seeds.

The samplers of the data themselves are in :mod:`gancourse.data.toy2d`.
"""

from gancourse.toy2d.compare import (
    MEASURED_PATH,
    TARGET_HQ,
    TableRow,
    compare,
    format_mode_table,
    load_rows,
    save_rows,
)
from gancourse.toy2d.config import DATA_SCALE, LATENT_COMPONENTS, PRESETS, Toy2DConfig, preset
from gancourse.toy2d.models import MLPDiscriminator, MLPGenerator
from gancourse.toy2d.training import (
    Game,
    Toy2DResult,
    build_models,
    evaluate_modes,
    lr_factor,
    train_toy2d,
)

__all__ = [
    "DATA_SCALE",
    "MEASURED_PATH",
    "TARGET_HQ",
    "LATENT_COMPONENTS",
    "PRESETS",
    "Game",
    "MLPDiscriminator",
    "MLPGenerator",
    "TableRow",
    "Toy2DConfig",
    "Toy2DResult",
    "build_models",
    "compare",
    "evaluate_modes",
    "format_mode_table",
    "load_rows",
    "lr_factor",
    "preset",
    "save_rows",
    "train_toy2d",
]
