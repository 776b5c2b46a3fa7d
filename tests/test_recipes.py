"""Named image-GAN recipes: models, train_gan arguments, validation."""

from __future__ import annotations

import inspect

import pytest
import torch

from gancourse.recipes import RECIPES, recipe
from gancourse.train import train_gan


def test_every_recipe_builds_its_models_and_trains_one_step():
    for name, rec in RECIPES.items():
        small = recipe(name, g_width=4, d_width=4, z_dim=8, batch_size=8)
        G, D = small.models(image_size=8, seed=0)
        G2, _ = small.models(image_size=8, seed=0)
        assert all(torch.equal(a, b) for a, b in zip(G.parameters(), G2.parameters()))
        assert D.norm == rec.d_norm and G.z_dim == 8
        images = torch.rand(16, 3, 8, 8) * 2 - 1
        r = train_gan(G, D, images, **small.train_kwargs(), epochs=1, device="cpu", progress=False)
        assert r.steps == 16 // (8 * small.n_critic)


def test_train_kwargs_are_train_gan_arguments():
    params = inspect.signature(train_gan).parameters
    for rec in RECIPES.values():
        assert set(rec.train_kwargs()) <= set(params)


def test_recipe_changes_and_errors():
    assert recipe("recommended", lr_d=1e-3).lr_d == 1e-3
    assert recipe("recommended", lr_d=1e-3).name == "recommended"
    assert RECIPES["dcgan"].describe() == "dcgan: lesson 05's DCGAN recipe"
    with pytest.raises(ValueError, match="unknown recipe"):
        recipe("best")
    with pytest.raises(ValueError, match="unknown loss"):
        recipe("dcgan", loss="wasserstein")
    with pytest.raises(ValueError, match="without batch norm"):
        recipe("dcgan", loss="wgan-gp")
    with pytest.raises(ValueError, match="d_norm"):
        recipe("dcgan", d_norm="instance")
