"""The command line: ``python -m gancourse <command>`` (also the ``gancourse`` script).

Each command lives in its own module with ``add_parser(subparsers)`` and a ``run(args)``
function; this file only wires them together. The interface is stable: instructors,
tests and external checks call it.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gancourse",
        description="GANs for digital art: course tools (doctor, training, exercises, grading).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    doctor = sub.add_parser("doctor", help="report whether this environment can run the course")
    doctor.set_defaults(func=_run_doctor)

    train = sub.add_parser("train", help="train a model from the command line")
    train_sub = train.add_subparsers(dest="target", metavar="TARGET", required=True)
    _ = train_sub  # lesson trainers register here: <module>.add_parser(train_sub)

    return parser


def _run_doctor(args: argparse.Namespace) -> int:
    from gancourse.doctor import main as doctor_main

    return doctor_main()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
