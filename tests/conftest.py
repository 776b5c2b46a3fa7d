"""Shared test setup: every test runs in quick mode with a non-interactive matplotlib."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _quick_mode(monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", os.environ.get("GANCOURSE_QUICK", "1") or "1")


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def one_torch_thread():
    """Tiny models train fastest on one thread (far faster on a busy machine), and results
    must not depend on the thread count. Use with ``pytest.mark.usefixtures``."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
