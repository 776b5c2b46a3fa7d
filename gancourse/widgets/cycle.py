"""Lesson 10's CycleGAN widget: pick a painting of style A, see what each model makes of it.

:func:`cycle_views` is the logic (plain, tested without a browser): the painting, its
translation to style B by the CycleGAN, the translation back (the cycle reconstruction), and
the translation by the model trained without the cycle loss. :class:`CycleExplorer` is a thin
ipywidgets layer over it (core widgets only, ipywidgets 7.6+ and 8, Colab included) that also
says, for each translation, the style the course's classifier sees and how far its palette is
from the input's; shown in a notebook it carries a PNG of its current state as a fallback.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import torch
from torch import Tensor, nn

from gancourse.translate.measures import histogram_distance
from gancourse.translate.pix2pix import translate
from gancourse.widgets.fallback import widget_with_fallback
from gancourse.widgets.latent.common import _threaded, images_to_png


def cycle_views(
    a: Tensor, G_ab: nn.Module, G_ba: nn.Module, G_ab_ablation: nn.Module | None = None
) -> dict[str, Tensor]:
    """Paintings ``a`` (N, 3, S, S) of style A and what the models make of them:
    ``"input"``, ``"A -> B"`` (G_ab), ``"A -> B -> A"`` (G_ba after G_ab) and, when given,
    ``"A -> B, no cycle"`` (the ablation's G_ab). Eval mode, no gradients."""
    a2b = translate(G_ab, a)
    views = {"input": a, "A -> B": a2b, "A -> B -> A": translate(G_ba, a2b)}
    if G_ab_ablation is not None:
        views["A -> B, no cycle"] = translate(G_ab_ablation, a)
    return views


class CycleExplorer:
    """A slider over paintings of style A; the image shows :func:`cycle_views` of the chosen
    one, the label the classifier's verdict and the colour-histogram distance to the input.

    ``classify``: images -> style names (e.g. the course's classifier), optional.
    Attributes: ``painting`` (``IntSlider``), ``image`` (``Image``, PNG), ``label``,
    ``views`` and ``facts`` (name -> text) of the current painting.
    """

    def __init__(
        self,
        paintings: Tensor,
        G_ab: nn.Module,
        G_ba: nn.Module,
        G_ab_ablation: nn.Module | None = None,
        *,
        classify=None,
        index: int = 0,
        scale: int = 5,
        threads: int | None = 1,
    ):
        if paintings.dim() != 4 or paintings.shape[1] != 3 or len(paintings) < 1:
            raise ValueError(f"paintings must be (N, 3, S, S), got {tuple(paintings.shape)}")
        self.paintings, self.models = paintings, (G_ab, G_ba, G_ab_ablation)
        self.classify, self.scale, self.threads = classify, scale, threads
        self.painting = W.IntSlider(
            value=index,
            min=0,
            max=len(paintings) - 1,
            description="painting",
            continuous_update=False,
        )
        self.image = W.Image(format="png")
        self.label = W.HTML()
        self.views: dict[str, Tensor] = {}
        self.facts: dict[str, str] = {}
        self.painting.observe(lambda _change: self.update(), names="value")
        self.widget = W.VBox([self.painting, self.image, self.label])
        self.update()

    @_threaded
    def update(self) -> None:
        i = self.painting.value
        x = self.paintings[i : i + 1]
        self.views = cycle_views(x, *self.models)
        names = list(self.views)
        styles = self.classify(torch.cat(list(self.views.values()))) if self.classify else None
        self.facts = {}
        for k, name in enumerate(names):
            parts = [] if styles is None else [f"looks like {styles[k]}"]
            if name != "input":
                parts.append(
                    f"palette distance {float(histogram_distance(self.views[name], x)):.2f}"
                )
            self.facts[name] = ", ".join(parts)
        self.image.value = images_to_png(
            torch.cat(list(self.views.values())), scale=self.scale, nrow=len(names)
        )
        self.label.value = "<br>".join(f"<b>{k}</b>: {v}" for k, v in self.facts.items())

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        text = "\n".join(f"{k}: {v}" for k, v in self.facts.items())
        return widget_with_fallback(self.widget, self.image.value, text)


__all__ = ["CycleExplorer", "cycle_views"]
