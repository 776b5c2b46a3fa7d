"""Run lesson notebooks top to bottom in a fresh kernel and save their outputs in place.

Usage: python tools/execute_notebooks.py [--quick] NOTEBOOK [NOTEBOOK ...]

Full mode by default (what lessons are committed with); ``--quick`` sets GANCOURSE_QUICK=1.
Each notebook's wall time is printed (the README's lesson table quotes these). A notebook
that raises is NOT written back, so a failed run never replaces good committed outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def execute(path: Path, quick: bool, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    env_quick = os.environ.pop("GANCOURSE_QUICK", None)
    if quick:
        os.environ["GANCOURSE_QUICK"] = "1"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        os.environ.pop("GANCOURSE_QUICK", None)
        if env_quick is not None:
            os.environ["GANCOURSE_QUICK"] = env_quick
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    # Record how the outputs were made: the hygiene test requires "full" for lessons.
    nb.metadata["gancourse"] = {
        "mode": "quick" if quick else "full",
        "wall_time_s": round(elapsed, 1),
    }
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help="run in quick mode (GANCOURSE_QUICK=1)"
    )
    parser.add_argument("--timeout", type=int, default=3600, help="per-cell timeout in seconds")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.notebooks:
        try:
            seconds = execute(path, args.quick, args.timeout)
        except CellExecutionError as exc:
            failed += 1
            print(f"FAILED {path}: {str(exc)[-2000:]}", file=sys.stderr)
            continue
        print(f"{seconds:8.1f} s  {path}  ({'quick' if args.quick else 'full'} mode)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
