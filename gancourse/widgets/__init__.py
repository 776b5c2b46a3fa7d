"""Interactive widgets (core ipywidgets only: works with ipywidgets 7.6+ and 8, Colab included).

Every widget is plain, testable functions plus a thin ipywidgets layer; each module's
``__all__`` lists what it exports here.
"""

from gancourse.widgets.cycle import *  # noqa: F403  (lesson 10: the CycleGAN explorer)
from gancourse.widgets.gan_lab import *  # noqa: F403  (lesson 03: live 2D GAN training)
from gancourse.widgets.latent import *  # noqa: F403  (lesson 06: the latent explorers)
from gancourse.widgets.minimax import *  # noqa: F403  (lesson 01: the minimax sliders)
from gancourse.widgets.painter import *  # noqa: F403  (lesson 08: the style painter)
from gancourse.widgets.repair import *  # noqa: F403  (lesson 09: the repair explorer)
