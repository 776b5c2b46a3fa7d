"""``python -m gancourse grade SUBMISSIONS_DIR --out grades.csv [--timeout 120] [--jobs N]
[--feedback-dir DIR] [--sandbox {auto,bwrap,none}]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "grade",
        help="grade every exercise notebook under a folder of submissions",
        description="Run each submitted notebook in its own sandboxed kernel, call the exercise "
        "functions on the grader's inputs and compare with the reference implementations. "
        "Submissions are only read, never changed.",
    )
    p.add_argument(
        "submissions",
        type=Path,
        metavar="SUBMISSIONS_DIR",
        help="one folder per student (or loose notebooks named after the student)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("grades.csv"), help="the CSV to write (default grades.csv)"
    )
    p.add_argument(
        "--feedback-dir",
        type=Path,
        default=Path("feedback"),
        help="where one Markdown feedback file per student goes (default feedback/)",
    )
    _add_limits(p)
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the test inputs (default: a fresh one, printed)",
    )
    p.add_argument(
        "--hidden-tests",
        type=Path,
        default=None,
        help="folder of the instructor's hidden test inputs (<exercise>-<label>.npz); default "
        "$GANCOURSE_HIDDEN_TESTS, else ./hidden_tests if it exists",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _add_limits(p: argparse.ArgumentParser) -> None:
    """The options that bound and isolate each kernel."""
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds for each notebook's own cells together (default 120; one cell may use half)",
    )
    p.add_argument(
        "--call-timeout",
        type=float,
        default=30.0,
        help="seconds for the calls of one exercise's function (default 30)",
    )
    p.add_argument("--jobs", type=int, default=1, help="notebooks graded in parallel (default 1)")
    p.add_argument(
        "--memory-mb", type=int, default=4096, help="memory (address space) limit of each kernel"
    )
    p.add_argument(
        "--output-cap-kb",
        type=int,
        default=1000,
        help="output one cell may print (default 1000 kB)",
    )
    p.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "none"),
        default="auto",
        help="bwrap: every kernel in a bubblewrap sandbox (sees only its own notebook, no "
        "network, no process outlives it); none: only the limits; auto (default): bwrap "
        "where it runs, else none with a warning",
    )


def run(args: argparse.Namespace) -> int:
    from gancourse.grading.grader import grade, hidden_dir_default
    from gancourse.grading.limits import Limits
    from gancourse.grading.report import changed, summary_table, write_report

    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    for label, value in (("--timeout", args.timeout), ("--call-timeout", args.call_timeout)):
        if not value > 0:
            print(f"error: {label} must be > 0, got {value}", file=sys.stderr)
            return 2
    if args.jobs < 1:
        print(f"error: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    limits = Limits(
        timeout=args.timeout,
        call_timeout=args.call_timeout,
        memory_mb=args.memory_mb,
        output_cap=args.output_cap_kb * 1000,
        sandbox=args.sandbox,
    )
    hidden = args.hidden_tests if args.hidden_tests is not None else hidden_dir_default()
    try:
        result = grade(
            args.submissions,
            limits=limits,
            jobs=args.jobs,
            seed=args.seed,
            hidden_dir=hidden,
            progress=not args.no_progress,
        )
    except ValueError as exc:  # an unusable --sandbox bwrap or sandbox user
        print(f"error: {exc}", file=sys.stderr)
        return 2
    written = write_report(result, args.out, args.feedback_dir)  # every kernel has ended
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(summary_table(result))
    print(
        f"\n{len(result.students)} student(s); grades in {args.out}, "
        f"feedback in {args.feedback_dir}/ ({len(written) - 1} files); "
        f"sandbox: {result.sandbox}; "
        f"test-input seed {result.seed} (--seed {result.seed} reproduces it)"
        + (f"; hidden tests: {', '.join(result.hidden_files)}" if result.hidden_files else "")
    )
    if bad := changed(written):
        print(
            f"error: {', '.join(map(str, bad))} changed after the grader wrote it: a "
            "submission's process is still running; do not use this report",
            file=sys.stderr,
        )
        return 3
    return 0
