"""Grade a folder of submissions: find the notebooks, run each, compare, decide points.

Layout of ``SUBMISSIONS_DIR``: one folder per student holding any of the exercise
notebooks (the student is the folder's name), or loose notebooks (the student is the file
name without ``.ipynb``). Hidden folders (``.ipynb_checkpoints``) and symbolic links are
ignored.

Test inputs: every exercise's ``make_cases`` with one seed for the whole run (the same
inputs for every student), plus the instructor's hidden tests: files
``HIDDEN_DIR/<exercise>.npz`` or ``HIDDEN_DIR/<exercise>-<label>.npz`` holding one array
per input name (``python -m gancourse exercises list`` shows them), e.g.
``np.savez("hidden_tests/d_star-spiky.npz", p_data=..., p_g=...)``.

Each exercise is all or nothing: full points when every test matches the reference
(computed here, in the grader's process, by the package's implementation), else zero
with the first problem as the reason. An answer that uses the course's reference
implementation scores zero with that reason: plainly (``theory.optimal_discriminator(...)``
in its cell) or any other way (in the kernel the references raise "not available while
grading", :mod:`gancourse.grading.stubs`).
"""

from __future__ import annotations

import re
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gancourse.exercises import all_exercises
from gancourse.exercises.spec import Case, Exercise, Output, compare_case, run_call
from gancourse.grading.discovery import collect
from gancourse.grading.limits import Limits
from gancourse.grading.notebook import NotebookRun, run_notebook
from gancourse.grading.sandbox import Sandbox, open_sandbox
from gancourse.grading.stubs import BLOCKED

HIDDEN_ENV = "GANCOURSE_HIDDEN_TESTS"
DEFAULT_HIDDEN_DIR = "hidden_tests"


@dataclass
class Grade:
    """One CSV row."""

    student: str
    exercise: Exercise
    points: float
    reason: str
    notebook: str = ""


