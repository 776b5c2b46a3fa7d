"""Images per second of the abstract-art generator on ONE core (the goal: >= 2,000 at 32x32).

    python benchmarks/art_data_speed.py [--n 6000] [--repeats 5]

Prints, per size, the median and best rate of ``generate_art(n, size)`` (all six styles,
balanced, labels included) over the repeats, then the rate of each style alone at 32x32.
Runs with one thread (``OMP_NUM_THREADS=1``, ``torch.set_num_threads(1)``); NumPy does the
work, so this is the single-core rate. A busy machine shows lower numbers: compare the median
with the best.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy loads its BLAS / threads

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from gancourse.data.art import ART_STYLES, generate_art, render_style  # noqa: E402

GOAL = 2000.0


def _rates(fn, n: int, repeats: int) -> list[float]:
    fn(min(n, 512))  # warm-up: first-touch memory and imports
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(n)
        out.append(n / (time.perf_counter() - t0))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000, help="images per timed call")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"art generator, one thread, n={args.n}, {args.repeats} repeats (images/s)")
    ok = True
    for size in (32, 64):
        r = _rates(lambda n, s=size: generate_art(n, size=s, seed=1), args.n, args.repeats)
        med, best = statistics.median(r), max(r)
        note = ""
        if size == 32:
            ok = med >= GOAL
            note = f"  goal >= {GOAL:.0f}: {'met' if ok else 'NOT met'}"
        print(f"  all styles {size}x{size}: median {med:8.0f}  best {best:8.0f}{note}")
    for style in ART_STYLES:
        r = _rates(lambda n, s=style: render_style(s, n, 32, seed=1), args.n // 2, args.repeats)
        print(f"  {style:>10} 32x32: median {statistics.median(r):8.0f}  best {max(r):8.0f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
