"""What the grader writes: the CSV, one Markdown feedback file per student, a summary table.

:func:`write_report` writes them after every kernel has ended, each file atomically (a
temporary file renamed over it: a reader sees the old file or the new one, and a process
that opened the old one writes into a file nobody reads), the CSV last; :func:`changed`
then tells whether any of them is no longer what was written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from gancourse.checkpoint import save_atomic
from gancourse.grading.grader import GradingRun, StudentReport

CSV_COLUMNS = ("student", "exercise", "points", "max_points", "reason")


def _num(x: float) -> str:
    return f"{x:g}"


def csv_text(run: GradingRun) -> str:
    """One row per student and exercise: ``student,exercise,points,max_points,reason``."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for rep in run.students:
        for g in rep.grades:
            w.writerow(
                [
                    rep.student,
                    g.exercise.key + " " + g.exercise.name,
                    _num(g.points),
                    g.exercise.points,
                    g.reason,
                ]
            )
    return buf.getvalue()


def _write(path: Path, text: str) -> str:
    """Write ``text`` to ``path`` atomically; its sha256."""
    data = text.encode("utf-8")
    save_atomic(data, path, write=lambda d, f: f.write(d))
    return hashlib.sha256(data).hexdigest()


def write_csv(run: GradingRun, path: Path) -> str:
    """Write :func:`csv_text` to ``path`` (atomically); its sha256."""
    return _write(Path(path), csv_text(run))


def safe_name(student: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", student).strip(".") or "student"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def feedback_markdown(rep: StudentReport, run: GradingRun) -> str:
    lines = [
        f"# Feedback for {rep.student}",
        "",
        f"**Total: {_num(rep.total)} / {rep.max_total} points**",
        "",
        "| Exercise | Points | Why |",
        "|---|---|---|",
    ]
    for g in rep.grades:
        lines.append(
            f"| {g.exercise.key} `{g.exercise.name}` ({g.exercise.title}) | "
            f"{_num(g.points)} / {g.exercise.points} | {_cell(g.reason)} |"
        )
    if rep.runs:
        lines += ["", "## Your notebooks", ""]
        for r in rep.runs:
            digest = f"sha256 {r.sha256[:12]}" if r.sha256 else "unread"
            lines.append(f"- `{r.path}` ({digest}, graded in {r.seconds:.1f} s)")
            for issue in r.issues:
                lines.append(f"  - cell {issue.cell}: {issue.message}")
    notes = list(dict.fromkeys(rep.notes))
    if run.sandbox != "bwrap":
        notes.append("graded without the grader's sandbox (see the instructor's warnings)")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    lines += [
        "",
        "Each exercise was run on the grader's own inputs"
        + (" and the instructor's hidden tests" if run.hidden_files else "")
        + " and compared with the course's reference implementation; an exercise scores "
        "its points when every test matches. Run the self-check after each exercise "
        "(`check.<name>(<name>)`) to see what differs.",
        "",
    ]
    return "\n".join(lines)


def feedback_files(run: GradingRun) -> dict[str, str]:
    """File name -> Markdown, one per student (names made safe and unique)."""
    files: dict[str, str] = {}
    for rep in run.students:
        name = safe_name(rep.student)
        while f"{name}.md" in files:
            name += "_"
        files[f"{name}.md"] = feedback_markdown(rep, run)
    return files


def write_feedback(run: GradingRun, directory: Path) -> list[Path]:
    """Write :func:`feedback_files` into ``directory`` (each atomically)."""
    return list(_write_feedback(run, Path(directory)))


def _write_feedback(run: GradingRun, directory: Path) -> dict[Path, str]:
    directory.mkdir(parents=True, exist_ok=True)
    return {directory / n: _write(directory / n, t) for n, t in feedback_files(run).items()}


def write_report(run: GradingRun, csv_path: Path, feedback_dir: Path) -> dict[Path, str]:
    """The feedback files, then the CSV; returns each file's sha256 for :func:`changed`."""
    written = _write_feedback(run, Path(feedback_dir))
    written[Path(csv_path)] = write_csv(run, Path(csv_path))
    return written


def changed(written: dict[Path, str]) -> list[Path]:
    """The files of ``written`` that are gone or no longer hold what was written."""
    bad = []
    for path, digest in written.items():
        try:
            ok = hashlib.sha256(path.read_bytes()).hexdigest() == digest
        except OSError:
            ok = False
        if not ok:
            bad.append(path)
    return bad


def summary_table(run: GradingRun) -> str:
    """Students x lessons, with totals: the table printed at the end."""
    lessons = sorted({g.exercise.lesson for rep in run.students for g in rep.grades})
    header = ["student"] + [f"L{lesson}" for lesson in lessons] + ["total", "max", "%"]
    rows = []
    for rep in run.students:
        per = {
            lesson: sum(g.points for g in rep.grades if g.exercise.lesson == lesson)
            for lesson in lessons
        }
        pct = 100 * rep.total / rep.max_total if rep.max_total else 0.0
        rows.append(
            [rep.student]
            + [_num(per[lesson]) for lesson in lessons]
            + [_num(rep.total), str(rep.max_total), f"{pct:.0f}"]
        )
    widths = (
        [max(len(str(x)) for x in col) for col in zip(header, *rows)]
        if rows
        else [len(h) for h in header]
    )
    fmt = lambda r: "  ".join(
        str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(r, widths))
    )
    out = [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
    return "\n".join(out)
