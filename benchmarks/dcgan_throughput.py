"""Throughput of the course trainer against a plain DCGAN loop, and the achieved GFLOP/s.

    python benchmarks/dcgan_throughput.py [--batch-size 64] [--width 32] [--steps 40] [--repeats 3]

Both loops train the same model (gancourse.models, lesson-05 sizes) with the same loss,
Adam settings, data (generated art, 32x32), batch size and device. The reference is
written the way pytorch/examples ``dcgan/main.py`` does it: a ``DataLoader`` over the
tensors, ``BCEWithLogitsLoss`` with label tensors, D's real and fake halves backpropagated
separately, one G forward reused for the G step, and ``.item()`` on D(x) / D(G(z)) every
step. Runs are interleaved (reference, course, course-NCHW, then the reverse order, ...) so
a change in the machine's load hits all of them alike; the ratio printed is the median of
the per-round ratios (robust to a round hit by a burst of load), with the ratio of medians.

"images/s" counts real training images seen per second. The GFLOP/s of a training step
come from ``torch.utils.flop_counter`` (forward + backward of one course training step)
divided by the course trainer's measured step time, next to a measured float32 matmul.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from torch.utils.data import DataLoader, TensorDataset

from gancourse.augment import diff_augment
from gancourse.data import load_images
from gancourse.losses import get_loss
from gancourse.models import refresh_batch_norm
from gancourse.recipes import RECIPES, Recipe
from gancourse.train import d_step, g_step, train_gan


def reference_loop(
    rec: Recipe, images: torch.Tensor, steps: int, device: torch.device, seed: int = 0
) -> float:
    """A plain loop in the style of pytorch/examples dcgan/main.py, on the recipe's models
    with its loss and extras written out directly; returns images/s."""
    netG, netD = rec.models(32, 3, seed=seed)
    netG.to(device)
    netD.to(device)
    loss = get_loss(rec.loss)
    netG_ema = copy.deepcopy(netG) if rec.ema else None
    optimizerD = torch.optim.Adam(netD.parameters(), lr=rec.lr_d, betas=rec.betas)
    optimizerG = torch.optim.Adam(netG.parameters(), lr=rec.lr_g, betas=rec.betas)
    dataloader = DataLoader(
        TensorDataset(images), batch_size=rec.batch_size, shuffle=True, drop_last=True
    )
    aug = (lambda x: diff_augment(x, rec.augment)) if rec.augment else (lambda x: x)
    batches = iter(())
    done, start = 0, time.perf_counter()
    while done < steps:
        for _ in range(rec.n_critic):
            try:
                (data,) = next(batches)
            except StopIteration:
                batches = iter(dataloader)
                (data,) = next(batches)
            netD.zero_grad()
            lazy = bool(rec.r1) and done % rec.r1_every == 0
            real = data.to(device).requires_grad_(lazy)
            noise = torch.randn(rec.batch_size, rec.z_dim, device=device)
            fake = netG(noise)
            out_real = netD(aug(real))
            out_fake = netD(aug(fake.detach()))
            errD = loss.d_loss(out_real, out_fake)
            if lazy:
                (grad,) = torch.autograd.grad(out_real.sum(), real, create_graph=True)
                errD = errD + rec.r1 * rec.r1_every / 2 * grad.pow(2).flatten(1).sum(1).mean()
            errD.backward()
            optimizerD.step()
        netG.zero_grad()
        errG = loss.g_loss(netD(aug(fake)))
        errG.backward()
        optimizerG.step()
        if netG_ema is not None:
            with torch.no_grad():
                for p_ema, p in zip(netG_ema.parameters(), netG.parameters()):
                    p_ema.mul_(rec.ema).add_(p, alpha=1 - rec.ema)
        _ = (
            loss.readout(out_real).mean().item(),
            loss.readout(out_fake).mean().item(),
            errD.item(),
            errG.item(),
        )
        done += 1
    if netG_ema is not None:  # the average's own batch-norm statistics, as the course does
        refresh_batch_norm(netG_ema, seed=0)  # (copying G's costs tens of FD points, lesson 07)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * rec.batch_size * rec.n_critic / (time.perf_counter() - start)


def course_loop(
    rec: Recipe,
    images: torch.Tensor,
    steps: int,
    device: torch.device,
    channels_last: bool | None = None,
    seed: int = 0,
) -> float:
    """gancourse.train.train_gan on a slice of exactly ``steps`` steps; returns images/s."""
    G, D = rec.models(32, 3, seed=seed)
    data = images[: steps * rec.batch_size * rec.n_critic]
    r = train_gan(
        G,
        D,
        data,
        **rec.train_kwargs(),
        epochs=1,
        seed=seed,
        device=device,
        progress=False,
        channels_last=channels_last,
        n_fixed=16,
        sample_every=10**9,
    )
    return r.images_per_second


def step_flops(rec: Recipe) -> tuple[int, bool]:
    """Floating-point operations of one course training step (forward + backward), counted,
    and whether the count is complete: ``FlopCounterMode`` cannot follow the double backward
    of the R1 penalty, so a step with R1 is counted without it (a lower bound)."""
    from torch.utils.flop_counter import FlopCounterMode

    G, D = rec.models(32, 3, seed=0)
    loss = get_loss(rec.loss)
    opt_g, opt_d = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
    x = torch.rand(rec.batch_size, 3, 32, 32) * 2 - 1
    z = torch.randn(rec.batch_size, rec.z_dim)
    aug = (lambda t: diff_augment(t, rec.augment)) if rec.augment else None
    with FlopCounterMode(display=False) as counter:
        x_fake = G(z)
        d_step(D, loss, opt_d, x, x_fake, augment=aug)  # no R1 term: see above
        g_step(D, loss, opt_g, x_fake, augment=aug)
    return counter.get_total_flops(), not rec.r1


def matmul_gflops(device: torch.device, n: int = 1024, repeats: int = 10) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def measure(rec: Recipe, args, images, device) -> dict:
    """Interleaved runs of the reference and the course loops for one recipe; prints ratios."""
    loops = {
        "reference": lambda i: reference_loop(rec, images, args.steps, device, seed=i),
        "course": lambda i: course_loop(rec, images, args.steps, device, seed=i),
        "course (NCHW)": lambda i: course_loop(
            rec, images, args.steps, device, channels_last=False, seed=i
        ),
    }
    reference_loop(rec, images, 3, device)  # warm-up (oneDNN kernels, allocator), not timed
    course_loop(rec, images, 3, device)
    runs: dict[str, list[float]] = {k: [] for k in loops}
    for i in range(args.repeats):
        order = list(loops) if i % 2 == 0 else list(loops)[::-1]  # ABC CBA: cancels drifts
        for name in order:
            runs[name].append(loops[name](i))
        print(
            f"  run {i + 1}: "
            + ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items())
            + " images/s",
            flush=True,
        )
    med = {k: statistics.median(v) for k, v in runs.items()}
    for k, v in med.items():
        print(f"{k:>14}: median {v:7.1f} images/s")
    for name in ("course", "course (NCHW)"):
        pairs = [c / r for c, r in zip(runs[name], runs["reference"])]
        print(
            f"ratio {name} / reference: {statistics.median(pairs):.2f} (median of the "
            f"interleaved pairs: {', '.join(f'{x:.2f}' for x in pairs)}); "
            f"ratio of medians {med[name] / med['reference']:.2f}"
        )
    return med


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--recipes", nargs="+", default=["dcgan", "recommended"], choices=sorted(RECIPES)
    )
    p.add_argument("--steps", type=int, default=40, help="training steps per timed run")
    p.add_argument("--repeats", type=int, default=6, help="interleaved runs of each loop")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    peak = matmul_gflops(device)
    for name in args.recipes:
        rec = RECIPES[name]
        images, _ = load_images(
            "art", size=32, n=args.steps * rec.batch_size * rec.n_critic, seed=0
        )
        print(
            f"\n== recipe {rec.describe()}\ndevice={device} threads={torch.get_num_threads()} "
            f"steps/run={args.steps} repeats={args.repeats}"
        )
        med = measure(rec, args, images, device)
        flops, complete = step_flops(rec)
        achieved = flops * med["course"] / (rec.batch_size * rec.n_critic) / 1e9
        print(
            ("" if complete else "without the R1 term (a lower bound): ")
            + f"training step: {flops / 1e9:.2f} GFLOP per step "
            f"({flops / rec.batch_size / 1e6:.0f} MFLOP/image); achieved {achieved:.1f} "
            f"GFLOP/s vs float32 matmul {peak:.1f} GFLOP/s ({100 * achieved / peak:.0f}%)"
        )


if __name__ == "__main__":
    main()
