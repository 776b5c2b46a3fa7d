"""Display a widget with a static fallback, so a saved notebook still shows a picture."""

from __future__ import annotations

import base64
from typing import Any


def widget_with_fallback(widget: Any, png: bytes, text: str) -> dict[str, Any]:
    """A display bundle: the live ``widget``, plus ``png`` bytes and ``text`` as fallbacks.

    Frontends with a widget manager (JupyterLab, Notebook, Colab, VS Code) render the live
    widget; the others (GitHub, nbviewer, nbconvert) pick the static image. Use it as the
    return value of a ``_repr_mimebundle_`` method.
    """
    return {
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2,
            "version_minor": 0,
            "model_id": widget.model_id,
        },
        "image/png": base64.b64encode(png).decode("ascii"),
        "text/plain": text,
    }
