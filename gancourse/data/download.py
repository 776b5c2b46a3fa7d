"""Optional online datasets (MNIST, Fashion-MNIST, CIFAR-10), for users who want them.

Nothing in the lessons or tests needs these. A download happens only when the caller
passes ``download=True``; files are cached under :func:`data_cache_dir` and checked against the
checksums their publishers give (MD5, as published by the dataset authors and used by
torchvision) before they are used, every time they are read.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import torch

ONLINE_DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist", "cifar10")

_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/"

# dataset -> [(url, file name, (algorithm, hex digest))]; training split only
FILES: dict[str, list[tuple[str, str, tuple[str, str]]]] = {
    "mnist": [
        (_MNIST_URL, "train-images-idx3-ubyte.gz", ("md5", "f68b3c2dcbeaaa9fbdd348bbdeb94873")),
        (_MNIST_URL, "train-labels-idx1-ubyte.gz", ("md5", "d53e105ee54ea40749a09fcbcd1e9432")),
    ],
    "fashion-mnist": [
        (_FASHION_URL, "train-images-idx3-ubyte.gz", ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d")),
        (_FASHION_URL, "train-labels-idx1-ubyte.gz", ("md5", "25c81989df183df01b3e8a0aad5dffbe")),
    ],
    "cifar10": [
        (_CIFAR_URL, "cifar-10-python.tar.gz", ("md5", "c58f30108f718f92721af3b95e74349a")),
    ],
}


def data_cache_dir(override: str | Path | None = None) -> Path:
    """Where downloads live: ``override``, else ``$GANCOURSE_DATA``, else ``~/.cache/gancourse``."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("GANCOURSE_DATA")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "gancourse"


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file (``algorithm``: any name ``hashlib`` knows, e.g. sha256, md5)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check(path: Path, checksum: tuple[str, str]) -> None:
    algorithm, expected = checksum
    got = file_digest(path, algorithm)
    if got != expected:
        raise OSError(
            f"{path} has {algorithm} {got}, expected {expected}: the file is corrupt or not the "
            f"published one. Delete it and load again with download=True."
        )


def fetch(name: str, *, download: bool = False, cache_dir: str | Path | None = None) -> list[Path]:
    """Paths of dataset ``name``'s files in the cache, downloading them if allowed.

    Raises ``RuntimeError`` when a file is missing and ``download`` is False (no network
    access happens then), ``OSError`` when a checksum does not match.
    """
    if name not in FILES:
        raise ValueError(f"unknown online dataset {name!r}; expected one of {ONLINE_DATASETS}")
    folder = data_cache_dir(cache_dir) / name
    paths = []
    for url, fname, checksum in FILES[name]:
        path = folder / fname
        if not path.exists():
            if not download:
                raise RuntimeError(
                    f"dataset {name!r} is not in the cache ({folder}) and needs a download: "
                    f"call load_images({name!r}, download=True). The lessons run offline with "
                    f"'art' or 'digits' instead."
                )
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=fname + ".", suffix=".part")
            try:
                with (
                    os.fdopen(fd, "wb") as out,
                    urllib.request.urlopen(url + fname, timeout=60) as resp,
                ):
                    shutil.copyfileobj(resp, out)
                _check(Path(tmp), checksum)
                os.replace(tmp, path)  # atomic: a half download never looks complete
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
        _check(path, checksum)
        paths.append(path)
    return paths


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _read_cifar(path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    with tarfile.open(path, "r:gz") as tar:
        for i in range(1, 6):
            member = tar.extractfile(f"cifar-10-batches-py/data_batch_{i}")
            batch = pickle.load(member, encoding="bytes")  # noqa: S301 (checksummed file)
            images.append(np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32))
            labels.append(np.asarray(batch[b"labels"], np.int64))
    return np.concatenate(images), np.concatenate(labels)


def load_online(
    name: str, *, download: bool = False, cache_dir: str | Path | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The training split of an online dataset at its native size: float32 (N, C, H, W) in
    [-1, 1] and int64 labels. See :func:`fetch` for when it downloads."""
    paths = fetch(name, download=download, cache_dir=cache_dir)
    if name == "cifar10":
        images, labels = _read_cifar(paths[0])
    else:
        images, labels = _read_idx(paths[0])[:, None], _read_idx(paths[1]).astype(np.int64)
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0)
    return x, torch.from_numpy(np.ascontiguousarray(labels))
