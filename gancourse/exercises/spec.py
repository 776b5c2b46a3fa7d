"""What an exercise is, and how a returned value is compared with the reference.

An :class:`Exercise` names the function the student writes, how to call it on a test
case (``call``), how to get the right answer from the package's own implementation
(``reference``) and how many points it is worth. The same objects drive the student
self-checks (:mod:`gancourse.checks`, in the student's process) and the instructor grader
(:mod:`gancourse.grading`, where ``call`` runs in the student's kernel and the comparison
in the grader's process).

Values cross the kernel boundary as :class:`Output` records: plain NumPy arrays and
strings, written with ``np.savez`` and read back with ``allow_pickle=False``, so a
submission can never make the grader run its code.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])

Case = dict[str, np.ndarray]
"""One test case: input name -> NumPy array (scalars are 0-d arrays)."""


@dataclass(frozen=True)
class OutSpec:
    """How one returned value is judged.

    ``kind``: ``"tensor"`` (must be a ``torch.Tensor``), ``"array"`` (NumPy array or
    tensor), ``"number"`` (a scalar: Python/NumPy number or 0-d array/tensor) or
    ``"any"``. ``dtype``: when set, the exact dtype name required (e.g. ``"float32"``).
    ``rtol``/``atol``: value tolerances (``np.isclose``); integers and bools compare exactly.
    """

    kind: str = "any"
    dtype: str | None = None
    rtol: float = 1e-5
    atol: float = 1e-6
    label: str = ""


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: the function ``name`` the student writes in lesson ``lesson``.

    ``make_cases(rng)`` -> list of test cases (fresh inputs for each check/grading run);
    ``call(fn, case)`` -> dict of raw results of the student's ``fn`` on ``case``;
    ``reference(case)`` -> the same dict computed with the package's implementation
    (``reference_api`` names it); ``outputs`` says how each result is compared.
    """

    name: str
    lesson: str
    number: int
    title: str
    points: int
    make_cases: Callable[[np.random.Generator], list[Case]]
    call: Callable[[Callable, Case], dict[str, Any]]
    reference: Callable[[Case], dict[str, Any]]
    outputs: dict[str, OutSpec]
    reference_api: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    hint: str = ""

    @property
    def key(self) -> str:
        """``"NN.k"``: the exercise number shown in the notebook, e.g. ``"01.2"``."""
        return f"{self.lesson}.{self.number}"

    @property
    def grade_id(self) -> str:
        """The nbgrader ``grade_id`` of the solution cell, e.g. ``"01_d_star"``."""
        return f"{self.lesson}_{self.name}"

    @property
    def check_id(self) -> str:
        """The nbgrader ``grade_id`` of the (locked, graded) self-check cell."""
        return f"{self.grade_id}_check"


