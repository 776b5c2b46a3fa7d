"""Run one submitted notebook in its own sandboxed kernel and collect what its functions return.

Steps: read the file (never write it) and find its exercises (:mod:`.discovery`), copy it
into a fresh temporary folder, run its code cells one by one in a
:class:`~gancourse.grading.session.KernelSession` there (inside bubblewrap when the
:class:`~gancourse.grading.sandbox.Sandbox` says so), then for each exercise send the
harness cell that calls the student's function on the grader's inputs.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gancourse.exercises.spec import Case, Exercise
from gancourse.grading.discovery import Submission, read_submission, references_used
from gancourse.grading.limits import Limits
from gancourse.grading.sandbox import Sandbox, traversable
from gancourse.grading.session import CellIssue, ExerciseOutcome, KernelSession


@dataclass
class NotebookRun:
    """Everything the grader learned from one notebook file."""

    path: str
    sha256: str = ""
    error: str = ""
    exercises: list[Exercise] = field(default_factory=list)
    outcomes: dict[str, ExerciseOutcome] = field(default_factory=dict)
    issues: list[CellIssue] = field(default_factory=list)
    seconds: float = 0.0
    lesson_guess: str = ""
    uses_reference: dict[str, str] = field(default_factory=dict)


def _call_all(
    session: KernelSession, sub: Submission, cases: dict[str, list[Case]]
) -> dict[str, ExerciseOutcome]:
    """Each exercise's outcome; a missing function says what happened to its cell."""
    outcomes = {}
    for ex in sub.exercises:
        try:
            outcome = session.call(ex, cases[ex.name])
        except Exception as exc:  # noqa: BLE001 - one exercise's trouble must not sink the rest
            outcome = ExerciseOutcome(
                "error", f"internal grader error ({type(exc).__name__}: {exc})"
            )
        if outcome.status == "missing" and ex.name in sub.defined_at:
            cell_no = sub.defined_at[ex.name] + 1
            why = next((c.message for c in session.issues if c.cell == cell_no), "")
            if why:
                outcome.message += f": cell {cell_no}, where it is defined, {why}"
        outcomes[ex.name] = outcome
    return outcomes


def run_notebook(
    path: Path,
    display: str,
    catalogue: tuple[Exercise, ...],
    cases: dict[str, list[Case]],
    limits: Limits,
    sandbox: Sandbox,
    tmp_root: Path | None = None,
) -> NotebookRun:
    """Run ``path`` (read only; executed from a temporary copy); collect each exercise's outputs."""
    start = time.monotonic()
    sub = read_submission(path, catalogue)
    run = NotebookRun(display, sub.sha256, sub.error, sub.exercises, lesson_guess=sub.lesson_guess)
    if sub.error or not sub.exercises:
        return run
    run.uses_reference = references_used(sub)
    if tmp_root is not None and sandbox.user is not None and not traversable(Path(tmp_root)):
        tmp_root = None  # the sandbox user could not reach it: use the system's temporary folder
    tmp = Path(tempfile.mkdtemp(prefix="gancourse-grade-", dir=tmp_root))
    session = None
    try:
        work = tmp / "work"
        deadline = time.monotonic() + limits.hard_deadline(len(run.exercises))
        session = KernelSession(tmp, work, limits, sandbox, deadline)
        session.prepare()
        (work / path.name).write_bytes(sub.data)  # the copy the kernel may read (or wreck)
        for idx, source in sub.code:
            session.run_cell(idx, source)
        run.outcomes = _call_all(session, sub, cases)
        run.issues = session.issues
    finally:
        if session is not None:
            session.close()
        shutil.rmtree(tmp, ignore_errors=True)
        run.seconds = time.monotonic() - start
    return run
