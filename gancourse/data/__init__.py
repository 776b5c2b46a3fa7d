"""Datasets, all offline: toy 1D/2D distributions, generated abstract art, bundled digits."""

from gancourse.data.images import (
    ART_STYLES,
    DATASETS,
    SIZES,
    art_gallery,
    class_names,
    generate_art,
    load_images,
    num_channels,
    render_style,
)
from gancourse.data.toy1d import *  # noqa: F403  (1D mixtures of lessons 01, 02, 04; see its __all__)
from gancourse.data.toy2d import (
    GRID25_STD,
    RING8_RADIUS,
    RING8_STD,
    TOY2D,
    Mixture2D,
    grid25,
    grid25_means,
    ring8,
    ring8_means,
    sample_mixture_2d,
    spiral,
    toy2d_sampler,
)