def unpack(result: Any, names: tuple[str, ...], expected: str = "") -> dict[str, Any]:
    """A student's tuple result as {name: value}; TypeError unless it has len(names) items."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        what = expected or ("a pair " if len(names) == 2 else "") + f"({', '.join(names)})"
        raise TypeError(f"expected {what}, got {type(result).__name__}")
    return dict(zip(names, result))


# --------------------------------------------------------------------------- results


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
    import sys

    return sys.modules.get("torch")


# --------------------------------------------------------------------------- comparison


@dataclass
class Verdict:
    """The outcome of comparing one output of one case: ``ok`` and, if not, why."""

    ok: bool
    problem: str = (
        ""  # "notimplemented", "error", "none", "type", "shape", "dtype", "device", "nan", "values"
    )
    message: str = ""


@dataclass
class CaseResult:
    """All outputs of one case compared; ``message`` is the first problem found."""

    ok: bool
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    @property
    def first_problem(self) -> Verdict | None:
        return next((v for v in self.verdicts.values() if not v.ok), None)


def _fmt(x: float) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.6g}"


def _index(idx: tuple[int, ...]) -> str:
    return "" if not idx else "[" + ", ".join(map(str, idx)) + "]"


def compare(name: str, expected: Output, got: Output, spec: OutSpec) -> Verdict:
    """Compare a student's ``got`` with the reference's ``expected`` for output ``name``."""
    label = spec.label or name
    if got.kind == "notimplemented":
        return Verdict(
            False,
            "notimplemented",
            "not implemented yet: replace `raise NotImplementedError()` with your code",
        )
    if got.kind == "error":
        return Verdict(False, "error", f"raised {got.message}")
    if expected.kind in (
        "error",
        "notimplemented",
        "other",
        "none",
    ):  # pragma: no cover - reference bug
        return Verdict(
            False, "error", f"the reference could not compute {label}: {expected.message}"
        )
    if got.kind == "none":
        return Verdict(False, "none", f"{label}: returned None; did you forget `return`?")
    if got.kind == "other" or got.value is None:
        return Verdict(
            False, "type", f"{label}: expected numbers, got {got.message or got.type_name}"
        )
    if spec.kind == "tensor" and got.kind != "tensor":
        return Verdict(
            False,
            "type",
            f"{label}: expected a torch.Tensor, got {got.type_name}; "
            "stay in torch so autograd can follow",
        )
    if spec.kind == "number" and got.shape not in ((), (1,)):
        return Verdict(
            False, "shape", f"{label}: expected a single number, got an array of shape {got.shape}"
        )
    exp_shape = expected.shape if spec.kind != "number" else ()
    got_shape = got.shape if spec.kind != "number" else ()
    if tuple(exp_shape) != tuple(got_shape):
        return Verdict(
            False,
            "shape",
            f"{label}: wrong shape: expected {tuple(exp_shape)}, got {tuple(got_shape)}",
        )
    if spec.dtype and got.dtype != spec.dtype:
        return Verdict(
            False, "dtype", f"{label}: wrong dtype: expected {spec.dtype}, got {got.dtype}"
        )
    if expected.kind == "tensor" and got.kind == "tensor" and expected.device != got.device:
        return Verdict(
            False, "device", f"{label}: wrong device: expected {expected.device}, got {got.device}"
        )
    exp = np.asarray(expected.value).reshape(exp_shape)
    val = np.asarray(got.value).reshape(got_shape)
    if val.dtype.kind == "f":
        bad = np.isnan(val) & ~np.isnan(exp.astype(np.float64))
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
            return Verdict(
                False,
                "nan",
                f"{label}: NaN at {int(bad.sum())} of {bad.size} positions "
                f"(first at {_index(idx) or 'the value'}; expected {_fmt(exp[idx])})",
            )
    if exp.dtype.kind in "biu" and val.dtype.kind in "biu":
        close = exp == val
    else:
        e, v = exp.astype(np.float64), val.astype(np.float64)
        with np.errstate(invalid="ignore"):
            close = np.isclose(v, e, rtol=spec.rtol, atol=spec.atol, equal_nan=True)
    if np.all(close):
        return Verdict(True)
    wrong = ~np.asarray(close)
    e, v = exp.astype(np.float64), val.astype(np.float64)
    with np.errstate(invalid="ignore"):
        diff = np.where(wrong, np.abs(v - e), -1.0)
    diff = np.where(np.isnan(diff), np.inf, diff)
    idx = (
        tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        if diff.ndim
        else ()
    )
    if exp.ndim == 0:
        return Verdict(
            False,
            "values",
            f"{label}: wrong value: expected {_fmt(exp[()])}, got {_fmt(val[()])} "
            f"(off by {_fmt(abs(float(v[()]) - float(e[()])))})",
        )
    return Verdict(
        False,
        "values",
        f"{label}: wrong values at {int(wrong.sum())} of {wrong.size} positions; "
        f"largest difference {_fmt(diff[idx])} at index {_index(idx)}: "
        f"expected {_fmt(exp[idx])}, got {_fmt(val[idx])}",
    )


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


def compare_case(ex: Exercise, expected: dict[str, Output], got: dict[str, Output]) -> CaseResult:
    """Compare all outputs of one case."""
    verdicts = {
        n: compare(n, expected[n], got.get(n, Output(kind="none")), spec)
        for n, spec in ex.outputs.items()
    }
    return CaseResult(all(v.ok for v in verdicts.values()), verdicts)

