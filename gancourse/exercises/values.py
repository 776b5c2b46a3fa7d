"""How a returned value travels: reduced to an :class:`Output` of plain data.

The student's function and the reference run through :func:`run_call`, which turns
whatever they return (or raise) into :class:`Output` records: plain NumPy arrays and
strings that cross the kernel boundary as ``.npz`` files read back with
``allow_pickle=False`` (:mod:`gancourse.grading.transport`), so a submission can never
make the grader run its code. Comparing two Outputs is :mod:`gancourse.exercises.compare`.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


class Unusable:
    """What an adapter reports instead of a value it could not get, with the ``reason`` why."""

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Output:
    """A returned value reduced to plain data (what crosses from the kernel to the grader).

    ``kind``: ``tensor``, ``ndarray``, ``number``, ``bool``, ``none``, ``other`` (not
    numeric) or ``error`` (the call raised; ``message`` says what). ``value`` is a plain
    float64/int64/bool NumPy array (``None`` unless numeric).
    """

    kind: str
    type_name: str = ""
    dtype: str = ""
    device: str = ""
    shape: tuple[int, ...] = ()
    value: np.ndarray | None = None
    message: str = ""
    requires_grad: bool = False

    @property
    def is_numeric(self) -> bool:
        return self.value is not None and self.kind in ("tensor", "ndarray", "number", "bool")


def error_output(exc: BaseException) -> Output:
    """The Output of a call that raised ``exc``: its type, message and the line it came from."""
    kind = "notimplemented" if isinstance(exc, NotImplementedError) else "error"
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    # the deepest frame in the student's own code, not in a library or the course's adapters
    own = [
        f for f in frames if "site-packages" not in f.filename and _PACKAGE_DIR not in f.filename
    ]
    if own or frames:
        last = (own or frames)[-1]
        where = f" (line {last.lineno}: {(last.line or '').strip()[:120]})"
    message = f"{type(exc).__name__}: {str(exc)[:500]}{where}"
    return Output(kind=kind, type_name=type(exc).__name__, message=message)


def _plain(arr: np.ndarray) -> np.ndarray:
    """A plain (not subclassed) numeric array: bool, int64 or float64."""
    arr = (
        np.array(arr, copy=True).view(np.ndarray) if isinstance(arr, np.ndarray) else np.array(arr)
    )
    if arr.dtype.kind == "b":
        return arr.astype(bool)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        return arr.astype(np.float64)
    if arr.dtype.kind == "c":
        raise TypeError("complex values")
    return arr.astype(np.float64)  # raises for strings / objects


def describe(value: Any) -> Output:
    """Reduce whatever a function returned to an :class:`Output` (never raises)."""
    try:
        return _describe(value)
    except BaseException as exc:  # noqa: BLE001 - a hostile __array__ must not escape
        return Output(
            kind="other",
            type_name=type(value).__name__,
            message=f"could not read the value: {exc!r}"[:300],
        )


def _describe(value: Any) -> Output:
    if value is None:
        return Output(kind="none", type_name="NoneType")
    torch = _torch()
    if torch is not None and isinstance(value, torch.Tensor):
        t = value.detach()
        dtype = str(t.dtype).replace("torch.", "")
        if t.is_complex():
            return Output(kind="other", type_name="Tensor", dtype=dtype, message="complex tensor")
        arr = t.to("cpu").to(torch.float64 if t.is_floating_point() else t.dtype).numpy()
        return Output(
            kind="tensor",
            type_name="Tensor",
            dtype=dtype,
            device=str(t.device),
            shape=tuple(int(s) for s in t.shape),
            value=_plain(arr),
            requires_grad=bool(value.requires_grad),
        )
    if isinstance(value, (bool, np.bool_)):
        return Output(
            kind="bool", type_name=type(value).__name__, dtype="bool", value=np.array(bool(value))
        )
    if isinstance(value, (int, float, np.integer, np.floating)):
        arr = _plain(np.asarray(value))
        dtype = (
            np.asarray(value).dtype.name if isinstance(value, np.generic) else type(value).__name__
        )
        return Output(kind="number", type_name=type(value).__name__, dtype=dtype, value=arr)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return Output(
                kind="other",
                type_name="ndarray",
                dtype=value.dtype.name,
                shape=value.shape,
                message=f"an array of dtype {value.dtype.name}, not of numbers",
            )
        return Output(
            kind="ndarray",
            type_name="ndarray",
            dtype=value.dtype.name,
            device="cpu",
            shape=tuple(int(s) for s in value.shape),
            value=_plain(value),
        )
    if type(value) is Unusable:  # an adapter's explanation (e.g. "not differentiable")
        return Output(kind="other", type_name="Unusable", message=value.reason)
    return Output(kind="other", type_name=type(value).__name__, message=f"a {type(value).__name__}")


def _torch():
    return sys.modules.get("torch")


def run_call(
    call: Callable[[], dict[str, Any]], names: tuple[str, ...] | list[str]
) -> dict[str, Output]:
    """Run ``call()`` and describe every named output; an exception becomes an error Output."""
    try:
        raw = call()
    except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything
        if isinstance(exc, KeyboardInterrupt):
            raise
        out = error_output(exc)
        return {n: out for n in names}
    if not isinstance(raw, dict):  # pragma: no cover - adapters always return dicts
        return {
            n: Output(kind="other", message=f"adapter returned {type(raw).__name__}") for n in names
        }
    return {n: describe(raw.get(n)) for n in names}
