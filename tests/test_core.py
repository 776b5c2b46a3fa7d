"""Core helpers: quick/full mode, seeding, device choice, Colab detection, show_source."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest
import torch

import gancourse
from gancourse.config import is_quick, scaled
from gancourse.device import get_device, is_colab
from gancourse.display import show_source
from gancourse.seeding import seed_everything


def test_public_api_is_explicit():
    assert gancourse.__version__.count(".") == 2
    for name in gancourse.__all__:
        assert hasattr(gancourse, name), name


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_quick_mode_on(monkeypatch, value):
    monkeypatch.setenv("GANCOURSE_QUICK", value)
    assert is_quick()
    assert scaled(full=5000, quick=50) == 50


@pytest.mark.parametrize("value", ["0", "", "false", "off"])
def test_full_mode(monkeypatch, value):
    monkeypatch.setenv("GANCOURSE_QUICK", value)
    assert not is_quick()
    assert scaled(full=5000, quick=50) == 5000


def test_full_mode_when_unset(monkeypatch):
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    assert scaled(full=(64, 64), quick=(8, 8)) == (64, 64)


def test_quick_mode_shrinks_work(monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    quick = scaled(full=2000, quick=20)
    monkeypatch.setenv("GANCOURSE_QUICK", "0")
    full = scaled(full=2000, quick=20)
    assert quick < full


def test_quick_mode_rejects_garbage(monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", "maybe")
    with pytest.raises(ValueError, match="GANCOURSE_QUICK"):
        is_quick()


def test_seed_everything_repeats_all_generators():
    def draw():
        return random.random(), np.random.rand(), torch.rand(3).tolist()

    rng = seed_everything(123)
    first = draw() + (rng.random(),)
    rng = seed_everything(123)
    second = draw() + (rng.random(),)
    assert first == second
    seed_everything(124)
    assert draw() != first[:3]


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises((TypeError, ValueError)):
        seed_everything(bad)


def test_get_device_order(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("gancourse.device._mps_available", lambda: False)
    assert get_device().type == "cpu"
    monkeypatch.setattr("gancourse.device._mps_available", lambda: True)
    assert get_device().type == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device().type == "cuda"


def test_get_device_prefer(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device("cpu").type == "cpu"
    with pytest.raises(RuntimeError, match="cuda"):
        get_device("cuda")


def test_is_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert not is_colab()
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert is_colab()


def test_show_source_prints_the_code(capsys):
    assert show_source(scaled) is None  # outside IPython it prints
    out = capsys.readouterr().out
    assert out.startswith("def scaled(") and "return quick if is_quick() else full" in out
