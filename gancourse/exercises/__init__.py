"""The course's exercises: one registry shared by the notebooks, the self-checks and the grader.

``solutions/NN_*.ipynb`` are the masters (nbgrader-style markers and cell metadata);
``python -m gancourse exercises build`` writes ``exercises/`` from them and
``python -m gancourse exercises check`` fails when that copy is stale
(:mod:`gancourse.exercises.notebooks`). Each exercise is an
:class:`~gancourse.exercises.spec.Exercise` whose reference answer is computed by the
package's own implementation (``reference_api``), never stored numbers.
"""

from __future__ import annotations

from gancourse.exercises.spec import Exercise

_LESSON_MODULES = (
    "lesson01",
    "lesson02",
    "lesson03",
    "lesson04",
    "lesson05",
    "lesson06",
    "lesson07",
    "lesson08",
    "lesson09",
    "lesson10",
    "lesson11",
)


def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise of the course, in lesson order (imports each lesson's module)."""
    import importlib

    found: list[Exercise] = []
    for mod in _LESSON_MODULES:
        found.extend(importlib.import_module(f"gancourse.exercises.{mod}").EXERCISES)
    return tuple(found)


def get_exercise(name: str) -> Exercise:
    """The exercise whose function is called ``name`` (also accepts its grade_id or key)."""
    for ex in all_exercises():
        if name in (ex.name, ex.grade_id, ex.key):
            return ex
    known = ", ".join(ex.name for ex in all_exercises())
    raise KeyError(f"no exercise called {name!r}; known: {known}")


def lesson_exercises(lesson: str) -> tuple[Exercise, ...]:
    """The exercises of lesson ``"NN"``."""
    return tuple(ex for ex in all_exercises() if ex.lesson == lesson)


__all__ = ["Exercise", "all_exercises", "get_exercise", "lesson_exercises"]
