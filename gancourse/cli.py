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

    try:  # the other commands need torch and numpy; without them only `doctor` can run
        from gancourse import cli_cgan, cli_cyclegan, cli_dcgan, cli_pix2pix, cli_toy2d, cli_vae
        from gancourse.exercises import cli as exercises_cli
        from gancourse.grading import cli as grading_cli
    except ImportError as exc:
        _register_unavailable(sub, exc)
        return parser

    train = sub.add_parser("train", help="train a model from the command line")
    train_sub = train.add_subparsers(dest="target", metavar="TARGET", required=True)
    cli_toy2d.add_parser(train_sub)  # lesson 03: train toy2d
    cli_dcgan.add_parser(train_sub)  # lesson 05: train dcgan
    cli_cgan.add_parser(train_sub)  # lesson 08: train cgan, train infogan
    cli_pix2pix.add_parser(train_sub)  # lesson 09: train pix2pix
    cli_cyclegan.add_parser(train_sub)  # lesson 10: train cyclegan
    cli_vae.add_parser(train_sub)  # lesson 11: train vae

    exercises_cli.add_parser(sub)  # exercises build | check | list
    grading_cli.add_parser(sub)  # grade SUBMISSIONS_DIR --out grades.csv

    return parser


def _register_unavailable(sub, exc: ImportError) -> None:
    def unavailable(args: argparse.Namespace) -> int:
        print(f"gancourse {args.command}: cannot run ({exc}).", file=sys.stderr)
        print(
            "Run `python -m gancourse doctor` to see what is missing and how to fix it.",
            file=sys.stderr,
        )
        return 1

    for name in ("train", "exercises", "grade"):
        command = sub.add_parser(name, help=f"unavailable: {exc}")
        command.add_argument("rest", nargs=argparse.REMAINDER)
        command.set_defaults(func=unavailable)


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
