"""Plotting for the lessons.

- :mod:`~gancourse.plotting.grids`: grids of images, their animation, the art gallery
  (re-exported here);
- :mod:`~gancourse.plotting.gan1d`: p_data, p_g and D(x) of a 1D GAN (lessons 02, 04);
- :mod:`~gancourse.plotting.gan2d`: the GAN-Lab view of a 2D GAN (lesson 03);
- :mod:`~gancourse.plotting.frames`: what every ``animate_*`` helper builds on: the jshtml
  player and a static PNG strip of its frames, which GitHub shows where the player does not run.
"""

from gancourse.plotting.frames import frame_strip, pick_frames, show_strip
from gancourse.plotting.grids import animate_grids, show_art_gallery, show_grid, to_grid

__all__ = [
    "animate_grids",
    "frame_strip",
    "pick_frames",
    "show_art_gallery",
    "show_grid",
    "show_strip",
    "to_grid",
]
