"""Show the package's code inside a lesson, so the lesson never pastes a second copy."""

from __future__ import annotations

import inspect
from typing import Any


def show_source(obj: Any) -> Any:
    """Display the source of a function or class (syntax-highlighted in Jupyter).

    Returns an IPython ``Code`` object in a notebook (so it renders as the cell's output)
    and prints plain text elsewhere.
    """
    source = inspect.getsource(obj)
    try:
        from IPython import get_ipython
        from IPython.display import Code

        if get_ipython() is not None:
            return Code(source, language="python")
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        pass
    print(source)
    return None
