"""Measuring GANs: mode coverage on toy data, feature-space distances on images."""

from gancourse.metrics.features import (
    StyleClassifier,
    accuracy,
    baselines,
    blur,
    evaluate,
    features,
    fit_classifier,
    format_table,
    frechet_distance,
    noise_images,
    precision_recall,
    real_sets,
    style_histogram,
    train_classifier,
)
from gancourse.metrics.modes import PERFECT_HQ, ModeCoverage, mode_coverage
from gancourse.metrics.wasserstein1d import wasserstein_1d
