"""exercises/ is built from solutions/ (nbgrader-style) and kept in sync; the registry is sound."""

from __future__ import annotations

import importlib
import re
import shutil
from pathlib import Path

import jsonschema
import nbformat
import pytest

from gancourse.cli import main as cli_main
from gancourse.exercises import all_exercises, get_exercise, lesson_exercises
from gancourse.exercises.notebooks import (
    ExerciseBuildError,
    build,
    build_notebook,
    clear_hidden_tests,
    clear_solutions,
    plan,
    validate_solution,
)

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
REPO_URL = "https://github.com/me/course"

# nbgrader's documented cell-metadata schema, version 3 (nbgrader/nbgraderformat/v3.json)
NBGRADER_V3_SCHEMA = {
    "type": "object",
    "properties": {
        "schema_version": {"type": "integer", "minimum": 3, "maximum": 3},
        "grade": {"type": "boolean"},
        "locked": {"type": "boolean"},
        "solution": {"type": "boolean"},
        "task": {"type": "boolean"},
        "grade_id": {"type": "string", "pattern": "^[a-zA-Z0-9_\\-]*$"},
        "points": {"type": "number", "minimum": 0},
        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
        "cell_type": {"type": "string", "enum": ["raw", "code", "markdown"]},
    },
    "required": ["schema_version", "grade", "locked", "solution"],
    "additionalProperties": False,
}


