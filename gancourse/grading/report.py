"""What the grader writes: the CSV, one Markdown feedback file per student, a summary table."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from gancourse.grading.grader import GradingRun, StudentReport

CSV_COLUMNS = ("student", "exercise", "points", "max_points", "reason")


def _num(x: float) -> str:
    return f"{x:g}"


def write_csv(run: GradingRun, path: Path) -> None:
    """One row per student and exercise: ``student,exercise,points,max_points,reason``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
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


def write_feedback(run: GradingRun, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    used: set[str] = set()
    for rep in run.students:
        name = safe_name(rep.student)
        while name in used:
            name += "_"
        used.add(name)
        p = directory / f"{name}.md"
        p.write_text(feedback_markdown(rep, run), encoding="utf-8")
        paths.append(p)
    return paths


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
