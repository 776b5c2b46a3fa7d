"""Controllable art (lesson 08): conditional GANs, truncation, InfoGAN, classifier guidance.

- :mod:`~gancourse.conditional.models`: G(z, y) with class-conditional batch norm, D(x, y)
  with a projection or a concatenated label, InfoGAN's G(z, c) and D with its Q head;
- :mod:`~gancourse.conditional.info`: InfoGAN's mutual-information loss, written out, and
  its two unsupervised additions (a palette-blind Q, Q's clustering of the real paintings);
- :mod:`~gancourse.conditional.control`: asking for a style (by name, or a mix of two),
  the truncation trick, and steering an unconditional G with a classifier;
- :mod:`~gancourse.conditional.measure`: did G paint what was asked (agreement, per-style
  FD / precision / recall), and did InfoGAN's code find the styles (NMI, purity).

Training goes through the one trainer: ``train_gan(G, D, images, labels, ...)`` for a
conditional GAN, ``train_gan(G, D, images, info=1.0, ...)`` for InfoGAN.
"""

from gancourse.conditional.control import (
    guide_latents,
    mix_condition,
    paint,
    style_index,
    truncate,
    truncate_to_centres,
    truncation_centres,
)
from gancourse.conditional.info import (
    cluster_loss,
    info_loss,
    info_term,
    make_code,
    palette_blind,
    read_codes,
    split_code,
)
from gancourse.conditional.measure import (
    agreement,
    code_correlations,
    normalized_mutual_info,
    per_style_scores,
    purity,
)
from gancourse.conditional.models import (
    CONDITIONS,
    ConditionalBatchNorm2d,
    ConditionalDiscriminator,
    ConditionalGenerator,
    InfoDiscriminator,
    InfoGenerator,
    balanced_labels,
    check_condition,
)

__all__ = [
    "CONDITIONS",
    "ConditionalBatchNorm2d",
    "ConditionalDiscriminator",
    "ConditionalGenerator",
    "InfoDiscriminator",
    "InfoGenerator",
    "agreement",
    "balanced_labels",
    "check_condition",
    "cluster_loss",
    "code_correlations",
    "guide_latents",
    "info_loss",
    "info_term",
    "make_code",
    "mix_condition",
    "normalized_mutual_info",
    "paint",
    "palette_blind",
    "per_style_scores",
    "purity",
    "read_codes",
    "split_code",
    "style_index",
    "truncate",
    "truncate_to_centres",
    "truncation_centres",
]
