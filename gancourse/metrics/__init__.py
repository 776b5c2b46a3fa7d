"""Measuring GANs: mode coverage on toy data, feature-space distances on images (FD, KID,
precision / recall, density / coverage), memorised copies, and the course's Judge."""

from gancourse.metrics.copies import (
    Copies,
    aligned_descriptor,
    copy_threshold,
    find_copies,
    find_image_copies,
    plant_copies,
)
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
    real_labelled_sets,
    real_sets,
    style_histogram,
    train_classifier,
)
from gancourse.metrics.judge import Judge
from gancourse.metrics.kid import density_coverage, kid
from gancourse.metrics.modes import PERFECT_HQ, ModeCoverage, mode_coverage
from gancourse.metrics.wasserstein1d import wasserstein_1d
