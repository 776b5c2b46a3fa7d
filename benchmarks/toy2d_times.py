"""Lesson 03 benchmark: wall time per model and mode coverage, full mode, CPU.

Usage: .venv/bin/python benchmarks/toy2d_times.py [--models recommended vanilla ...]
       [--data grid25 ring8] [--seeds 0 1 2] [--steps N] [--threads T]
       [--set field=value ...] [--jsonl runs.jsonl] [--json-out table.json]

Trains each named preset of gancourse.toy2d.PRESETS on each data set for each seed at
the config's step count (``--steps`` overrides it, ``--set`` any other field of
Toy2DConfig, for every model) and prints a Markdown table: modes, high-quality %, reverse
KL (mean ± std over seeds), seconds per model, and how many seeds reach the lesson's target
(every mode and at least 90% high-quality samples). ``--jsonl`` appends one line per run
(config, seed, seconds, modes, HQ, reverse KL) to a file: the research log of lesson 03;
``--json-out`` writes the table itself (with this command line) for lesson 03 to show, e.g.
``--json-out gancourse/toy2d/measured.json``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict

import torch

from gancourse.toy2d import PRESETS, compare, format_mode_table, load_rows, preset, save_rows


def _assignment(text: str) -> tuple[str, object]:
    """``field=value`` with value a Python literal (1e-3, True, (0.5, 0.9)) or a plain word."""
    field, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected field=value, got {text!r}")
    try:
        return field.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return field.strip(), value


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--models", nargs="+", default=["recommended"], choices=sorted(PRESETS))
    p.add_argument("--data", nargs="+", default=["grid25", "ring8"], choices=["grid25", "ring8"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=None, help="default: each config's full step count")
    p.add_argument("--set", nargs="*", type=_assignment, default=[], metavar="FIELD=VALUE",
                   help="change a Toy2DConfig field for every model, e.g. --set lr_g=1e-3")
    p.add_argument("--jsonl", default=None, help="append one JSON line per run to this file")
    p.add_argument("--json-out", default=None, help="write the table as JSON to this file")
    p.add_argument(
        "--append",
        action="store_true",
        help="with --json-out: add these rows to the file's (replacing the same model and data)",
    )
    p.add_argument(
        "--threads", type=int, default=min(2, os.cpu_count() or 1), help="torch CPU threads"
    )
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    changes = dict(args.set)
    for name in args.models:
        preset(name, **changes)  # unknown fields fail here, before any training
    t0 = time.perf_counter()
    rows = []
    for data in args.data:
        new = compare(args.models, data, tuple(args.seeds), steps=args.steps, **changes)
        rows += new
        if args.jsonl:
            with open(args.jsonl, "a") as f:
                for row in new:
                    cfg = preset(row.name, data=data, steps=row.steps, **changes)
                    for seed, (modes, hq, kl, seconds) in zip(args.seeds, row.per_seed):
                        line = {"model": row.name, "set": changes, "seed": seed,
                                "modes": modes, "hq": round(hq, 4),
                                "reverse_kl": None if kl == float("inf") else round(kl, 4),
                                "seconds": round(seconds, 1), "threads": args.threads,
                                "load": round(os.getloadavg()[0], 1), "config": asdict(cfg)}
                        f.write(json.dumps(line) + "\n")
    print()
    print(format_mode_table(rows))
    load = os.getloadavg()[0]
    print(
        f"\ntorch threads: {args.threads}; load average at the end: {load:.1f}; "
        f"total {time.perf_counter() - t0:.0f} s"
    )
    if args.json_out:
        argv = sys.argv[1:]
        if "--jsonl" in argv:  # where this machine logged its runs is not part of the command
            i = argv.index("--jsonl")
            argv = argv[:i] + argv[i + 2 :]
        command = "python " + " ".join(
            shlex.quote(a) for a in ["benchmarks/toy2d_times.py", *argv]
        )
        if args.append and os.path.exists(args.json_out):
            old_rows, old_meta = load_rows(args.json_out)
            new = {(r.name, r.data) for r in rows}
            rows = [r for r in old_rows if (r.name, r.data) not in new] + rows
            command = old_meta["command"] + "\n" + command
        save_rows(
            rows,
            args.json_out,
            command=command,
            torch=torch.__version__,
            threads=args.threads,
            cpu=platform.processor() or platform.machine(),
            load_average_at_end=round(load, 1),
            date=time.strftime("%Y-%m-%d"),
        )
        print(f"wrote {args.json_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
