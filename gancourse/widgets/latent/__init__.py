"""Live latent-space widgets for lesson 06 (core ipywidgets only: 7.6+ and 8, Colab included).

A thin layer over :mod:`gancourse.latent`: every widget renders images to PNG bytes and
puts them in an ``ipywidgets.Image``, so its state is ``image.value`` (tests compare those
bytes; no browser needed). Each class keeps its controls as attributes, shows itself when
it is the last expression of a cell, and renders synchronously in the callback.

- :class:`LatentExplorer`: sliders along directions, a seed picker, a randomise button.
- :class:`InterpolationExplorer`: two endpoints, lerp and slerp side by side, a path slider.
- :class:`ArithmeticExplorer`: z + alpha (mean z of style a - mean z of style b) and the
  classifier's verdict before and after.
- :class:`MemorisationExplorer`: a generated image and its nearest training images in
  feature space, with distances.

Every widget takes the generator as an argument: the shipped one
(``gancourse.pretrained.load_art_generator()``) or one a student trained
(``gancourse.checkpoint.load_generator_file(path)``), and ``threads=1``: each update runs
on that many torch threads (see :func:`torch_threads`; ``None`` leaves torch's setting).
"""

from gancourse.widgets.latent.arithmetic import ArithmeticExplorer
from gancourse.widgets.latent.common import images_to_png, torch_threads
from gancourse.widgets.latent.explorer import LatentExplorer, measure_explorer_latency
from gancourse.widgets.latent.interpolation import InterpolationExplorer
from gancourse.widgets.latent.memorisation import MemorisationExplorer

__all__ = [
    "ArithmeticExplorer",
    "InterpolationExplorer",
    "LatentExplorer",
    "MemorisationExplorer",
    "images_to_png",
    "measure_explorer_latency",
    "torch_threads",
]
