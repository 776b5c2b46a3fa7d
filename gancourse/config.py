"""Quick vs full mode.

Every lesson runs in *full* mode by default and in *quick* mode when the environment
variable ``GANCOURSE_QUICK=1`` is set (the tests). Quick mode shrinks sizes and nothing
else: pick every size through :func:`scaled` so both modes run the same code.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

QUICK_ENV = "GANCOURSE_QUICK"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def is_quick() -> bool:
    """True when ``GANCOURSE_QUICK`` asks for quick mode (``1``, ``true``, ``yes``, ``on``).

    Read at every call (no cached global), so a test can flip the variable.
    Raises ``ValueError`` for a value that is neither true nor false, rather than guess.
    """
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{QUICK_ENV}={os.environ[QUICK_ENV]!r} is not understood; "
        f"use {QUICK_ENV}=1 for quick mode or unset it (or 0) for full mode."
    )


def scaled(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise.

    >>> steps = scaled(full=5000, quick=50)
    """
    return quick if is_quick() else full
