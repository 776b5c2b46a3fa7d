"""Where to run: the device, how many CPU threads, and whether we are in Colab."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported on use, so `is_colab` (and the doctor) work without it
    import torch


def get_device(prefer: str | None = None) -> torch.device:
    """The best available device: ``cuda``, then ``mps``, then ``cpu``.

    ``prefer`` forces one (e.g. ``"cpu"`` for bit-exact reproducibility); asking for a
    device that is not available raises ``RuntimeError`` saying what is.
    """
    import torch

    if prefer is not None:
        name = str(prefer)
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise RuntimeError("device 'cuda' was requested but no CUDA GPU is available")
        if name == "mps" and not _mps_available():
            raise RuntimeError("device 'mps' was requested but Apple MPS is not available")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def is_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with torch using ``n`` CPU threads (``None``: leave it), then restore.

    Small networks (the toy MLPs, a widget rendering one 32x32 image) run fastest on ONE
    thread: a thread pool gains little on tiny operations, and on a busy machine (a shared
    server, tests in parallel) contended threads make them 10-30 times slower.
    """
    if n is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
