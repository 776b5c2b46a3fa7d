"""`python -m gancourse train dcgan`: writes the stated samples file; resumes; shipped weights."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from gancourse.checkpoint import load_checkpoint, load_generator_file
from gancourse.cli import main

TINY = [
    "--n-images",
    "64",
    "--batch-size",
    "16",
    "--g-width",
    "4",
    "--d-width",
    "4",
    "--z-dim",
    "8",
    "--image-size",
    "8",
    "--quiet",
    "--device",
    "cpu",
]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_cli_writes_samples_checkpoint_and_generator(tmp_path, capsys):
    out, ck, g = tmp_path / "s.npy", tmp_path / "c.pt", tmp_path / "g.pt"
    rc = main(
        [
            "train",
            "dcgan",
            "--data",
            "art",
            "--epochs",
            "2",
            "--seed",
            "3",
            "--samples-out",
            str(out),
            "--checkpoint",
            str(ck),
            "--n-samples",
            "10",
            "--export-generator",
            str(g),
            *TINY,
        ]
    )
    assert rc == 0
    x = np.load(out)
    assert x.shape == (10, 3, 8, 8) and x.dtype == np.float32
    assert -1.0 <= x.min() < x.max() <= 1.0 and np.isfinite(x).all()
    assert load_checkpoint(ck, kind="train")["step"] == 8  # 2 epochs of 64 // 16
    G, info = load_generator_file(g)
    assert info["epochs"] == 2 and info["seed"] == 3 and G.z_dim == 8
    assert info["recipe"] == "recommended" and G.upsample == "nearest"  # the command's default
    printed = capsys.readouterr().out
    assert "wrote (10, 3, 8, 8) samples" in printed and "recipe recommended:" in printed


def test_cli_resume_gives_the_same_samples(tmp_path):
    once, twice, ck = tmp_path / "a.npy", tmp_path / "b.npy", tmp_path / "c.pt"
    base = ["train", "dcgan", "--data", "art", "--seed", "1", *TINY]
    assert main([*base, "--epochs", "2", "--samples-out", str(once)]) == 0
    assert main([*base, "--epochs", "1", "--samples-out", str(twice), "--checkpoint", str(ck)]) == 0
    assert main([*base, "--epochs", "2", "--samples-out", str(twice), "--resume", str(ck)]) == 0
    np.testing.assert_array_equal(np.load(once), np.load(twice))


def test_cli_transposed_generator_and_bad_upsample(tmp_path, capsys):
    g = tmp_path / "g.pt"
    base = ["train", "dcgan", "--epochs", "1", "--samples-out", str(tmp_path / "s.npy"), *TINY]
    assert main([*base, "--upsample", "transpose", "--export-generator", str(g)]) == 0
    G, info = load_generator_file(g)
    assert G.upsample == "transpose" and "upsample='transpose'" in info["settings"]
    assert any(isinstance(m, torch.nn.ConvTranspose2d) for m in G.net[3:].modules())
    with pytest.raises(SystemExit) as exc:
        main([*base, "--upsample", "bicubic"])
    assert exc.value.code == 2 and "invalid choice: 'bicubic'" in capsys.readouterr().err


def test_cli_clear_errors(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    rc = main(
        [
            "train",
            "dcgan",
            "--epochs",
            "1",
            "--samples-out",
            str(tmp_path / "s.npy"),
            "--resume",
            str(bad),
            *TINY,
        ]
    )
    assert rc == 2 and "truncated or corrupted" in capsys.readouterr().err
    rc = main(
        [
            "train",
            "dcgan",
            "--data",
            "nope",
            "--epochs",
            "1",
            "--samples-out",
            str(tmp_path / "s.npy"),
            *TINY,
        ]
    )
    assert rc == 2 and "nope" in capsys.readouterr().err
    assert not (tmp_path / "s.npy").exists()


def test_cli_recipes_and_flags(tmp_path, capsys):
    from gancourse.recipes import RECIPES

    g = tmp_path / "g.pt"
    base = ["train", "dcgan", "--epochs", "1", "--samples-out", str(tmp_path / "s.npy"), *TINY]
    assert main([*base, "--recipe", "dcgan", "--export-generator", str(g)]) == 0
    assert load_generator_file(g)[1]["recipe"] == "dcgan"
    out = capsys.readouterr().out
    assert "recipe dcgan: g_width=4" in out and "loss=" not in out  # only the sizes changed
    assert (
        main(
            [
                *base,
                "--loss",
                "wgan-gp",
                "--d-norm",
                "layer",
                "--lr-g",
                "1e-4",
                "--betas",
                "0",
                "0.9",
                "--n-critic",
                "2",
                "--ema",
                "0",
                "--augment",
                "cutout",
                "--r1",
                "0",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for text in (
        "loss='wgan-gp'",
        "d_norm='layer'",
        "lr_g=0.0001",
        "betas=(0.0, 0.9)",
        "n_critic=2",
        "augment='cutout'",
    ):
        assert text in out, text
    assert RECIPES["recommended"].loss in LOSSES_NAMES


LOSSES_NAMES = ("minimax", "nonsaturating", "lsgan", "hinge", "wgan", "wgan-gp")


def test_cli_minutes_budget_stops_within_ten_percent(tmp_path, capsys):
    import re

    rc = main(
        [
            "train",
            "dcgan",
            "--minutes",
            "0.1",
            "--samples-out",
            str(tmp_path / "s.npy"),
            *TINY[:-2],
            "--n-images",
            "4096",
            "--device",
            "cpu",
        ]
    )
    assert rc == 0
    seconds = float(re.search(r"in (\d+) s", capsys.readouterr().out).group(1))
    assert 5.4 <= seconds <= 6.6  # 6 s +- 10%


def test_cli_budget_and_recipe_errors(tmp_path, capsys):
    base = ["train", "dcgan", "--samples-out", str(tmp_path / "s.npy"), *TINY]
    assert main(base) == 2 and "give a budget" in capsys.readouterr().err
    assert (
        main([*base, "--minutes", "-1"]) == 2 and "--minutes must be > 0" in capsys.readouterr().err
    )
    assert main([*base, "--epochs", "1", "--loss", "wgan-gp", "--d-norm", "batch"]) == 2
    assert "without batch norm" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--epochs", "1", "--recipe", "best"])
    assert not (tmp_path / "s.npy").exists()


@pytest.mark.slow
def test_cli_as_a_subprocess(tmp_path):
    out = tmp_path / "s.npy"
    cmd = [
        sys.executable,
        "-m",
        "gancourse",
        "train",
        "dcgan",
        "--data",
        "art",
        "--epochs",
        "1",
        "--seed",
        "0",
        "--samples-out",
        str(out),
        *TINY,
    ]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert np.load(out).shape == (64, 3, 8, 8)


def test_shipped_art_generator():
    from gancourse.pretrained import ART_GENERATOR_PATH, art_generator_info, load_art_generator

    assert ART_GENERATOR_PATH.stat().st_size < 5 * 2**20
    G = load_art_generator()
    info = art_generator_info()
    assert info["command"].startswith("python -m gancourse train dcgan --data art")
    assert not G.training and G.image_size == 32 and G.channels == 3
    with torch.no_grad():
        x = G(torch.randn(16, G.z_dim, generator=torch.Generator().manual_seed(0)))
    assert x.shape == (16, 3, 32, 32) and x.abs().max() <= 1.0
    assert x.std(dim=0).mean() > 0.05  # different z, different paintings (no total collapse)


def test_exported_command_leaves_out_resume(tmp_path):
    """Resuming is exact, so the stored command is the one that makes the same G in one go."""
    ck, g, out = tmp_path / "c.pt", tmp_path / "g.pt", tmp_path / "s.npy"
    base = [sys.executable, "-m", "gancourse", "train", "dcgan", "--data", "art", "--seed", "2"]
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "1"}
    for extra in (
        ["--epochs", "1", "--checkpoint", str(ck)],
        ["--epochs", "2", "--resume", str(ck), "--export-generator", str(g)],
    ):
        proc = subprocess.run(
            [*base, *extra, "--samples-out", str(out), *TINY],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert proc.returncode == 0, proc.stderr
    _, info = load_generator_file(g)
    assert info["resumed"] is True and info["steps"] == 8
    assert info["command"].startswith("python -m gancourse train dcgan --data art --seed 2")
    assert "--resume" not in info["command"] and str(ck) not in info["command"]
    assert "--epochs 2" in info["command"] and "--export-generator" in info["command"]


@pytest.mark.parametrize(
    "config",
    [
        {"z_dim": 8, "width": 4, "image_size": 8, "channels": 3},  # before Generator(upsample=)
        {"z_dim": 8, "width": 4, "image_size": 8, "channels": 3, "upsample": "nearest"},
    ],
)
def test_generator_files_of_earlier_layouts_still_load(tmp_path, config):
    """Files written before lesson 07 (no recipe, n_images or resumed in their info) load."""
    from gancourse.checkpoint import FORMAT, save_atomic
    from gancourse.models import Generator

    G = Generator(**config).eval()
    obj = {
        "format": FORMAT,
        "version": 1,
        "kind": "generator",
        "config": dict(config),
        "state_dict": G.state_dict(),
        "info": {"command": "python -m gancourse train dcgan --data art", "epochs": 40, "seed": 0},
    }
    save_atomic(obj, tmp_path / "old.pt")
    loaded, info = load_generator_file(tmp_path / "old.pt")
    assert info["epochs"] == 40 and "recipe" not in info
    assert loaded.upsample == config.get("upsample", "transpose")
    z = torch.randn(4, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(loaded(z), G(z))
