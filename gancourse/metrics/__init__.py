"""Measuring GANs: mode coverage on toy data, feature-space distances on images.

Each metrics module adds its public names below (one import line per module).
"""
