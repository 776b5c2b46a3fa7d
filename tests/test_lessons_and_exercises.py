"""The lessons and the exercise registry agree, and no lesson hands out a graded answer.

- **No transcription.** A lesson must not display the reference of a graded exercise of its
  own lesson or of a later one (an earlier lesson's exercise has been done by then): neither
  with ``show_source(<a reference_api object>)`` (or of the module or class around it, or of a
  method inside it), nor as verbatim code of the reference's body in a code cell or a fenced
  code block of its markdown.
- **One numbering.** Every "Exercise NN.k" a lesson mentions exists in
  ``python -m gancourse exercises list``; every registered exercise of lesson NN is announced
  in lesson NN, next to its function's name; open-ended task boxes without a number say
  "(ungraded)".
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from gancourse.exercises import all_exercises, get_exercise, lesson_exercises

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISE_MENTION = re.compile(r"Exercise\s+(\d\d)\.(\d+)")
TASK_BOX = re.compile(r"^>\s*\*\*(?:Exercise|Task|Open task|Try it|Your turn)", re.M)
MIN_LINE = 12  # shorter normalised lines (``return x``, ``else:``) say nothing


def _ids(paths):
    return [p.name for p in paths]


# ------------------------------------------------------------------------ what a lesson shows


def _code_blocks(nb) -> Iterator[str]:
    """Every piece of code the reader sees: code cells and fenced blocks in markdown."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield cell.source
        elif cell.cell_type == "markdown":
            yield from re.findall(r"```[a-z]*\n(.*?)```", cell.source, flags=re.S)


def _parse(source: str) -> ast.Module | None:
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _imported_names(nb) -> dict[str, str]:
    """name -> dotted path for every import in the lesson's code cells."""
    names: dict[str, str] = {}
    for source in _code_blocks(nb):
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        names[root] = root
    return names


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def _resolve(dotted: str):
    """The object a dotted path names (modules imported as needed), or None."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _where(obj) -> tuple[str, str]:
    """(module, qualified name) of a module, class or function ("" for a whole module)."""
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if inspect.ismodule(obj):
        return obj.__name__, ""
    return getattr(obj, "__module__", ""), getattr(obj, "__qualname__", "")


def _overlap(shown, reference) -> bool:
    """True when displaying ``shown`` displays (part of) ``reference``."""
    (m1, q1), (m2, q2) = _where(shown), _where(reference)
    if m1 != m2:
        return False
    return q1 == "" or q1 == q2 or q1.startswith(q2 + ".") or q2.startswith(q1 + ".")


def _shown_objects(nb) -> list[tuple[str, object]]:
    """(expression, object) for every ``show_source(<expression>)`` in the lesson."""
    names = _imported_names(nb)
    shown = []
    for source in _code_blocks(nb):
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if (
                isinstance(node, ast.Call)
                and _dotted(node.func) in ("show_source", "gancourse.show_source")
                and node.args
            ):
                expr = _dotted(node.args[0])
                if expr is None:
                    continue
                head, _, rest = expr.partition(".")
                full = names.get(head, head) + (f".{rest}" if rest else "")
                obj = _resolve(full)
                assert obj is not None, f"show_source({expr}): cannot resolve {full}"
                shown.append((expr, obj))
    return shown


def _normalise(line: str) -> str:
    return re.sub(r"\s+", "", line.split("#", 1)[0])


def body_lines(obj) -> set[str]:
    """The significant lines of an object's source: no signature, docstring, comment or blank."""
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(obj)))
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0]
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            skip.update(range(start, first.lineno))  # decorators and signature
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                skip.update(range(first.lineno, first.end_lineno + 1))  # the docstring
    lines = source.splitlines()
    return {
        n
        for i, line in enumerate(lines, 1)
        if i not in skip and len(n := _normalise(line)) >= MIN_LINE
    }


def copied_lines(nb, reference) -> set[str]:
    """The reference's significant lines that appear verbatim in the lesson's code."""
    wanted = body_lines(reference)
    seen = {_normalise(line) for block in _code_blocks(nb) for line in block.splitlines()}
    return wanted & seen


