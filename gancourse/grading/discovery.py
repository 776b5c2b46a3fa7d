"""What there is to grade: the students' notebooks, and the exercises and code cells in each.

Only reads: a submission is never written, and nothing here runs its code.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from gancourse.exercises.spec import Exercise

MAX_NOTEBOOK_BYTES = 20 * 2**20


def collect(submissions: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Map each student to their notebooks (sorted); and what was skipped, and why.

    One folder per student (the student is the folder's name), or loose notebooks (the
    file name without ``.ipynb``). Hidden folders (``.ipynb_checkpoints``) are ignored;
    symbolic links are skipped with a note.
    """
    found: dict[str, list[Path]] = {}
    skipped: list[str] = []
    for path in sorted(submissions.rglob("*.ipynb")):
        rel = path.relative_to(submissions)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_symlink() or any(
            p.is_symlink() for p in list(path.parents)[: len(rel.parts) - 1]
        ):
            skipped.append(f"{rel.as_posix()}: a symbolic link, not graded")
            continue
        if not path.is_file():
            continue
        student = rel.parts[0] if len(rel.parts) > 1 else path.stem
        found.setdefault(student, []).append(path)
    return found, skipped


@dataclass
class Submission:
    """One notebook file as read: its bytes and hash, or ``error`` (why it cannot be graded);
    its code ``cells`` (index, source) but the self-checks, the exercises of its lesson and
    the cell where each is defined."""

    data: bytes = b""
    sha256: str = ""
    error: str = ""
    lesson_guess: str = ""
    cells: list = field(default_factory=list)
    code: list[tuple[int, str]] = field(default_factory=list)
    exercises: list[Exercise] = field(default_factory=list)
    defined_at: dict[str, int] = field(default_factory=dict)


def read_submission(path: Path, catalogue: tuple[Exercise, ...]) -> Submission:
    """Read ``path`` (at most :data:`MAX_NOTEBOOK_BYTES`), parse it and find its exercises."""
    import nbformat

    sub = Submission()
    m = re.match(r"(\d\d)_", path.name)
    sub.lesson_guess = m.group(1) if m else ""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            sub.error = (
                f"the file is {size / 2**20:.1f} MB, more than {MAX_NOTEBOOK_BYTES // 2**20} MB"
            )
            return sub
        sub.data = path.read_bytes()
    except OSError as exc:
        sub.error = f"the file could not be read ({exc.strerror or exc})"
        return sub
    sub.sha256 = hashlib.sha256(sub.data).hexdigest()
    try:
        nb = nbformat.reads(sub.data.decode("utf-8"), as_version=4)
        sub.cells = list(nb.cells)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the submission's problem
        sub.error = f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
        return sub
    sub.exercises, sub.defined_at = find_exercises(nb, catalogue, path.name)
    sub.code = [
        (i, _source(cell))
        for i, cell in enumerate(sub.cells)
        if cell.get("cell_type") == "code" and _source(cell).strip() and not _is_check_cell(cell)
    ]
    return sub


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def _source(cell) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _is_check_cell(cell) -> bool:
    """An nbgrader test cell (our self-checks): skipped, the grader does its own checking."""
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def find_exercises(
    nb, catalogue: tuple[Exercise, ...], filename: str
) -> tuple[list[Exercise], dict[str, int]]:
    """The exercises of every lesson this notebook belongs to, and where each is defined.

    A lesson is recognised by a cell's nbgrader ``grade_id`` or a ``def <name>(`` of one of
    its exercises; failing both, by a file name starting with the lesson number.
    """
    defined_at: dict[str, int] = {}
    present: set[str] = set()
    by_id = {ex.grade_id: ex for ex in catalogue}
    names = {ex.name for ex in catalogue}
    for i, cell in enumerate(nb.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        gid = _nbgrader(cell).get("grade_id")
        if isinstance(gid, str) and gid in by_id:
            present.add(by_id[gid].name)
            defined_at.setdefault(by_id[gid].name, i)
        for name in re.findall(r"^def\s+([A-Za-z_]\w*)\s*\(", source, flags=re.M):
            if name in names:
                present.add(name)
                defined_at[name] = i
    lessons = {ex.lesson for ex in catalogue if ex.name in present}
    if not lessons:
        m = re.match(r"(\d\d)_", filename)
        if m and any(ex.lesson == m.group(1) for ex in catalogue):
            lessons = {m.group(1)}
    return [ex for ex in catalogue if ex.lesson in lessons], defined_at


def reference_call(source: str, ex: Exercise) -> str:
    """The reference implementation that ``source`` (the cell defining ``ex``) uses, or ''.

    Looks at the code itself (``ast``: not docstrings or comments) for the plain ways:
    ``theory.optimal_discriminator``, ``gancourse.theory.optimal_discriminator`` and
    ``from gancourse.theory import optimal_discriminator``. The cheap first line: inside
    the kernel the references are not there at all (:mod:`gancourse.grading.stubs`), so
    the hidden ways fail when they run.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    for dotted in ex.reference_api:
        module, _, attr = dotted.rpartition(".")
        short = module.rpartition(".")[2]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == attr:
                owner = node.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if name == short:
                    return dotted
            if isinstance(node, ast.ImportFrom) and node.module == module:
                if any(alias.name in (attr, "*") for alias in node.names):
                    return dotted
    return ""


def references_used(sub: Submission) -> dict[str, str]:
    """Exercise name -> the reference its defining cell plainly calls (see reference_call)."""
    used = {}
    for ex in sub.exercises:
        if ex.name in sub.defined_at:
            if found := reference_call(_source(sub.cells[sub.defined_at[ex.name]]), ex):
                used[ex.name] = found
    return used