@dataclass
class StudentReport:
    student: str
    grades: list[Grade] = field(default_factory=list)
    runs: list[NotebookRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(g.points for g in self.grades)

    @property
    def max_total(self) -> int:
        return sum(g.exercise.points for g in self.grades)


@dataclass
class GradingRun:
    """The whole run: ``sandbox`` is ``bwrap`` or ``none`` (see :mod:`.sandbox`)."""

    students: list[StudentReport]
    seed: int
    hidden_files: list[str]
    warnings: list[str]
    sandbox: str = "none"


def hidden_dir_default() -> Path | None:
    import os

    env = os.environ.get(HIDDEN_ENV)
    if env:
        return Path(env)
    local = Path(DEFAULT_HIDDEN_DIR)
    return local if local.is_dir() else None


def load_hidden(
    directory: Path | None, catalogue: tuple[Exercise, ...]
) -> tuple[dict[str, list[tuple[str, Case]]], list[str]]:
    """The instructor's hidden cases by exercise name, and warnings about files not used."""
    hidden: dict[str, list[tuple[str, Case]]] = {}
    warnings: list[str] = []
    if directory is None:
        return hidden, warnings
    if not directory.is_dir():
        return hidden, [f"hidden tests folder {directory} does not exist"]
    by_name = {ex.name: ex for ex in catalogue}
    for f in sorted(directory.glob("*.npz")):
        name = f.stem.split("-", 1)[0]
        ex = by_name.get(name)
        if ex is None:
            warnings.append(
                f"{f.name}: no exercise called {name!r} (name files <exercise>-<label>.npz)"
            )
            continue
        try:
            with np.load(f, allow_pickle=False) as data:
                case = {k: data[k] for k in data.files}
        except Exception as exc:  # noqa: BLE001
            warnings.append(f"{f.name}: unreadable ({exc})")
            continue
        if set(case) != set(ex.inputs):
            warnings.append(
                f"{f.name}: has arrays {sorted(case)}, {ex.name} needs {list(ex.inputs)}"
            )
            continue
        ref = run_call(lambda c=case, ex=ex: ex.reference(c), list(ex.outputs))
        bad = [o.message for o in ref.values() if not o.is_numeric]
        if bad:
            warnings.append(f"{f.name}: the reference cannot run on it ({bad[0]})")
            continue
        hidden.setdefault(name, []).append((f.name, case))
    return hidden, warnings


def build_cases(catalogue, seed: int, hidden) -> tuple[dict[str, list[Case]], dict[str, list[str]]]:
    cases: dict[str, list[Case]] = {}
    labels: dict[str, list[str]] = {}
    for j, ex in enumerate(catalogue):
        generated = ex.make_cases(np.random.default_rng([seed, j]))
        extra = hidden.get(ex.name, [])
        cases[ex.name] = generated + [c for _, c in extra]
        labels[ex.name] = [f"test {i + 1}" for i in range(len(generated))] + [
            f"hidden test {n}" for n, _ in extra
        ]
    return cases, labels


def verdict(
    ex: Exercise, run: NotebookRun, expected: list[dict[str, Output]], labels: list[str]
) -> tuple[float, str]:
    """Points and reason for one exercise of one notebook run."""
    outcome = run.outcomes.get(ex.name)
    if outcome is None:
        return 0.0, "not graded"
    if outcome.status == "missing":
        return 0.0, f"not defined: {outcome.message}"
    if outcome.status != "ok":
        return 0.0, outcome.message
    if ex.name in run.uses_reference:
        return 0.0, f"calls the course's own {run.uses_reference[ex.name]}: write it yourself"
    for exp, got, label in zip(expected, outcome.results, labels):
        result = compare_case(ex, exp, got)
        if not result.ok:
            problem = result.first_problem
            assert problem is not None
            if problem.problem == "notimplemented":
                return 0.0, "not implemented (still raises NotImplementedError)"
            blocked = re.search(rf"(gancourse[\w.]*) {BLOCKED}", problem.message)
            if problem.problem == "error" and blocked:
                return 0.0, (
                    f"uses the course's own {blocked.group(1)} (not available while grading): "
                    "write it yourself"
                )
            return 0.0, f"{problem.message} ({label})"
    return float(ex.points), f"correct ({len(labels)} tests)"


def expected_outputs(catalogue, cases: dict[str, list[Case]]) -> dict[str, list[dict]]:
    """The reference's outputs for every case, computed here with the real package."""
    return {
        ex.name: [
            run_call(lambda c=c, ex=ex: ex.reference(c), list(ex.outputs)) for c in cases[ex.name]
        ]
        for ex in catalogue
    }


def _run_all(
    notebooks: list[Path],
    submissions: Path,
    run_one,
    jobs: int,
    progress: bool,
) -> dict[Path, NotebookRun]:
    """``run_one(path, display)`` for every notebook, ``jobs`` at a time, with a progress bar."""
    runs: dict[Path, NotebookRun] = {}

    def one(path: Path) -> NotebookRun:
        display = path.relative_to(submissions).as_posix()
        try:
            return run_one(path, display)
        except Exception as exc:  # noqa: BLE001 - the grader itself must not crash
            return NotebookRun(
                display, error=f"internal grader error ({type(exc).__name__}: {exc})"
            )

    bar = _progress(len(notebooks), progress)
    with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        futures = {pool.submit(one, p): p for p in notebooks}
        for fut in as_completed(futures):
            runs[futures[fut]] = fut.result()
            bar.update(1)
            bar.set_postfix_str(
                futures[fut].relative_to(submissions).as_posix()[-40:], refresh=False
            )
    bar.close()
    return runs


def student_report(
    student: str, runs: list[NotebookRun], catalogue, expected, labels
) -> StudentReport:
    """One student's grades: the best of each exercise over their notebooks, and notes."""
    report = StudentReport(student, runs=list(runs))
    best: dict[str, Grade] = {}
    for run in runs:
        if run.error:
            report.notes.append(f"{run.path}: {run.error}")
            continue
        if not run.exercises:
            report.notes.append(f"{run.path}: no exercise of this course found in it")
            continue
        for ex in run.exercises:
            pts, reason = verdict(ex, run, expected[ex.name], labels[ex.name])
            g = Grade(student, ex, pts, reason, run.path)
            if ex.name not in best or pts > best[ex.name].points:
                if ex.name in best:
                    report.notes.append(
                        f"{ex.key} was handed in more than once; the best is counted"
                    )
                best[ex.name] = g
    unread = [r for r in runs if r.error]
    for ex in catalogue:
        if ex.name in best:
            report.grades.append(best[ex.name])
            continue
        broken = [r for r in unread if r.lesson_guess in ("", ex.lesson)]
        reason = "not handed in"
        if broken:
            reason = f"no readable notebook: {broken[0].path}: {broken[0].error}"
        report.grades.append(Grade(student, ex, 0.0, reason))
    return report


def grade(
    submissions: Path,
    *,
    limits: Limits | None = None,
    jobs: int = 1,
    seed: int | None = None,
    hidden_dir: Path | None = None,
    progress: bool = True,
    tmp_root: Path | None = None,
) -> GradingRun:
    """Grade every notebook under ``submissions``; the submissions are only ever read.

    Every kernel has ended (and, in bubblewrap, every process it started) when this returns.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder of submissions")
    limits = limits or Limits()
    catalogue = all_exercises()
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    hidden, warnings = load_hidden(hidden_dir, catalogue)
    cases, labels = build_cases(catalogue, seed, hidden)
    expected = expected_outputs(catalogue, cases)
    students, skipped = collect(submissions)
    warnings.extend(skipped)
    notebooks = [p for s in sorted(students) for p in students[s]]
    with open_sandbox(limits, catalogue, tmp_root) as sandbox:  # raises for an unusable choice

        def run_one(path: Path, display: str, sandbox: Sandbox = sandbox) -> NotebookRun:
            return run_notebook(path, display, catalogue, cases, limits, sandbox, tmp_root)

        runs = _run_all(notebooks, submissions, run_one, jobs, progress)
    reports = [
        student_report(s, [runs[p] for p in students[s]], catalogue, expected, labels)
        for s in sorted(students)
    ]
    hidden_files = sorted(f for v in hidden.values() for f, _ in v)
    return GradingRun(reports, seed, hidden_files, sandbox.warnings + warnings, sandbox.mode)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix_str(self, s: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr, dynamic_ncols=True)
