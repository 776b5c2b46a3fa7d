"""``python -m gancourse exercises {build,check,list}``."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "exercises", help="build exercises/ from solutions/, or check it is in sync"
    )
    parser.add_argument(
        "action",
        choices=("build", "check", "list"),
        help="build: write exercises/; check: fail if exercises/ is stale; list: the exercises",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the course repository (default: this checkout)"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from gancourse.exercises import all_exercises
    from gancourse.exercises.notebooks import build, plan

    if args.action == "list":
        exercises = all_exercises()
        width = max(len(ex.name) for ex in exercises)
        for ex in exercises:
            inputs = ", ".join(ex.inputs) or "none"
            print(
                f"{ex.key}  {ex.name:<{width}}  {ex.points} pts  {ex.title}\n"
                f"      inputs: {inputs}  reference: {', '.join(ex.reference_api)}"
            )
        total = sum(ex.points for ex in exercises)
        print(f"{len(exercises)} graded exercises, {total} points")
        return 0
    if args.action == "build":
        results, problems = build(args.root)
        for r in results:
            print(f"{'ok     ' if r.up_to_date else 'written'} {r.target.relative_to(args.root)}")
    else:
        results, problems = plan(args.root)
        for r in results:
            if not r.up_to_date:
                problems.append(
                    f"{r.target.relative_to(args.root)} is stale: "
                    "run `python -m gancourse exercises build`"
                )
    for p in problems:
        print(f"error: {p}")
    if not results and not problems:
        print("no solutions/NN_*.ipynb found")
    elif args.action == "check" and not problems:
        print(f"exercises/ is in sync with solutions/ ({len(results)} notebooks)")
    return 1 if problems else 0
