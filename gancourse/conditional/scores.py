"""Lesson 08's measurements of a whole generator, with the course's :class:`Judge`.

- :func:`score_conditional`: a conditional G asked for every class in turn (balanced, z drawn
  with a seed, optionally truncated): FD / precision / recall of the whole set, and per class
  the agreement of both classifiers with the request and FD / precision / recall within the
  class;
- :func:`score_infogan`: an InfoGAN G sampled from its prior: NMI and purity between its
  categorical code and the style the course classifier sees (and the second opinion), the same
  for a random code of the same images (the baseline), which style each code value paints, and
  the correlations of the continuous codes with simple image measurements.

The benchmark (``benchmarks/controllable.py``) and the lesson use these, so their numbers are
measured the same way.
"""

from __future__ import annotations

import torch
from torch import nn

from gancourse.conditional.control import truncated
from gancourse.conditional.info import split_code
from gancourse.conditional.measure import (
    agreement,
    code_correlations,
    normalized_mutual_info,
    per_style_scores,
    purity,
)
from gancourse.metrics.classifier import predict
from gancourse.metrics.judge import Judge
from gancourse.models import generate, sample_latents


def conditional_samples(
    G: nn.Module, n: int, *, seed: int = 1, psi: float = 1.0, centres: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (n, C, H, W), requested labels (n,)): every class in turn, z drawn with ``seed``
    and truncated to ``psi`` (psi z, or toward ``centres``: :func:`truncate_to_centres`)."""
    requested = torch.arange(n) % G.n_classes
    z = truncated(sample_latents(n, G.z_dim, seed=seed), requested, psi, centres)
    return generate(G, z, requested), requested


def _style_scores(judge: Judge, x: torch.Tensor, labels: torch.Tensor) -> dict:
    """Per class: both classifiers' agreement with ``labels``, and FD / precision / recall of
    the images of that class against the judge's real images of that class."""
    k = len(judge.names)
    per = per_style_scores(judge.model, x, labels, judge.real, judge.real_labels, k=judge.k)
    return {
        "agreement": agreement(judge.model, x, labels, k),
        "agreement_second": agreement(judge.second.model, x, labels, k),
        "style_fd": [r["fd"] for r in per],
        "style_precision": [r["precision"] for r in per],
        "style_recall": [r["recall"] for r in per],
    }


def score_conditional(
    judge: Judge,
    G: nn.Module,
    *,
    seed: int = 1,
    psi: float = 1.0,
    centres: torch.Tensor | None = None,
) -> dict:
    """Every number of a conditional G on ``len(judge.real)`` images (see the module doc);
    ``psi`` and ``centres``: truncation, as in :func:`conditional_samples`."""
    x, requested = conditional_samples(G, len(judge.real), seed=seed, psi=psi, centres=centres)
    return {**judge.score(x).as_dict(), **_style_scores(judge, x, requested)}


def real_style_scores(judge: Judge) -> dict:
    """The same per-class numbers for the judge's second real set (real vs real): the best a
    generator can hope for."""
    return _style_scores(judge, judge.real_other, judge.real_other_labels)


def score_infogan(judge: Judge, G: nn.Module, *, n: int | None = None, seed: int = 1) -> dict:
    """Does the categorical code of an InfoGAN G find the styles? (see the module doc)"""
    n = len(judge.real) if n is None else n
    code = G.random_condition(n, torch.Generator().manual_seed(seed))
    x = generate(G, sample_latents(n, G.z_dim, seed=seed + 1), code)
    c, u = split_code(code, G.n_cat)
    style, second = predict(judge.model, x), predict(judge.second.model, x)
    random_code = c[torch.randperm(n, generator=torch.Generator().manual_seed(seed + 2))]
    table = torch.zeros(G.n_cat, len(judge.names), dtype=torch.long)
    table.index_put_((c, style), torch.ones(n, dtype=torch.long), accumulate=True)
    return {
        "nmi": normalized_mutual_info(c, style),
        "purity": purity(c, style),
        "nmi_second": normalized_mutual_info(c, second),
        "nmi_random": normalized_mutual_info(random_code, style),
        "purity_random": purity(random_code, style),
        "table": table.tolist(),  # rows: code values, columns: styles
        "correlations": code_correlations(u, x, groups=c) if u.shape[1] else {},
        **judge.score(x).as_dict(),
    }


__all__ = [
    "conditional_samples",
    "real_style_scores",
    "score_conditional",
    "score_infogan",
]
