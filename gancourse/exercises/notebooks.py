"""Build the student notebooks ``exercises/NN_*.ipynb`` from the masters ``solutions/NN_*.ipynb``.

Our own small implementation of what nbgrader's ``ClearSolutions``, ``ClearHiddenTests``
and ``ClearOutput`` preprocessors do (nbgrader is a heavy dependency with a database and
server extensions; ``tests/test_exercises.py`` compares with it when it is installed):

- in every cell, each region between a line containing ``BEGIN SOLUTION`` and one
  containing ``END SOLUTION`` becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()``
  (``YOUR ANSWER HERE`` in Markdown), indented like the ``BEGIN`` line; a cell marked
  ``solution`` without markers becomes the stub as a whole;
- regions between ``BEGIN HIDDEN TESTS`` and ``END HIDDEN TESTS`` are removed;
- outputs and execution counts are cleared;
- the Colab badge is re-pointed at the exercise notebook.

Cell metadata follows nbgrader's format (schema version 3): the answer cell of exercise
``NN.k`` carries ``{"grade_id": "NN_<name>", "solution": true, "grade": false,
"locked": false}``; its self-check cell ``{"grade_id": "NN_<name>_check", "grade": true,
"solution": false, "locked": true, "points": P}``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from gancourse.colab import BADGE_TAG, badge_markdown, repository_url
from gancourse.exercises import lesson_exercises

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = ("YOUR ANSWER HERE",)
NBGRADER_SCHEMA_VERSION = 3
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


class ExerciseBuildError(ValueError):
    """A solutions notebook is malformed (markers, metadata or registry mismatch)."""


def _replace_regions(
    source: str, begin: str, end: str, stub: tuple[str, ...] | None, where: str
) -> tuple[str, bool]:
    lines = source.split("\n")
    out: list[str] = []
    inside = replaced = False
    for line in lines:
        if begin in line:
            if inside:
                raise ExerciseBuildError(f"{where}: nested '{begin}'")
            inside = replaced = True
            indent = re.match(r"\s*", line).group(0)  # type: ignore[union-attr]
            out.extend(indent + s for s in (stub or ()))
        elif end in line:
            if not inside:
                raise ExerciseBuildError(f"{where}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ExerciseBuildError(f"{where}: '{begin}' without '{end}'")
    return "\n".join(out), replaced


def clear_solutions(source: str, cell_type: str = "code", where: str = "cell") -> tuple[str, bool]:
    """``source`` with every solution region replaced by the stub; and whether one was found."""
    stub = CODE_STUB if cell_type == "code" else TEXT_STUB
    return _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, stub, where)


def clear_hidden_tests(source: str, where: str = "cell") -> tuple[str, bool]:
    """``source`` with every hidden-tests region removed; and whether one was found."""
    return _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, None, where)


def nbgrader_meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def validate_solution(nb, name: str) -> list[str]:
    """Problems with a solutions notebook: markers, nbgrader metadata, registry agreement."""
    problems: list[str] = []
    ids: dict[str, int] = {}
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        where = f"{name} cell {i}"
        has_marker = BEGIN_SOLUTION in cell.source
        if not meta:
            if has_marker:
                problems.append(f"{where}: has '{BEGIN_SOLUTION}' but no nbgrader metadata")
            continue
        for key, kind in (("grade_id", str), ("grade", bool), ("solution", bool), ("locked", bool)):
            if not isinstance(meta.get(key), kind):
                problems.append(f"{where}: nbgrader metadata needs {key!r} ({kind.__name__})")
        if meta.get("schema_version") != NBGRADER_SCHEMA_VERSION:
            problems.append(f"{where}: nbgrader schema_version must be {NBGRADER_SCHEMA_VERSION}")
        gid = meta.get("grade_id")
        if isinstance(gid, str):
            if not re.fullmatch(r"[A-Za-z0-9_-]+", gid):
                problems.append(f"{where}: grade_id {gid!r} must be letters, digits, _ or -")
            if gid in ids:
                problems.append(f"{where}: grade_id {gid!r} repeats cell {ids[gid]}")
            ids[gid] = i
        if meta.get("grade"):
            pts = meta.get("points")
            if isinstance(pts, bool) or not isinstance(pts, (int, float)) or pts < 0:
                problems.append(f"{where}: a graded cell needs non-negative 'points'")
        if meta.get("solution") and meta.get("locked"):
            problems.append(f"{where}: a solution cell cannot be locked")
        if meta.get("solution") and cell.cell_type == "code" and not has_marker:
            problems.append(
                f"{where}: solution cell without '{BEGIN_SOLUTION}' / '{END_SOLUTION}' markers"
            )
        if has_marker and not meta.get("solution"):
            problems.append(f"{where}: '{BEGIN_SOLUTION}' in a cell not marked solution: true")
    lesson = name[:2]
    for ex in lesson_exercises(lesson):
        if ex.grade_id not in ids:
            problems.append(
                f"{name}: exercise {ex.key} needs a solution cell with grade_id {ex.grade_id!r}"
            )
            continue
        cell = nb.cells[ids[ex.grade_id]]
        if not re.search(rf"^def {re.escape(ex.name)}\(", cell.source, flags=re.M):
            problems.append(f"{name}: cell {ex.grade_id!r} must define `def {ex.name}(`")
        if ex.check_id not in ids:
            problems.append(
                f"{name}: exercise {ex.key} needs a check cell with grade_id {ex.check_id!r}"
            )
            continue
        check = nb.cells[ids[ex.check_id]]
        if nbgrader_meta(check).get("points") != ex.points:
            problems.append(
                f"{name}: {ex.check_id!r} must carry points={ex.points} (the registry's)"
            )
        if f"check.{ex.name}({ex.name})" not in check.source:
            problems.append(f"{name}: {ex.check_id!r} must call check.{ex.name}({ex.name})")
    return problems


def build_notebook(nb, rel_path: str, repo_url: str, name: str = "notebook"):
    """The student version of solutions notebook ``nb`` (a new object; ``nb`` is untouched)."""
    out = copy.deepcopy(nb)
    for i, cell in enumerate(out.cells):
        where = f"{name} cell {i}"
        source, replaced = clear_solutions(cell.source, cell.cell_type, where)
        if (
            nbgrader_meta(cell).get("solution") and not replaced
        ):  # a whole-cell answer, as nbgrader does
            source = "\n".join(CODE_STUB if cell.cell_type == "code" else TEXT_STUB)
        source, _ = clear_hidden_tests(source, where)
        cell.source = source
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if BADGE_TAG in cell.get("metadata", {}).get("tags", []):
            cell.source = badge_markdown(repo_url, rel_path)
    out.metadata.pop("widgets", None)
    out.metadata.pop("gancourse", None)  # the solutions' run record (mode, wall time) is not theirs
    return out


def _serialise(nb) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


@dataclass
class BuildResult:
    """One exercise notebook: where it goes, its text, and whether the file on disk matches."""

    source: Path
    target: Path
    text: str
    up_to_date: bool


def plan(root: Path) -> tuple[list[BuildResult], list[str]]:
    """Build every exercise notebook in memory; return the results and the problems found."""
    root = Path(root)
    repo_url = repository_url(root / "pyproject.toml")
    results: list[BuildResult] = []
    problems: list[str] = []
    for src in sorted((root / "solutions").glob(NOTEBOOK_GLOB)):
        try:
            nb = nbformat.read(src, as_version=4)
        except Exception as exc:  # noqa: BLE001 - report, keep going
            problems.append(f"{src.name}: not a readable notebook ({exc})")
            continue
        found = validate_solution(nb, src.name)
        problems.extend(found)
        if found:
            continue
        target = root / "exercises" / src.name
        try:
            text = _serialise(build_notebook(nb, f"exercises/{src.name}", repo_url, src.name))
        except ExerciseBuildError as exc:
            problems.append(str(exc))
            continue
        current = target.read_text(encoding="utf-8") if target.exists() else None
        results.append(BuildResult(src, target, text, current == text))
    expected = {r.target.name for r in results} | {
        p.name for p in (root / "solutions").glob(NOTEBOOK_GLOB)
    }
    for extra in sorted((root / "exercises").glob(NOTEBOOK_GLOB)):
        if extra.name not in expected:
            problems.append(f"exercises/{extra.name} has no solutions/{extra.name}: delete it")
    return results, problems


def build(root: Path) -> tuple[list[BuildResult], list[str]]:
    """Write every stale exercise notebook; return what was built and the problems found."""
    results, problems = plan(root)
    for r in results:
        if not r.up_to_date:
            r.target.parent.mkdir(parents=True, exist_ok=True)
            r.target.write_text(r.text, encoding="utf-8")
    return results, problems
