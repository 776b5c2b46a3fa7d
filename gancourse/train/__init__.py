"""Training GANs: the one core (:mod:`~gancourse.train.steps`) and the image trainer.

- :func:`d_step`, :func:`g_step`: one discriminator update and one generator update, the
  functions every lesson shows and every trainer calls; :func:`ema_update`.
- :func:`train_gan`: the image trainer of lessons 05 and 07 on (:mod:`~gancourse.train.loop`).
- :class:`History`, :class:`TrainingDiverged` (:mod:`~gancourse.train.history`) and the
  resumable :class:`~gancourse.train.state.Run`.
"""

from gancourse.train.history import STATS, History, TrainingDiverged
from gancourse.train.loop import TrainResult, train_gan
from gancourse.train.steps import clip_weights, d_step, ema_update, frozen, g_step

__all__ = [
    "STATS",
    "History",
    "TrainResult",
    "TrainingDiverged",
    "clip_weights",
    "d_step",
    "ema_update",
    "frozen",
    "g_step",
    "train_gan",
]
