"""Show the package's code inside a lesson, so the lesson never pastes a second copy."""

from __future__ import annotations

import inspect
from typing import Any


def show_source(obj: Any) -> None:
    """Display the source of a function or class (syntax-highlighted in Jupyter).

    In a notebook it displays an IPython ``Code`` object right away, so several calls in one
    cell all show; elsewhere it prints plain text. Returns None.
    """
    source = inspect.getsource(obj)
    try:
        from IPython import get_ipython
        from IPython.display import Code, display

        if get_ipython() is not None:
            display(Code(source, language="python"))
            return None
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        pass
    print(source)
    return None
