"""Student self-checks: ``check.<exercise>(your_function)`` right after each exercise.

>>> from gancourse.checks import check
>>> check.d_star(d_star)          # doctest: +SKIP
✓ d_star is correct on 4 fresh test inputs. Well done!

Each check runs your function on fresh random inputs (and a few edge cases), runs the
package's reference implementation on the same inputs, and says exactly what differs:
not implemented yet, an exception (with the line it came from), ``None`` returned, wrong
type, wrong shape (expected vs got), wrong dtype or device, NaN, or wrong values (how many,
where, and by how much). A failing check raises :class:`CheckFailed` (an
``AssertionError``, so nbgrader counts it as a failed test); ``run_check`` returns the
result without raising.

These checks help you while you work. Grades come from the instructor's grader, which
runs your functions on its own inputs in a separate process, so changing the checks in
your notebook changes nothing there.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gancourse.exercises import all_exercises, get_exercise
from gancourse.exercises.spec import CaseResult, Exercise, compare_case, run_call

ENCOURAGEMENT = (
    "Well done!",
    "Nice work!",
    "Exactly right.",
    "That's it!",
    "Great, on to the next one.",
)


class CheckFailed(AssertionError):
    """Raised by ``check.<exercise>(fn)`` when ``fn`` is not right yet; the message says why."""


@dataclass
class CheckResult:
    """What :func:`run_check` found: ``passed``, the number of ``cases`` and the ``message``."""

    exercise: str
    passed: bool
    cases: int
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message


def _describe_case(case: dict) -> str:
    parts = []
    for k, v in case.items():
        a = np.asarray(v)
        parts.append(f"{k}={a.item():.4g}" if a.ndim == 0 else f"{k} of shape {a.shape}")
    return ", ".join(parts) if parts else "no inputs"


def run_check(exercise: str | Exercise, fn: Callable, *, seed: int | None = None) -> CheckResult:
    """Run the check of ``exercise`` on ``fn`` and return a :class:`CheckResult` (never raises
    for a wrong answer). ``seed`` fixes the random inputs (default: fresh ones every call)."""
    ex = exercise if isinstance(exercise, Exercise) else get_exercise(exercise)
    if not callable(fn):
        return CheckResult(
            ex.name,
            False,
            0,
            f"✗ {ex.name}: expected your function, got {type(fn).__name__}; "
            f"call it as check.{ex.name}({ex.name})",
        )
    rng = np.random.default_rng(random.SystemRandom().randrange(2**32) if seed is None else seed)
    cases = ex.make_cases(rng)
    names = list(ex.outputs)
    for i, case in enumerate(cases, 1):
        expected = run_call(lambda: ex.reference(case), names)  # noqa: B023 - called right away
        got = run_call(lambda: ex.call(fn, case), names)  # noqa: B023
        result: CaseResult = compare_case(ex, expected, got)
        if not result.ok:
            problem = result.first_problem
            assert problem is not None
            if problem.problem == "notimplemented":
                return CheckResult(
                    ex.name,
                    False,
                    len(cases),
                    f"✗ {ex.name} is not implemented yet: replace `raise NotImplementedError()` "
                    "with your code.",
                )
            return CheckResult(
                ex.name,
                False,
                len(cases),
                f"✗ {ex.name}: {problem.message}\n  (test {i} of {len(cases)}: "
                f"{_describe_case(case)})" + (f"\n  Hint: {ex.hint}" if ex.hint else ""),
            )
    cheer = ENCOURAGEMENT[hash(ex.name) % len(ENCOURAGEMENT)]
    return CheckResult(
        ex.name,
        True,
        len(cases),
        f"✓ {ex.name} is correct on {len(cases)} fresh test input{'s' * (len(cases) > 1)}. {cheer}",
    )


class _Checks:
    """``check.<exercise>(fn)``: one attribute per exercise, generated from the registry."""

    def __getattr__(self, name: str) -> Callable[[Callable], None]:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            ex = get_exercise(name)
        except KeyError as err:
            raise AttributeError(str(err)) from None

        def checker(fn: Callable, *, seed: int | None = None) -> None:
            result = run_check(ex, fn, seed=seed)
            if not result.passed:
                raise CheckFailed(result.message)
            print(result.message)

        checker.__name__ = name
        checker.__doc__ = (
            f"Check your `{ex.name}` (exercise {ex.key}: {ex.title}); raises CheckFailed if wrong."
        )
        return checker

    def __dir__(self) -> list[str]:
        return [ex.name for ex in all_exercises()]


check = _Checks()
"""The self-checks: ``check.d_star(d_star)``, ``check.slerp(slerp)``, ... (see ``dir(check)``)."""

__all__ = ["CheckFailed", "CheckResult", "check", "run_check"]
