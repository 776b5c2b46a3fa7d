"""Lesson 03's same-budget comparison: train named configurations over seeds, tabulate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gancourse.toy2d.config import preset
from gancourse.toy2d.training import evaluate_modes, train_toy2d


@dataclass(frozen=True)
class TableRow:
    """One configuration over several seeds: per-seed (modes, hq, reverse_kl, seconds)."""

    name: str
    data: str
    steps: int
    per_seed: tuple

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
    **changes,
) -> list[TableRow]:
    """Train every preset in ``names`` on ``data`` for each seed; score n samples each.

    All runs share ``steps`` (default: the config's) and ``batch_size``: the same budget.
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
            per_seed.append((cov.modes, cov.hq, cov.reverse_kl, result.seconds))
            if verbose:
                print(f"{name:>16} {data} seed {seed}: {cov}  ({result.seconds:.0f} s)", flush=True)
        rows.append(TableRow(name, data, result.config.steps, tuple(per_seed)))
    return rows


def _pm(mean: float, std: float) -> str:
    return f"{mean:.2f} ± {std:.2f}" if np.isfinite(std) else f"{mean:.2f}"


def format_mode_table(rows: list[TableRow]) -> str:
    """A Markdown table: modes and high-quality % as mean ± std over seeds, seconds per run."""
    lines = [
        "| model | data | steps | seeds | modes | high quality % | reverse KL | s / run "
        "| all modes + target HQ |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        (m, ms), (h, hs), (k, ks), (t, _) = (r.stat(i) for i in range(4))
        k_max = 25 if r.data == "grid25" else 8
        target = 0.95 if r.data == "grid25" else 0.97
        ok = sum(1 for s in r.per_seed if s[0] == k_max and s[1] >= target)
        lines.append(
            f"| {r.name} | {r.data} | {r.steps} | {len(r.per_seed)} | {m:.1f} ± {ms:.1f} | "
            f"{100 * h:.1f} ± {100 * hs:.1f} | {_pm(k, ks)} | {t:.0f} | "
            f"{ok}/{len(r.per_seed)} |"
        )
    return "\n".join(lines)


__all__ = ["TableRow", "compare", "format_mode_table"]
