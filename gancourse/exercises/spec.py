"""What an exercise is: the function a student writes, its test cases and its reference.

An :class:`Exercise` names the function the student writes, how to call it on a test
case (``call``), how to get the right answer from the package's own implementation
(``reference``) and how many points it is worth. The same objects drive the student
self-checks (:mod:`gancourse.checks`, in the student's process) and the instructor grader
(:mod:`gancourse.grading`, where ``call`` runs in the student's kernel and the comparison
in the grader's process).

How a returned value travels (:class:`Output`, :func:`run_call`) is
:mod:`gancourse.exercises.values`; how it is judged (:func:`compare`) is
:mod:`gancourse.exercises.compare`. Both are re-exported here, so
``from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack, Output, compare``
keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gancourse.exercises.compare import CaseResult, Verdict, compare, compare_case
from gancourse.exercises.values import (
    Output,
    Unusable,
    describe,
    error_output,
    run_call,
)

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


__all__ = [
    "Case",
    "CaseResult",
    "Exercise",
    "OutSpec",
    "Output",
    "Unusable",
    "Verdict",
    "compare",
    "compare_case",
    "describe",
    "error_output",
    "run_call",
    "unpack",
]
