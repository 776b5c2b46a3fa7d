"""Seeds: one call to make a notebook repeatable, and a scope that leaves the caller's RNG alone."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global state and torch (CPU and all GPUs).

    Returns a fresh ``np.random.Generator`` seeded with ``seed`` for code that prefers
    an explicit generator (the course's own functions take ``seed=`` arguments).
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's global generator seeded by ``seed``, then restore its state.

    For code that must use the global generator (torch's layer initialisers do) without
    changing the caller's random stream: the course's library functions use it instead of
    reseeding behind the caller's back. CUDA generators are forked too when CUDA is in use.
    """
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
