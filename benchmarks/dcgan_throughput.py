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
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from gancourse.data import load_images
from gancourse.losses import get_loss
from gancourse.models import Discriminator, Generator
from gancourse.train import d_step, g_step, train_gan


def reference_loop(images: torch.Tensor, steps: int, batch_size: int, width: int, z_dim: int,
                   device: torch.device, seed: int = 0) -> float:
    """The pytorch/examples DCGAN loop on the course models; returns images/s."""
    torch.manual_seed(seed)
    netG = Generator(z_dim, width, 32, 3).to(device)
    netD = Discriminator(width, 32, 3).to(device)
    criterion = nn.BCEWithLogitsLoss()  # the course nets output logits
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    dataloader = DataLoader(TensorDataset(images), batch_size=batch_size, shuffle=True,
                            drop_last=True)
    real_label, fake_label = 1.0, 0.0
    done, start = 0, time.perf_counter()
    while done < steps:
        for (data,) in dataloader:
            netD.zero_grad()
            real = data.to(device)
            label = torch.full((batch_size,), real_label, device=device)
            output = netD(real)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = torch.sigmoid(output).mean().item()

            noise = torch.randn(batch_size, z_dim, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = torch.sigmoid(output).mean().item()
            optimizerD.step()

            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = torch.sigmoid(output).mean().item()
            optimizerG.step()
            _ = (D_x, D_G_z1, D_G_z2, errD_real.item() + errD_fake.item(), errG.item())
            done += 1
            if done == steps:
                break
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch_size / (time.perf_counter() - start)


def course_loop(images: torch.Tensor, steps: int, batch_size: int, width: int, z_dim: int,
                device: torch.device, channels_last: bool | None = None, seed: int = 0) -> float:
    """gancourse.train.train_gan on a slice of exactly ``steps`` batches; returns images/s."""
    torch.manual_seed(seed)
    G, D = Generator(z_dim, width, 32, 3), Discriminator(width, 32, 3)
    data = images[: steps * batch_size]
    r = train_gan(G, D, data, epochs=1, batch_size=batch_size, seed=seed, device=device,
                  progress=False, channels_last=channels_last, n_fixed=16, sample_every=10**9)
    return r.images_per_second


def step_flops(batch_size: int, width: int, z_dim: int) -> int:
    """Floating-point operations of one course training step (forward + backward), counted."""
    from torch.utils.flop_counter import FlopCounterMode

    G, D = Generator(z_dim, width, 32, 3), Discriminator(width, 32, 3)
    opt_g, opt_d = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
    x, z = torch.rand(batch_size, 3, 32, 32) * 2 - 1, torch.randn(batch_size, z_dim)
    with FlopCounterMode(display=False) as counter:
        x_fake = G(z)
        d_step(D, get_loss("nonsaturating"), opt_d, x, x_fake)
        g_step(D, get_loss("nonsaturating"), opt_g, x_fake)
    return counter.get_total_flops()


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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--z-dim", type=int, default=64)
    p.add_argument("--steps", type=int, default=40, help="training steps per timed run")
    p.add_argument("--repeats", type=int, default=6, help="interleaved runs of each loop")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    images, _ = load_images("art", size=32, n=args.steps * args.batch_size, seed=0)
    kw = dict(steps=args.steps, batch_size=args.batch_size, width=args.width, z_dim=args.z_dim,
              device=device)
    print(f"device={device} threads={torch.get_num_threads()} batch={args.batch_size} "
          f"width={args.width} z_dim={args.z_dim} steps/run={args.steps} repeats={args.repeats}")
    # warm-up (oneDNN kernels, allocator), not timed
    reference_loop(images, **{**kw, "steps": 3})
    course_loop(images, **{**kw, "steps": 3})
    runs: dict[str, list[float]] = {"reference": [], "course": [], "course (NCHW)": []}
    loops = {
        "reference": lambda i: reference_loop(images, **kw, seed=i),
        "course": lambda i: course_loop(images, **kw, seed=i),
        "course (NCHW)": lambda i: course_loop(images, **kw, channels_last=False, seed=i),
    }
    for i in range(args.repeats):
        order = list(loops) if i % 2 == 0 else list(loops)[::-1]  # ABC CBA: cancels drifts
        for name in order:
            runs[name].append(loops[name](i))
        done = ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items())
        print(f"  run {i + 1}: {done} images/s")
    med = {k: statistics.median(v) for k, v in runs.items()}
    for k, v in med.items():
        print(f"{k:>14}: median {v:7.1f} images/s")
    for name in ("course", "course (NCHW)"):
        pairs = [c / r for c, r in zip(runs[name], runs["reference"])]
        print(f"ratio {name} / reference: {statistics.median(pairs):.2f} (median of the "
              f"interleaved pairs: {', '.join(f'{x:.2f}' for x in pairs)}); "
              f"ratio of medians {med[name] / med['reference']:.2f}")
    flops = step_flops(args.batch_size, args.width, args.z_dim)
    achieved = flops * med["course"] / args.batch_size / 1e9
    peak = matmul_gflops(device)
    print(f"training step: {flops / 1e9:.2f} GFLOP per step of {args.batch_size} images "
          f"({flops / args.batch_size / 1e6:.0f} MFLOP/image)")
    print(f"achieved {achieved:.1f} GFLOP/s vs float32 matmul {peak:.1f} GFLOP/s "
          f"({100 * achieved / peak:.0f}% of matmul)")


if __name__ == "__main__":
    main()