def _tiny_solution_nb():
    code = (
        'def f(x):\n    """Doc."""\n'
        "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    )
    cell = nbformat.v4.new_code_cell(
        code,
        metadata={
            "nbgrader": {
                "grade": False,
                "grade_id": "f",
                "locked": False,
                "schema_version": 3,
                "solution": True,
            }
        },
    )
    cell.outputs = [nbformat.v4.new_output("stream", text="hi")]
    cell.execution_count = 3
    test = nbformat.v4.new_code_cell(
        "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS"
    )
    return nbformat.v4.new_notebook(cells=[cell, test])


def test_lessons_have_enough_exercises():
    counts = {
        lesson: len(lesson_exercises(lesson)) for lesson in ("01", "02", "03", "04", "05", "06")
    }
    assert all(counts[lesson] >= 3 for lesson in ("01", "02", "03", "04", "05")), counts
    assert counts["06"] >= 2
    names = [ex.name for ex in all_exercises()]
    assert len(names) == len(set(names)), "exercise function names must be unique course-wide"
    assert get_exercise("01.1").name == "optimal_ls_discriminator"
    assert get_exercise("01_optimal_ls_discriminator").key == "01.1"
    with pytest.raises(KeyError, match="known"):
        get_exercise("nope")


@pytest.mark.parametrize("ex", all_exercises(), ids=lambda ex: ex.key)
def test_references_are_the_package_functions(ex):
    """Each reference names real package callables (no stored answers)."""
    assert ex.reference_api
    for dotted in ex.reference_api:
        module, _, attr = dotted.rpartition(".")
        assert dotted.startswith("gancourse.")
        assert callable(getattr(importlib.import_module(module), attr))


def test_clear_solutions_like_nbgrader():
    src = "def f():\n    x = 1\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    out, replaced = clear_solutions(src)
    assert (
        replaced
        and out == "def f():\n    x = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    assert (
        clear_solutions("Answer:\n### BEGIN SOLUTION\nforty-two\n### END SOLUTION", "markdown")[0]
        == "Answer:\nYOUR ANSWER HERE"
    )
    assert clear_solutions("x = 1") == ("x = 1", False)
    with pytest.raises(ExerciseBuildError, match="without"):
        clear_solutions("### BEGIN SOLUTION\nx = 1")
    with pytest.raises(ExerciseBuildError, match="nested"):
        clear_solutions("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION")
    assert clear_hidden_tests("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\nc")[0] == "a\nc"


def test_build_clears_answers_outputs_hidden_tests_and_repoints_the_badge():
    nb = _tiny_solution_nb()
    badge = nbformat.v4.new_markdown_cell(
        "[badge](solutions/x.ipynb)", metadata={"tags": ["colab-badge"]}
    )
    nb.cells.insert(0, badge)
    out = build_notebook(nb, "exercises/01_x.ipynb", REPO_URL)
    assert (
        "return 2 * x" not in out.cells[1].source
        and "raise NotImplementedError()" in out.cells[1].source
    )
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None
    assert "f(2)" not in out.cells[2].source and "f(1)" in out.cells[2].source
    assert (
        "exercises/01_x.ipynb" in out.cells[0].source and "github/me/course" in out.cells[0].source
    )
    assert nb.cells[1].source.count("return 2 * x") == 1, "the master must not change"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_metadata_follows_nbgrader_schema(path):
    nb = nbformat.read(path, as_version=4)
    assert validate_solution(nb, path.name) == []
    ids = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        jsonschema.validate(meta, NBGRADER_V3_SCHEMA)
        if meta["grade"] or meta["solution"] or meta["locked"]:
            assert meta.get("grade_id") and meta["grade_id"] not in ids
            ids.add(meta["grade_id"])
        if meta["grade"]:
            assert "points" in meta
        if cell.cell_type == "markdown":
            assert meta["grade"] == meta["solution"]
    for ex in lesson_exercises(path.name[:2]):
        assert ex.grade_id in ids and ex.check_id in ids


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_each_exercise_has_a_docstring_with_shapes_and_a_hint(path):
    nb = nbformat.read(path, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for ex in lesson_exercises(path.name[:2]):
        source = by_id[ex.grade_id].source
        doc = re.search(r'"""(.*?)"""', source, flags=re.S)
        assert doc, f"{ex.key} needs a docstring"
        assert "Hint:" in doc.group(1), f"{ex.key}: the docstring needs a hint naming the API"
        assert re.search(r"shape|\(N|\(D|\(n|float|int", doc.group(1)), (
            f"{ex.key}: say shapes / types"
        )
        md = nb.cells[nb.cells.index(by_id[ex.grade_id]) - 1]
        assert md.cell_type == "markdown" and f"Exercise {ex.key}" in md.source


def test_list_names_every_exercise(capsys):
    """`python -m gancourse exercises list` is the numbering the lessons must use."""
    assert cli_main(["exercises", "list"]) == 0
    out = capsys.readouterr().out
    for ex in all_exercises():
        assert re.search(
            rf"^{re.escape(ex.key)}\s+{ex.name}\s+{ex.points} pts\s+{re.escape(ex.title)}$",
            out,
            re.M,
        )
    total = sum(ex.points for ex in all_exercises())
    assert f"{len(all_exercises())} graded exercises, {total} points" in out
    keys = [ex.key for ex in all_exercises()]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    for lesson in {ex.lesson for ex in all_exercises()}:
        numbers = [ex.number for ex in lesson_exercises(lesson)]
        assert numbers == list(range(1, len(numbers) + 1)), f"lesson {lesson}: {numbers}"


def test_exercises_are_in_sync_with_solutions():
    results, problems = plan(ROOT)
    assert problems == []
    stale = [r.target.name for r in results if not r.up_to_date]
    assert not stale, f"run `python -m gancourse exercises build`: {stale}"
    assert len(results) == len(SOLUTIONS) >= 6
    assert cli_main(["exercises", "check"]) == 0


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_exercise_notebooks_hold_no_answers(path):
    sol = nbformat.read(path, as_version=4)
    exe = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    assert len(sol.cells) == len(exe.cells)
    for s, e in zip(sol.cells, exe.cells):
        if "BEGIN SOLUTION" in s.source:
            answer = s.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            left = {line.strip() for line in e.source.splitlines()}
            leaked = [
                line
                for line in answer.splitlines()
                if len(line.strip()) >= 8 and line.strip() in left
            ]
            assert not leaked, f"answer lines left in the exercise: {leaked}"
            assert "raise NotImplementedError()" in e.source
        if e.cell_type == "code":
            assert e.outputs == [] and e.execution_count is None
        else:
            assert "colab-badge" in e.metadata.get("tags", []) or s.source == e.source


def test_check_fails_when_stale_and_build_repairs(tmp_path):
    for name in ("pyproject.toml",):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    assert cli_main(["exercises", "check", "--root", str(tmp_path)]) == 0
    target = tmp_path / "solutions" / SOLUTIONS[0].name
    nb = nbformat.read(target, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("One more note."))
    nbformat.write(nb, target)
    (tmp_path / "exercises" / "99_orphan.ipynb").write_text("{}")
    assert cli_main(["exercises", "check", "--root", str(tmp_path)]) == 1
    results, problems = build(tmp_path)
    assert any("99_orphan" in p for p in problems)
    (tmp_path / "exercises" / "99_orphan.ipynb").unlink()
    assert cli_main(["exercises", "check", "--root", str(tmp_path)]) == 0
    assert "One more note." in (tmp_path / "exercises" / SOLUTIONS[0].name).read_text()


def test_validation_catches_broken_metadata():
    nb = nbformat.read(SOLUTIONS[0], as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["points"] = 99
            break
    problems = validate_solution(nb, SOLUTIONS[0].name)
    assert any("points=" in p for p in problems)
    nb.cells.append(nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    assert any("no nbgrader metadata" in p for p in validate_solution(nb, SOLUTIONS[0].name))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_same_as_nbgraders_own_preprocessors(path):
    """With nbgrader installed, its ClearSolutions/ClearHiddenTests/ClearOutput agree with ours."""
    pre = pytest.importorskip("nbgrader.preprocessors")
    from nbgrader.nbgraderformat import MetadataValidator

    sol = nbformat.read(path, as_version=4)
    MetadataValidator().validate_nb(sol)
    nb, resources = nbformat.from_dict(sol), {}
    for p in (
        pre.ClearSolutions(enforce_metadata=False),
        pre.ClearHiddenTests(enforce_metadata=False),
        pre.ClearOutput(),
    ):
        nb, resources = p.preprocess(nb, resources)
    ours = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    for theirs, mine in zip(nb.cells, ours.cells):
        if "colab-badge" in mine.metadata.get("tags", []):
            continue  # we re-point the badge at the exercise notebook
        assert theirs.source == mine.source
        if mine.cell_type == "code":
            assert theirs.outputs == mine.outputs == []
