"""gancourse: the helper package of the course "GANs for digital art".

The package holds the plumbing (data, plotting, training loops reused by later lessons,
metrics, widgets, grading); the lessons themselves live in ``notebooks/``.
Submodules (``gancourse.theory``, ``gancourse.data``, ``gancourse.models``, ...) are
imported explicitly by the lessons that need them, so ``import gancourse`` stays light.
"""

from gancourse.config import is_quick, scaled
from gancourse.device import get_device, is_colab
from gancourse.display import show_source
from gancourse.seeding import seed_everything

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "get_device",
    "is_colab",
    "is_quick",
    "scaled",
    "seed_everything",
    "show_source",
]
