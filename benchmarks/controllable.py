"""Lesson 08 benchmark: conditional GANs (projection vs concatenation) and InfoGAN, over seeds.

Usage (the tables in lesson 08 come from these exact commands):

    .venv/bin/python benchmarks/controllable.py --experiment infogan --info-blind \\
        --info-real 3 --seeds 0 1 2 --epochs 16 --jobs 3 --keep KEEP_DIR \\
        --out benchmarks/results/infogan_clustered.json
    .venv/bin/python benchmarks/controllable.py --experiment infogan --info-blind \\
        --info-real 3 --seeds 0 1 2 --epochs 8 --jobs 3 \\
        --out benchmarks/results/infogan_clustered_8_epochs.json
    .venv/bin/python benchmarks/controllable.py --experiment infogan --no-info-blind \\
        --info-real 0 --seeds 0 1 2 --epochs 16 --out benchmarks/results/infogan.json
    .venv/bin/python benchmarks/controllable.py --experiment cgan --seeds 0 1 2 \\
        --epochs 4 --out benchmarks/results/cgan_conditions.json

Every run is the course's own command, ``python -m gancourse train cgan|infogan --data art
--epochs E --seed S ... --export-generator G.pt`` (lesson 07's recommended recipe; for InfoGAN
with ``--info-blind`` / ``--no-info-blind`` and ``--info-real`` written out), in its own
process on ``--threads`` CPU threads, ``--jobs`` at a time; ``--experiment cgan`` trains both
ways of feeding the label to D (``--condition projection`` and ``concat``) on the same budget.
After training, the exported generator is measured with the course's Judge (2,000 images,
``gancourse.conditional.scores``): for a conditional G, FD / precision / recall, and per style
the agreement of both classifiers with the requested style and FD / precision / recall within
the style; for InfoGAN, NMI and purity between the categorical code and the style the course
classifier sees (next to a random code of the same images), and what the continuous codes
control. Writes a JSON file with every run, its command and the machine; prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from stable_training import machine  # benchmarks/ is on the path of a script run from it

from gancourse.checkpoint import load_generator_file
from gancourse.conditional.scores import score_conditional, score_infogan
from gancourse.metrics.judge import Judge

RUNS = {"cgan": ("projection", "concat"), "infogan": ("infogan",)}


def command(
    name: str,
    seed: int,
    epochs: int,
    out_dir: Path,
    ema: float | None = None,
    info: tuple[bool, float] = (False, 0.0),
) -> list[str]:
    """The course command of one run (``name``: a condition, or ``infogan``); ``ema``: the
    recipe's moving-average decay changed (0.99 for short runs: 0.999 ** 1,562 steps still
    leaves a fifth of the initial weights in the average); ``info``: InfoGAN's palette-blind Q
    (on or off) and the weight of Q's clustering of the real images, always written out."""
    target = "infogan" if name == "infogan" else "cgan"
    stem = out_dir / f"{name}_seed{seed}"
    cmd = ["-m", "gancourse", "train", target, "--data", "art", "--epochs", str(epochs)]
    cmd += ["--seed", str(seed), "--n-samples", "60", "--samples-out", f"{stem}.npz"]
    cmd += ["--export-generator", f"{stem}_g.pt", "--quiet", "--checkpoint", f"{stem}_ckpt.pt"]
    cmd += [] if ema is None else ["--ema", str(ema)]
    if name == "infogan":
        blind, real = info
        return cmd + ["--info-blind" if blind else "--no-info-blind", "--info-real", str(real)]
    return cmd + ["--condition", name]


def _generator(out_dir: Path, name: str, seed: int) -> Path:
    return out_dir / f"{name}_seed{seed}_g.pt"


