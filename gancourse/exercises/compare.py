"""How a returned value is judged: a student's :class:`Output` against the reference's.

:func:`compare` checks one output (what kind of value, shape, dtype, device, NaN, then the
values within the :class:`~gancourse.exercises.spec.OutSpec` tolerances) and says what
is wrong in one sentence; :func:`compare_case` does every output of one test case. Both
run where the verdict is made: the student's process for the self-checks, the grader's
process when grading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gancourse.exercises.values import Output

if TYPE_CHECKING:  # (spec imports this module: no import cycle at run time)
    from gancourse.exercises.spec import Exercise, OutSpec


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


def _what_problem(label: str, expected: Output, got: Output) -> Verdict | None:
    """What came back instead of numbers (not implemented, an exception, None, not numbers)."""
    if got.kind == "notimplemented":
        return Verdict(
            False,
            "notimplemented",
            "not implemented yet: replace `raise NotImplementedError()` with your code",
        )
    if got.kind == "error":
        return Verdict(False, "error", f"raised {got.message}")
    if expected.kind in ("error", "notimplemented", "other", "none"):  # pragma: no cover
        return Verdict(
            False, "error", f"the reference could not compute {label}: {expected.message}"
        )
    if got.kind == "none":
        return Verdict(False, "none", f"{label}: returned None; did you forget `return`?")
    if got.kind == "other" or got.value is None:
        return Verdict(
            False, "type", f"{label}: expected numbers, got {got.message or got.type_name}"
        )
    return None


def _form_problem(label: str, expected: Output, got: Output, spec: OutSpec) -> Verdict | None:
    """Numbers of the wrong form: not a tensor, wrong shape, dtype or device."""
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
    return None


def _value_problem(label: str, exp: np.ndarray, val: np.ndarray, spec: OutSpec) -> Verdict:
    """Arrays of the same shape: NaN where the reference has none, or values off."""
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
    e, v = exp.astype(np.float64), val.astype(np.float64)
    if exp.dtype.kind in "biu" and val.dtype.kind in "biu":
        close = exp == val
    else:
        with np.errstate(invalid="ignore"):
            close = np.isclose(v, e, rtol=spec.rtol, atol=spec.atol, equal_nan=True)
    if np.all(close):
        return Verdict(True)
    wrong = ~np.asarray(close)
    with np.errstate(invalid="ignore"):
        diff = np.where(wrong, np.abs(v - e), -1.0)
    diff = np.where(np.isnan(diff), np.inf, diff)
    if exp.ndim == 0:
        return Verdict(
            False,
            "values",
            f"{label}: wrong value: expected {_fmt(exp[()])}, got {_fmt(val[()])} "
            f"(off by {_fmt(abs(float(v[()]) - float(e[()])))})",
        )
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    return Verdict(
        False,
        "values",
        f"{label}: wrong values at {int(wrong.sum())} of {wrong.size} positions; "
        f"largest difference {_fmt(diff[idx])} at index {_index(idx)}: "
        f"expected {_fmt(exp[idx])}, got {_fmt(val[idx])}",
    )


def compare(name: str, expected: Output, got: Output, spec: OutSpec) -> Verdict:
    """Compare a student's ``got`` with the reference's ``expected`` for output ``name``."""
    label = spec.label or name
    problem = _what_problem(label, expected, got) or _form_problem(label, expected, got, spec)
    if problem is not None:
        return problem
    exp_shape = expected.shape if spec.kind != "number" else ()
    got_shape = got.shape if spec.kind != "number" else ()
    exp = np.asarray(expected.value).reshape(exp_shape)
    val = np.asarray(got.value).reshape(got_shape)
    return _value_problem(label, exp, val, spec)


def compare_case(ex: Exercise, expected: dict[str, Output], got: dict[str, Output]) -> CaseResult:
    """Compare all outputs of one case."""
    verdicts = {
        n: compare(n, expected[n], got.get(n, Output(kind="none")), spec)
        for n, spec in ex.outputs.items()
    }
    return CaseResult(all(v.ok for v in verdicts.values()), verdicts)
