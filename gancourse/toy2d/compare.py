"""Lesson 03's same-budget comparison: train named configurations over seeds, tabulate."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from gancourse.toy2d.config import preset
from gancourse.toy2d.training import evaluate_modes, train_toy2d

MEASURED_PATH = Path(__file__).resolve().parent / "measured.json"
"""The 3-seed table ``benchmarks/toy2d_times.py --json-out`` wrote for lesson 03 (full budget)."""

TARGET_HQ = 0.90
"""The course's target (COURSE.md): every mode captured and at least 90% high-quality samples."""


@dataclass(frozen=True)
class TableRow:
    """One configuration over several seeds: per-seed (modes, hq, reverse_kl, seconds)."""

    name: str
    data: str
    steps: int
    per_seed: tuple
    seeds: tuple = ()

    def stat(self, i: int) -> tuple[float, float]:
        """(mean, standard deviation) over seeds of column i (0 modes, 1 hq, 2 kl, 3 s)."""
        v = np.array([r[i] for r in self.per_seed], dtype=float)
        if not np.isfinite(v).all():  # e.g. reverse KL = inf when a seed covers no mode
            return float(v.mean()), float("nan")
        return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def compare(
    names,
    data: str,
    seeds=(0, 1, 2),
    *,
    steps: int | None = None,
    n: int = 2500,
    verbose: bool = True,
    on_result: Callable | None = None,
    **changes,
) -> list[TableRow]:
    """Train every preset in ``names`` on ``data`` for each seed; score n samples each.

    All runs share ``steps`` (default: the config's) and ``batch_size``: the same budget.
    ``on_result(name, seed, result)`` is called with every trained
    :class:`~gancourse.toy2d.Toy2DResult` (to keep some for a figure).
    """
    rows = []
    for name in names:
        per_seed = []
        for seed in seeds:
            extra = dict(changes, data=data)
            if steps is not None:
                extra["steps"] = steps
            result = train_toy2d(preset(name, **extra), seed=seed)
            cov = evaluate_modes(result, n, seed=seed)
            if on_result is not None:
                on_result(name, seed, result)
            per_seed.append((cov.modes, cov.hq, cov.reverse_kl, result.seconds))
            if verbose:
                print(f"{name:>16} {data} seed {seed}: {cov}  ({result.seconds:.0f} s)", flush=True)
        rows.append(TableRow(name, data, result.config.steps, tuple(per_seed), tuple(seeds)))
    return rows


def _pm(mean: float, std: float) -> str:
    return f"{mean:.2f} ± {std:.2f}" if np.isfinite(std) else f"{mean:.2f}"


def format_mode_table(rows: list[TableRow]) -> str:
    """A Markdown table: modes and high-quality % as mean ± std over seeds, seconds per run."""
    lines = [
        "| model | data | steps | seeds | modes | high quality % | reverse KL | s / run "
        "| all modes, HQ >= 90% |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        (m, ms), (h, hs), (k, ks), (t, _) = (r.stat(i) for i in range(4))
        k_max = 25 if r.data == "grid25" else 8
        ok = sum(1 for s in r.per_seed if s[0] == k_max and s[1] >= TARGET_HQ)
        lines.append(
            f"| {r.name} | {r.data} | {r.steps} | {len(r.per_seed)} | {m:.1f} ± {ms:.1f} | "
            f"{100 * h:.1f} ± {100 * hs:.1f} | {_pm(k, ks)} | {t:.0f} | "
            f"{ok}/{len(r.per_seed)} |"
        )
    return "\n".join(lines)


def save_rows(rows: list[TableRow], path, **meta) -> None:
    """Write ``rows`` (and ``meta``: the command, versions, load) as JSON to ``path``, one
    line per row: per_seed holds [modes, hq, reverse KL (null for inf), seconds] per seed."""
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in meta.items()]
    encoded = []
    for r in rows:
        row = asdict(r)
        row["per_seed"] = [
            [m, round(h, 6), None if not math.isfinite(k) else round(k, 6), round(t, 1)]
            for m, h, k, t in r.per_seed
        ]
        encoded.append("    " + json.dumps(row))
    text = "{\n" + "\n".join(lines) + '\n  "rows": [\n' + ",\n".join(encoded) + "\n  ]\n}\n"
    Path(path).write_text(text)


def load_rows(path=MEASURED_PATH) -> tuple[list[TableRow], dict]:
    """The rows :func:`save_rows` wrote, and its other fields (``command``, ...)."""
    raw = json.loads(Path(path).read_text())
    rows = [
        TableRow(
            r["name"],
            r["data"],
            r["steps"],
            tuple(
                (m, h, math.inf if k is None else k, t) for m, h, k, t in r["per_seed"]
            ),
            tuple(r.get("seeds", ())),
        )
        for r in raw.pop("rows")
    ]
    return rows, raw


__all__ = [
    "MEASURED_PATH",
    "TARGET_HQ",
    "TableRow",
    "compare",
    "format_mode_table",
    "load_rows",
    "save_rows",
]
