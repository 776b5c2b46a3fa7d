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
with the first problem as the reason. An answer whose cell plainly calls the reference
implementation itself (``theory.optimal_discriminator(...)``) scores zero too.
"""

from __future__ import annotations

import secrets
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gancourse.exercises import all_exercises
from gancourse.exercises.spec import Case, Exercise, Output, compare_case, run_call
from gancourse.grading.notebook import Limits, NotebookRun, effective_user, run_notebook

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
    students: list[StudentReport]
    seed: int
    hidden_files: list[str]
    warnings: list[str]


def collect(submissions: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Map each student to their notebooks (sorted); and what was skipped, and why."""
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
            return 0.0, f"{problem.message} ({label})"
    return float(ex.points), f"correct ({len(labels)} tests)"


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
    """Grade every notebook under ``submissions``; the submissions are only ever read."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder of submissions")
    limits = limits or Limits()
    catalogue = all_exercises()
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    hidden, warnings = load_hidden(hidden_dir, catalogue)
    _, sandbox_warning = effective_user(limits)  # probes once; raises for an unusable named user
    if sandbox_warning:
        warnings.append(sandbox_warning)
    cases, labels = build_cases(catalogue, seed, hidden)
    expected = {
        ex.name: [
            run_call(lambda c=c, ex=ex: ex.reference(c), list(ex.outputs)) for c in cases[ex.name]
        ]
        for ex in catalogue
    }
    students, skipped = collect(submissions)
    warnings.extend(skipped)
    jobs_list = [(s, p) for s in sorted(students) for p in students[s]]
    runs: dict[Path, NotebookRun] = {}

    def one(path: Path) -> NotebookRun:
        display = path.relative_to(submissions).as_posix()
        try:
            return run_notebook(path, display, catalogue, cases, limits, tmp_root)
        except Exception as exc:  # noqa: BLE001 - the grader itself must not crash
            return NotebookRun(
                display, error=f"internal grader error ({type(exc).__name__}: {exc})"
            )

    bar = _progress(len(jobs_list), progress)
    with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        futures = {pool.submit(one, p): p for _, p in jobs_list}
        for fut in as_completed(futures):
            runs[futures[fut]] = fut.result()
            bar.update(1)
            bar.set_postfix_str(
                futures[fut].relative_to(submissions).as_posix()[-40:], refresh=False
            )
    bar.close()

    reports = []
    for student in sorted(students):
        report = StudentReport(student)
        best: dict[str, Grade] = {}
        for path in students[student]:
            run = runs[path]
            report.runs.append(run)
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
        unread = [r for r in report.runs if r.error]
        for ex in catalogue:
            if ex.name in best:
                report.grades.append(best[ex.name])
                continue
            broken = [r for r in unread if r.lesson_guess in ("", ex.lesson)]
            reason = "not handed in"
            if broken:
                reason = f"no readable notebook: {broken[0].path}: {broken[0].error}"
            report.grades.append(Grade(student, ex, 0.0, reason))
        reports.append(report)
    return GradingRun(reports, seed, sorted(f for v in hidden.values() for f, _ in v), warnings)


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
