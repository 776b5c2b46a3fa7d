"""Datasets, all offline: toy 1D/2D distributions, generated abstract art, bundled digits.

Each data module adds its public names below (one import line per module).
"""