def displays(nb, reference) -> str:
    """Why the lesson ``nb`` displays ``reference`` ('' when it does not)."""
    for expr, obj in _shown_objects(nb):
        if _overlap(obj, reference):
            return f"show_source({expr})"
    copied = copied_lines(nb, reference)
    needed = min(3, len(body_lines(reference)))
    if needed and len(copied) >= needed:
        return f"verbatim lines {sorted(copied)[:3]}"
    return ""


def _references(ex):
    for dotted in ex.reference_api:
        obj = _resolve(dotted)
        assert obj is not None, f"{ex.key}: cannot resolve {dotted}"
        yield dotted, obj


# ------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_no_lesson_displays_a_graded_answer(path):
    nb = nbformat.read(path, as_version=4)
    lesson = path.name[:2]
    found = [
        f"{ex.key} ({dotted}): {why}"
        for ex in all_exercises()
        if ex.lesson >= lesson
        for dotted, obj in _references(ex)
        if (why := displays(nb, obj))
    ]
    assert not found, f"{path.name} shows the answer of graded exercises: {found}"


def test_the_display_check_catches_show_source_and_copies():
    """The two ways of handing out an answer are both caught (and a mere call is not)."""
    ex = get_exercise("wasserstein_1d")
    (_, reference), *_ = _references(ex)

    def lesson(*sources, markdown=""):
        cells = [nbformat.v4.new_code_cell(s) for s in sources]
        return nbformat.v4.new_notebook(cells=cells + [nbformat.v4.new_markdown_cell(markdown)])

    shown = lesson(
        "from gancourse import show_source\nfrom gancourse.metrics import wasserstein_1d"
    )
    shown.cells.append(nbformat.v4.new_code_cell("show_source(wasserstein_1d)"))
    assert displays(shown, reference).startswith("show_source")
    module = lesson("import gancourse.metrics.wasserstein1d as w1", "show_source(w1)")
    assert displays(module, reference) == "show_source(w1)"
    body = textwrap.dedent(inspect.getsource(reference)).split('"""')[-1]
    assert displays(lesson(body), reference).startswith("verbatim")
    assert displays(lesson(markdown=f"Look:\n```python\n{body}```\n"), reference)
    used = lesson("from gancourse.metrics import wasserstein_1d\nprint(wasserstein_1d(a, b))")
    assert displays(used, reference) == ""


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_mentions_only_registered_exercises(path):
    nb = nbformat.read(path, as_version=4)
    known = {ex.key for ex in all_exercises()}
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    mentioned = {f"{a}.{b}" for a, b in EXERCISE_MENTION.findall(markdown)}
    unknown = sorted(mentioned - known)
    assert not unknown, (
        f"{path.name} mentions {unknown}, which `python -m gancourse exercises list` does not "
        "know: number graded exercises as registered, and mark open-ended tasks '(ungraded)' "
        "without a number"
    )
    for box in TASK_BOX.finditer(markdown):
        line = markdown[box.start() : markdown.find("\n", box.start()) % (len(markdown) + 1)]
        if not EXERCISE_MENTION.search(line):
            assert "(ungraded)" in line, f"{path.name}: task box without a number: {line!r}"


@pytest.mark.parametrize(
    "path", [p for p in LESSONS if lesson_exercises(p.name[:2])], ids=lambda p: p.name
)
def test_lesson_announces_each_of_its_exercises(path):
    nb = nbformat.read(path, as_version=4)
    lesson = path.name[:2]
    missing = []
    for ex in lesson_exercises(lesson):
        cells = [c.source for c in nb.cells if c.cell_type == "markdown"]
        announcing = [s for s in cells if re.search(rf"Exercise\s+{re.escape(ex.key)}\b", s)]
        if not announcing:
            missing.append(f"{ex.key} is never mentioned")
        elif not any(ex.name in s for s in announcing):
            missing.append(f"{ex.key} is mentioned without its function `{ex.name}`")
    assert not missing, f"{path.name}: {missing}"