def measure(name: str, generator_file: Path, judge: Judge) -> dict:
    torch.manual_seed(0)  # not used by the measures (they seed their own draws); a safeguard
    G, info = load_generator_file(generator_file)
    scores = score_infogan(judge, G) if name == "infogan" else score_conditional(judge, G)
    return {"steps": info.get("steps"), "seconds": info.get("seconds"), **scores}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--experiment", choices=sorted(RUNS), required=True)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--epochs", type=int, required=True, help="passes over 50,000 paintings")
    p.add_argument("--ema", type=float, help="change the recipe's EMA decay (e.g. 0.99)")
    p.add_argument(
        "--info-blind",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="InfoGAN: Q reads palette-blind views (default off, the paper's plain Q)",
    )
    p.add_argument(
        "--info-real",
        type=float,
        default=0.0,
        help="InfoGAN: weight of Q's clustering of the real paintings (default 0: off)",
    )
    p.add_argument("--threads", type=int, default=1, help="torch threads per run")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time")
    p.add_argument(
        "--keep",
        type=Path,
        help="keep the generators, samples and checkpoints in this folder; a generator already "
        "there is measured, not retrained, and a run interrupted before it wrote one resumes "
        "from its checkpoint (to finish an interrupted benchmark)",
    )
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        jobs = [(name, seed) for name in RUNS[args.experiment] for seed in args.seeds]
        info = (args.info_blind, args.info_real)
        commands = {job: command(*job, args.epochs, out_dir, args.ema, info) for job in jobs}
        todo = {
            j: _resuming(c) for j, c in commands.items() if not _generator(out_dir, *j).exists()
        }
        _run_commands(todo, args.threads, args.jobs)
        judge = Judge.build("art")
        rows = []
        for (name, seed), cmd in commands.items():
            row = {"name": name, "seed": seed, "command": "python " + " ".join(cmd)}
            rows.append(row | measure(name, _generator(out_dir, name, seed), judge))
            print(_line(rows[-1]), flush=True)
    out = {
        "command": "python benchmarks/controllable.py " + " ".join(sys.argv[1:]),
        "experiment": args.experiment,
        "epochs": args.epochs,
        "threads": args.threads,
        "jobs": args.jobs,
        "machine": machine(),
        "wall_seconds": round(time.perf_counter() - t0),
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(format_table(out))
    print(f"\nwrote {args.out}; {out['wall_seconds']} s in all")
    return 0


def _resuming(cmd: list[str]) -> list[str]:
    """``cmd``, resumed from its checkpoint if an interrupted run left one (exact: the same
    result as an uninterrupted run)."""
    ckpt = Path(cmd[cmd.index("--checkpoint") + 1])
    return cmd + ["--resume", str(ckpt)] if ckpt.exists() else cmd


def _run_commands(commands: dict, threads: int, jobs: int) -> None:
    """Run the training commands, ``jobs`` at a time; stop at the first failure."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    pending, running = list(commands.items()), []
    while pending or running:
        while pending and len(running) < jobs:
            job, cmd = pending.pop(0)
            running.append((job, subprocess.Popen([sys.executable, *cmd], env=env)))
        time.sleep(1.0)
        for job, proc in [r for r in running if r[1].poll() is not None]:
            running.remove((job, proc))
            if proc.returncode != 0:
                raise RuntimeError(f"run {job} failed with exit code {proc.returncode}")


def _line(r: dict) -> str:
    if r["name"] == "infogan":
        return (
            f"infogan seed {r['seed']}: NMI {r['nmi']:.3f} (random code {r['nmi_random']:.3f}) "
            f"purity {r['purity']:.3f}; FD {r['fd']:.1f} ({r['steps']} steps, {r['seconds']} s)"
        )
    return (
        f"{r['name']:>10} seed {r['seed']}: agreement min {min(r['agreement']):.3f} mean "
        f"{statistics.fmean(r['agreement']):.3f}; style recall min {min(r['style_recall']):.3f}; "
        f"FD {r['fd']:.1f} ({r['steps']} steps, {r['seconds']} s)"
    )


def format_table(result: dict) -> str:
    """Markdown: one row per run, then the mean over seeds of each configuration."""
    keys = (
        ("nmi", "nmi_random", "purity", "purity_random", "nmi_second", "fd", "recall")
        if result["experiment"] == "infogan"
        else ("agreement", "agreement_second", "style_recall", "fd", "precision", "recall")
    )
    lines = ["| run | seed | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
    for r in result["runs"]:
        cells = [_cell(r[k]) for k in keys]
        lines.append(f"| {r['name']} | {r['seed']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(v) -> str:
    if isinstance(v, list):  # per style: the worst and the mean
        return f"min {min(v):.3f}, mean {statistics.fmean(v):.3f}"
    return f"{v:.3f}"


if __name__ == "__main__":
    sys.exit(main())
