"""Lesson 07 benchmark: GAN recipes on the art at the same compute budget, several seeds.

Usage (the numbers in lesson 07 and the README come from this exact command):

    .venv/bin/python benchmarks/stable_training.py --minutes 6 --seeds 0 1 --jobs 2 \\
        --out benchmarks/results/stable_training.json

Every configuration (CONFIGS below: a recipe of gancourse.recipes plus changes) trains from
scratch for ``--minutes`` of CPU time on one thread (``time.process_time``: on an idle machine
the same as wall-clock time; on a shared one still the same compute for every run), ``--jobs``
runs at a time (each in its own process). Snapshots of the sampling generator are kept every
``minutes / --points`` and measured after training (measuring does not eat the budget): FD,
precision and recall against 2,000 real paintings in the course classifier's feature space,
and the style shares of the course classifier and of a second, independent classifier
(gancourse.metrics.judge). Writes a JSON file with every run, its FD-vs-time curve, the
command and the machine; prints a Markdown table (mean +- std over seeds).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from gancourse.data import load_images
from gancourse.metrics.judge import Judge
from gancourse.models import refresh_batch_norm, sample
from gancourse.recipes import recipe
from gancourse.train import train_gan

# name -> (recipe, changes, what it shows). The first group compares losses and Lipschitz
# constraints; the second adds one thing at a time on the way to the recommended recipe
# (the ablation that says what fixed lesson 05); the third tries additions on top of it.
_PER_IMAGE = {"d_norm": "none", "r1": 10.0, "r1_every": 4}
CONFIGS: dict[str, tuple[str, dict, str]] = {
    "dcgan": ("dcgan", {}, "lesson 05: BCE, batch norm in D, Adam 2e-4 (0.5, 0.999)"),
    "lsgan": ("dcgan", {"loss": "lsgan"}, "least squares, otherwise lesson 05"),
    "wgan-clip": (
        "dcgan",
        {
            "loss": "wgan",
            "d_norm": "none",
            "optimizer": "rmsprop",
            "lr_g": 5e-5,
            "lr_d": 5e-5,
            "n_critic": 5,
        },
        "WGAN, weights clipped to 0.01, RMSprop 5e-5, 5 critic steps",
    ),
    "wgan-gp": (
        "dcgan",
        {
            "loss": "wgan-gp",
            "d_norm": "layer",
            "lr_g": 1e-4,
            "lr_d": 1e-4,
            "betas": (0.0, 0.9),
            "n_critic": 5,
        },
        "WGAN-GP, layer norm, Adam 1e-4 (0, 0.9), 5 critic steps",
    ),
    "hinge-sn": (
        "dcgan",
        {"loss": "hinge", "d_norm": "spectral", "betas": (0.0, 0.9)},
        "hinge loss, spectral norm in D, Adam 2e-4 (0, 0.9)",
    ),
    # the ablation: one change at a time from lesson 05 to the recommended recipe
    "+r1": ("dcgan", _PER_IMAGE, "lesson 05 with D without batch norm and R1 (gamma 10, lazy 4)"),
    "+mbstd": ("dcgan", {**_PER_IMAGE, "mbstd": True}, "... and a minibatch-std feature in D"),
    "+betas": (
        "dcgan",
        {**_PER_IMAGE, "mbstd": True, "betas": (0.0, 0.99)},
        "... and Adam betas (0, 0.99)",
    ),
    "+ema": (
        "dcgan",
        {**_PER_IMAGE, "mbstd": True, "betas": (0.0, 0.99), "ema": 0.999},
        "... and samples from an EMA of G (0.999)",
    ),
    "recommended": ("recommended", {}, "... and 50,000 training images: lesson 07's recipe"),
    # additions on top of it
    "+ttur": ("recommended", {"lr_d": 4e-4}, "recommended with D's learning rate doubled (TTUR)"),
    "+augment": (
        "recommended",
        {"augment": "translation,cutout"},
        "recommended with DiffAugment (translation, cutout)",
    ),
    "+wider-g": ("recommended", {"g_width": 48}, "recommended with G 1.5 times wider"),
}


def run_one(
    name: str, seed: int, minutes: float, points: int, judge_path: str, threads: int
) -> dict:
    """Train one configuration for ``minutes`` and measure its snapshots (in this process)."""
    torch.set_num_threads(threads)
    base, changes, _ = CONFIGS[name]
    rec = recipe(base, **changes)
    images, _ = load_images("art", size=32, n=rec.n_images, seed=0)
    G, D = rec.models(32, 3, seed=seed)
    marks = [minutes * 60 * (i + 1) / points for i in range(points)]
    snaps: list[tuple[float, int, torch.nn.Module]] = []
    t0 = time.process_time()

    def keep(run):  # a copy of the sampling generator at each time mark (cheap: no measuring)
        elapsed = time.process_time() - t0
        if len(snaps) < points - 1 and elapsed >= marks[len(snaps)]:
            snaps.append((elapsed, run.step, copy.deepcopy(run.sampling_generator)))

    result = train_gan(
        G,
        D,
        images,
        **rec.train_kwargs(),
        minutes=minutes,
        clock=time.process_time,  # CPU time of this one-thread process: fair on a shared machine
        seed=seed,
        device="cpu",
        progress=False,
        callback=keep,
    )
    cpu_seconds = time.process_time() - t0
    snaps.append((cpu_seconds, result.steps, result.sampling_generator))
    judge = Judge.load(judge_path)
    n = len(judge.real)
    curve = []
    for seconds, step, g in snaps:
        if rec.ema:  # the averaged generator's own batch-norm statistics (gancourse.train)
            refresh_batch_norm(g, seed=step)
        scores = judge.score(sample(g, n, seed=1000 + seed))
        curve.append({"seconds": round(seconds, 1), "step": step, **scores.as_dict()})
    h = result.history
    tail = max(1, len(h) // 10)  # D's outputs over the last 10% of the steps
    return {
        "name": name,
        "seed": seed,
        "recipe": rec.as_dict(),
        "steps": result.steps,
        "seconds": round(result.seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "images_per_second": round(result.images_per_second, 1),
        "d_real": statistics.fmean(h.d_real[-tail:]),
        "d_fake": statistics.fmean(h.d_fake[-tail:]),
        "d_output": h.d_output,
        **curve[-1],
        "curve": curve,
    }


def machine() -> dict:
    """The machine a benchmark ran on, stored with its results (also benchmarks/controllable.py)."""
    return {
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "load_average_end": round(os.getloadavg()[0], 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    p.add_argument("--minutes", type=float, default=6.0, help="CPU-time budget per run")
    p.add_argument("--points", type=int, default=8, help="snapshots per run (the FD curve)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per run")
    p.add_argument("--jobs", type=int, default=2, help="runs at a time")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/stable_training.json"))
    p.add_argument("--worker", nargs=2, metavar=("CONFIG", "SEED"), help=argparse.SUPPRESS)
    p.add_argument("--judge", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        row = run_one(
            args.worker[0], int(args.worker[1]), args.minutes, args.points, args.judge, args.threads
        )
        print(json.dumps(row))
        return 0
    return _parent(args)


def _parent(args) -> int:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        judge_path = str(Path(tmp) / "judge.pt")
        Judge.build("art").save(judge_path)
        jobs = [(c, s) for c in args.configs for s in args.seeds]
        rows = _run_all(jobs, args, judge_path)
    out = {
        "command": "python benchmarks/stable_training.py " + " ".join(sys.argv[1:]),
        "minutes": args.minutes,
        "threads": args.threads,
        "jobs": args.jobs,
        "machine": machine(),
        "wall_seconds": round(time.perf_counter() - t0),
        "configs": {k: v[2] for k, v in CONFIGS.items() if k in args.configs},
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(format_table(out))
    print(f"\nwrote {args.out}; {out['wall_seconds']} s in all")
    return 0


def _run_all(jobs, args, judge_path) -> list[dict]:
    """Run the (config, seed) jobs in subprocesses, ``args.jobs`` at a time."""
    pending, running, rows = list(jobs), [], []
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    while pending or running:
        while pending and len(running) < args.jobs:
            name, seed = pending.pop(0)
            cmd = [
                sys.executable,
                __file__,
                "--worker",
                name,
                str(seed),
                "--judge",
                judge_path,
                "--minutes",
                str(args.minutes),
                "--points",
                str(args.points),
                "--threads",
                str(args.threads),
            ]
            running.append(
                ((name, seed), subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env))
            )
        time.sleep(1.0)
        for job in [j for j in running if j[1].poll() is not None]:
            running.remove(job)
            out, _ = job[1].communicate()
            if job[1].returncode != 0:
                raise RuntimeError(f"run {job[0]} failed with code {job[1].returncode}")
            rows.append(json.loads(out.strip().splitlines()[-1]))
            r = rows[-1]
            print(
                f"{r['name']:>12} seed {r['seed']}: FD {r['fd']:6.1f} P {r['precision']:.3f} "
                f"R {r['recall']:.3f} ({r['steps']} steps, {r['images_per_second']:.0f} img/s)",
                flush=True,
            )
    return rows


def format_table(result: dict) -> str:
    """Markdown: one row per configuration, mean +- std over seeds."""
    by_name: dict[str, list[dict]] = {}
    for r in result["runs"]:
        by_name.setdefault(r["name"], []).append(r)

    def pm(rows, key, fmt):
        v = [r[key] for r in rows]
        sd = statistics.stdev(v) if len(v) > 1 else 0.0
        return f"{format(statistics.fmean(v), fmt)} ± {format(sd, fmt)}"

    lines = [
        "| config | steps | FD | precision | recall | min style share (course / second) |",
        "|---|---|---|---|---|---|",
    ]
    for name, rows in by_name.items():
        low = min(min(r["shares"]) for r in rows)
        low2 = min(min(r["second_shares"]) for r in rows)
        lines.append(
            f"| {name} | {statistics.fmean(r['steps'] for r in rows):.0f} | "
            f"{pm(rows, 'fd', '.1f')} | {pm(rows, 'precision', '.3f')} | "
            f"{pm(rows, 'recall', '.3f')} | {100 * low:.0f}% / {100 * low2:.0f}% |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
