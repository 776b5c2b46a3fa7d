"""Helpers for the grader tests: build submissions from the solution notebooks, read results."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))


def hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def solution(lesson: str):
    """The solutions notebook of ``lesson`` ("01" ... "06")."""
    return nbformat.read(next(p for p in SOLUTIONS if p.name.startswith(lesson)), as_version=4)


def replace(nb, grade_id: str, source: str):
    """Replace the source of the cell with nbgrader ``grade_id`` (the student's answer)."""
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return nb
    raise KeyError(grade_id)


def insert_after(nb, grade_id: str, source: str):
    """Insert a code cell after the cell with nbgrader ``grade_id``."""
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source))
            return nb
    raise KeyError(grade_id)


def insert_after_imports(nb, source: str):
    """Insert a code cell right after the cell that imports the checks."""
    at = next(i for i, c in enumerate(nb.cells) if "from gancourse.checks import check" in c.source)
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source))
    return nb


def write(nb, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def rows(run) -> dict[tuple[str, str], tuple[float, str]]:
    """(student, exercise name) -> (points, reason) of a grading run."""
    return {
        (rep.student, g.exercise.name): (g.points, g.reason)
        for rep in run.students
        for g in rep.grades
    }
