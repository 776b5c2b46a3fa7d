"""Interactive widgets (core ipywidgets only: works with ipywidgets 7.6+ and 8, Colab included).

Every widget is plain, testable functions plus a thin ipywidgets layer. Each widget
module adds its public names below.
"""
from gancourse.widgets.latent import *  # noqa: F401,F403,I001  (lesson 06: latent explorers)
from gancourse.widgets.minimax import *  # noqa: F401,F403  (lesson 01: the minimax sliders)
from gancourse.widgets.gan_lab import *  # noqa: F401,F403,I001  (lesson 03: live 2D GAN training)
