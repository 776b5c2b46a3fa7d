"""Shared test setup: every test runs in quick mode with a non-interactive matplotlib."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _quick_mode(monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", os.environ.get("GANCOURSE_QUICK", "1") or "1")


@pytest.fixture
def repo_root() -> Path:
    return ROOT
