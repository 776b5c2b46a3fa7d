"""Lesson 03 benchmark: wall time per model and mode coverage, full mode, CPU.

Usage: .venv/bin/python benchmarks/toy2d_times.py [--models recommended vanilla ...]
       [--data grid25 ring8] [--seeds 0 1 2] [--steps N] [--threads T]

Trains each named preset of gancourse.toy2d.PRESETS on each data set for each seed at
the default (full) step count and prints a Markdown table: modes, high-quality %,
reverse KL (mean ± std over seeds), seconds per model, and how many seeds reach the
lesson's target (all modes, >= 95% HQ on grid25, >= 97% on ring8).
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from gancourse.toy2d import PRESETS, compare, format_mode_table


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--models", nargs="+", default=["recommended"], choices=sorted(PRESETS))
    p.add_argument("--data", nargs="+", default=["grid25", "ring8"], choices=["grid25", "ring8"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=None, help="default: each config's full step count")
    p.add_argument(
        "--threads", type=int, default=min(2, os.cpu_count() or 1), help="torch CPU threads"
    )
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    rows = []
    for data in args.data:
        rows += compare(args.models, data, tuple(args.seeds), steps=args.steps)
    print()
    print(format_mode_table(rows))
    print(
        f"\ntorch threads: {args.threads}; load average at the end: {os.getloadavg()[0]:.1f}; "
        f"total {time.perf_counter() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
