"""Measuring GANs: mode coverage on toy data, feature-space distances on images.

Each metrics module adds its public names below (one import line per module).
"""
from gancourse.metrics.features import StyleClassifier, accuracy, baselines, blur, evaluate, features, fit_classifier, format_table, frechet_distance, noise_images, precision_recall, real_sets, style_histogram, train_classifier  # noqa: F401,E501,I001  (lessons 05-10)
from gancourse.metrics.wasserstein1d import wasserstein_1d  # noqa: F401  (lessons 02, 04)
from gancourse.metrics.modes import PERFECT_HQ, ModeCoverage, mode_coverage  # noqa: F401,I001  (lesson 03)
