"""Checkpoint files: written atomically, read back with clear errors.

Two kinds of file, both plain ``torch.save`` dictionaries readable with ``weights_only=True``:

- a *training checkpoint* (``kind="train"``) holds everything :func:`gancourse.train.train_gan`
  needs to resume exactly: both models, both optimizers, RNG states, the position in the
  data, the fixed noise and the history;
- a *generator file* (``kind="generator"``) holds only a generator's weights and its
  constructor arguments (what :mod:`gancourse.pretrained` ships).

Writes go to a temporary file in the same folder, then ``os.replace`` swaps it in, so a
crash or Ctrl-C during the write never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import torch

from gancourse.models import Generator

FORMAT = "gancourse-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable, or not the kind of file that was expected."""


def save_atomic(
    obj: Any, path: str | os.PathLike, write: Callable[[Any, IO[bytes]], None] | None = None
) -> Path:
    """``write(obj, file)`` (default ``torch.save``) to ``path`` via a temp file +
    ``os.replace`` (atomic): a crash or Ctrl-C never leaves a half-written ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            (write or torch.save)(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a checkpoint is an ordinary file
        os.replace(tmp, path)
    except BaseException:  # includes KeyboardInterrupt: never leave the temp file behind
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path: str | os.PathLike, kind: str | None = None) -> dict[str, Any]:
    """Read a gancourse checkpoint file (on the CPU) and check it is the expected ``kind``.

    Raises :class:`CheckpointError` (a ``ValueError``) naming the file and what is wrong
    when it does not exist, is truncated or corrupted, was not written by gancourse, or is
    of another kind (``"train"`` vs ``"generator"``).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist (or is not a file)")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # zipfile / pickle / EOF errors all mean the same to the user
        raise CheckpointError(
            f"checkpoint {str(path)!r} cannot be read: the file is truncated or corrupted, or is "
            f"not a torch.save file ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}). "
            "Delete it and train again, or point to an intact checkpoint."
        ) from exc
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise CheckpointError(
            f"{str(path)!r} is a torch file but not a gancourse checkpoint "
            f"(expected a dict with format={FORMAT!r}); was it written by another program?"
        )
    if obj.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {str(path)!r} has format version {obj.get('version')!r}; "
            f"this gancourse reads version {VERSION}"
        )
    if kind is not None and obj.get("kind") != kind:
        raise CheckpointError(
            f"checkpoint {str(path)!r} is a {obj.get('kind')!r} file, expected a {kind!r} file"
        )
    return obj


# keys a generator's config has only for some kinds (lesson 08): the class that takes them
# (InfoGenerator is a ConditionalGenerator whose classes are its code's values: n_cat first)
_KINDS = {"n_cat": "InfoGenerator", "n_classes": "ConditionalGenerator"}


def generator_config(generator: Generator) -> dict[str, int | str]:
    """The constructor arguments that rebuild ``generator``'s architecture."""
    keys = ("z_dim", "width", "image_size", "channels", "upsample", "n_classes", "n_cat", "n_cont")
    config = {k: getattr(generator, k) for k in keys if hasattr(generator, k)}
    if "n_cat" in config:  # an InfoGenerator: its classes are the code's n_cat values
        config.pop("n_classes", None)
    return config


def _generator_class(config: dict[str, Any]) -> type[Generator]:
    """Generator, or the conditional kind whose extra argument the config holds."""
    for key, name in _KINDS.items():
        if key in config:
            from gancourse import conditional

            return getattr(conditional, name)
    return Generator


def save_generator_file(
    generator: Generator, path: str | os.PathLike, info: dict[str, Any] | None = None
) -> Path:
    """Write only ``generator``'s weights + config (+ ``info``: strings/numbers) atomically."""
    state = {k: v.detach().to("cpu").clone() for k, v in generator.state_dict().items()}
    obj = {
        "format": FORMAT,
        "version": VERSION,
        "kind": "generator",
        "config": generator_config(generator),
        "state_dict": state,
        "info": dict(info or {}),
    }
    return save_atomic(obj, path)


def load_generator_file(
    path: str | os.PathLike, device: torch.device | str = "cpu"
) -> tuple[Generator, dict[str, Any]]:
    """Rebuild a generator from a generator file (or a training checkpoint).

    Returns ``(generator in eval mode on device, info dict)``.
    """
    obj = load_checkpoint(path)
    if obj.get("kind") == "train":
        config, state, info = obj["config"]["generator"], obj["generator"], {"step": obj["step"]}
    elif obj.get("kind") == "generator":
        config, state, info = obj["config"], obj["state_dict"], obj.get("info", {})
    else:
        raise CheckpointError(f"{str(path)!r} holds no generator (kind={obj.get('kind')!r})")
    generator = _generator_class(config)(**config)
    try:
        generator.load_state_dict(state)
    except RuntimeError as exc:
        raise CheckpointError(
            f"weights in {str(path)!r} do not fit {type(generator).__name__}({config}): "
            f"{str(exc)[:300]}"
        ) from exc
    info = {**info, "config": dict(config)}
    return generator.to(device).eval(), info
