"""load_images: the offline datasets, clear errors, and online datasets that never download
unless asked (checked here without any network access)."""

from __future__ import annotations

import gzip
import hashlib
import urllib.request

import numpy as np
import pytest
import torch

import gancourse.data as data
from gancourse.data import ART_STYLES, class_names, load_images, num_channels
from gancourse.data import download as dl


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_package_exports():
    for name in ("load_images", "ART_STYLES", "class_names", "num_channels", "generate_art"):
        assert hasattr(data, name), name


@pytest.mark.parametrize("size", [16, 32, 64])
def test_art(size):
    x, y = load_images("art", size=size, n=30, seed=2)
    assert x.shape == (30, 3, size, size) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and set(y.tolist()) == set(range(6))
    assert -1.0 <= x.min() < -0.5 and 0.5 < x.max() <= 1.0
    x2, y2 = load_images("art", size=size, n=30, seed=2)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert class_names("art") == ART_STYLES and num_channels("art") == 3


def test_art_default_n_is_balanced():
    x, y = load_images("art", size=8)
    assert len(x) == 12_000
    assert torch.bincount(y).tolist() == [2000] * 6


@pytest.mark.slow  # importing scikit-learn takes seconds on a busy machine
def test_digits_native_size_matches_scikit_learn():
    from sklearn.datasets import load_digits

    x, y = load_images("digits", size=8, seed=0)
    assert x.shape == (1797, 1, 8, 8) and y.shape == (1797,)
    assert x.min() == -1.0 and x.max() == 1.0
    bunch = load_digits()
    # seeded order: find the permutation through the labels and one image
    ref = torch.from_numpy(bunch.images.astype(np.float32) / 8.0 - 1.0)
    order = np.random.default_rng(0).permutation(1797)
    assert torch.allclose(x[:, 0], ref[order])
    assert torch.equal(y, torch.from_numpy(bunch.target[order]).long())


@pytest.mark.parametrize("size", [16, 32])
def test_digits_resized(size):
    x, y = load_images("digits", size=size, n=50, seed=1)
    assert x.shape == (50, 1, size, size) and x.dtype == torch.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert y.dtype == torch.int64 and 0 <= y.min() and y.max() <= 9
    small, _ = load_images("digits", size=8, n=50, seed=1)
    # shrinking the resized images back gives roughly the originals
    back = torch.nn.functional.avg_pool2d(x, size // 8)
    assert (back - small).abs().mean() < 0.15
    assert class_names("digits") == tuple("0123456789") and num_channels("digits") == 1


def test_digits_seeds_give_other_subsets():
    _, y1 = load_images("digits", n=100, seed=0)
    _, y2 = load_images("digits", n=100, seed=1)
    assert not torch.equal(y1, y2)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="art, digits") as err:
        load_images("celeba")
    assert "mnist" in str(err.value)
    with pytest.raises(ValueError, match="unknown dataset"):
        class_names("celeba")


@pytest.mark.parametrize("size", [28, 0, 128, 32.0, True])
def test_unknown_size_lists_the_valid_ones(size):
    with pytest.raises(ValueError, match=r"\(8, 16, 32, 64\)"):
        load_images("art", size=size)


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_bad_n(n):
    with pytest.raises(ValueError, match="n must be"):
        load_images("digits", n=n)


def test_too_many_digits():
    with pytest.raises(ValueError, match="1797"):
        load_images("digits", n=5000)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "cifar10"])
def test_online_datasets_refuse_without_download(name, tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        load_images(name, cache_dir=tmp_path)
    assert not any(tmp_path.iterdir())  # nothing was written either


def _idx_gz(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _fake_mnist(monkeypatch, tmp_path, corrupt: bool = False):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28))
    labels = np.array([3, 1, 4, 1, 5])
    folder = tmp_path / "mnist"
    folder.mkdir()
    files = []
    for fname, arr in (("img.gz", images), ("lab.gz", labels)):
        _idx_gz(folder / fname, arr)
        digest = hashlib.sha256((folder / fname).read_bytes()).hexdigest()
        files.append(("https://example.invalid/", fname, ("sha256", digest)))
    if corrupt:
        (folder / "lab.gz").write_bytes(b"not the file")
    monkeypatch.setitem(dl.FILES, "mnist", files)
    return images, labels


def test_cached_online_dataset_is_checked_and_parsed(monkeypatch, tmp_path):
    images, labels = _fake_mnist(monkeypatch, tmp_path)
    x, y = load_images("mnist", size=32, seed=0, cache_dir=tmp_path)
    assert x.shape == (5, 1, 32, 32) and y.dtype == torch.int64
    assert sorted(y.tolist()) == sorted(labels.tolist())
    x28, y28 = dl.load_online("mnist", cache_dir=tmp_path)
    assert torch.allclose(x28[:, 0], torch.from_numpy(images / 127.5 - 1.0).float(), atol=1e-6)
    assert y28.tolist() == labels.tolist()


def test_corrupt_cache_is_refused(monkeypatch, tmp_path):
    _fake_mnist(monkeypatch, tmp_path, corrupt=True)
    with pytest.raises(OSError, match="sha256"):
        load_images("mnist", cache_dir=tmp_path)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GANCOURSE_DATA", str(tmp_path / "x"))
    assert dl.data_cache_dir() == tmp_path / "x"
    assert dl.data_cache_dir(tmp_path / "y") == tmp_path / "y"
