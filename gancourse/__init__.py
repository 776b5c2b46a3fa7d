"""gancourse: the helper package of the course "GANs for digital art".

The package holds the plumbing (data, plotting, training loops reused by later lessons,
metrics, widgets, grading); the lessons themselves live in ``notebooks/``.
Submodules (``gancourse.theory``, ``gancourse.data``, ``gancourse.models``, ...) are
imported explicitly by the lessons that need them. The helpers below load on first use,
so ``import gancourse`` (and ``python -m gancourse doctor``) works even when torch is
missing, and the doctor can say so.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "get_device": "gancourse.device",
    "is_colab": "gancourse.device",
    "is_quick": "gancourse.config",
    "scaled": "gancourse.config",
    "seed_everything": "gancourse.seeding",
    "show_source": "gancourse.display",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gancourse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
