"""Datasets, all offline: toy 1D/2D distributions, generated abstract art, bundled digits.

Each data module adds its public names below (one import line per module).
"""
from gancourse.data.toy1d import *  # noqa: F401,F403,I001  (1D mixtures: lessons 01, 02, 04)
from gancourse.data.images import ART_STYLES, DATASETS, SIZES, art_gallery, class_names, generate_art, load_images, num_channels, render_style, show_art_gallery  # noqa: F401,I001,E501
from gancourse.data.toy2d import GRID25_STD, RING8_RADIUS, RING8_STD, TOY2D, Mixture2D, grid25, grid25_means, ring8, ring8_means, sample_mixture_2d, spiral, toy2d_sampler  # noqa: F401,E501,I001  (lesson 03)
