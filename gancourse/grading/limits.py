"""The bounds the grader puts on one notebook (time, output, memory, restarts, isolation)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Limits:
    """Bounds for one notebook.

    ``timeout``: seconds for all of the notebook's own cells together; one cell may use at
    most ``cell_timeout`` (default half of ``timeout``). ``call_timeout``: seconds for the
    grader's calls of one exercise's function. ``output_cap``: bytes one cell may print.
    ``memory_mb``: address-space limit of the kernel; ``fsize_mb``: largest file it may
    write. ``max_restarts``: kernel restarts after a cell killed it. ``sandbox``:
    ``"bwrap"`` (every kernel in bubblewrap), ``"none"`` (only these limits) or ``"auto"``
    (bubblewrap where it runs, else ``none`` with a warning); see
    :mod:`gancourse.grading.sandbox`. ``sandbox_user``: the user the kernels run as:
    ``"auto"`` (``nobody`` when the grader runs as root, else the grader's own user), a user
    name, or ``"none"`` (never switch).
    """

    timeout: float = 120.0
    cell_timeout: float | None = None
    call_timeout: float = 30.0
    output_cap: int = 1_000_000
    memory_mb: int = 4096
    fsize_mb: int = 64
    max_restarts: int = 4
    startup_timeout: float = 60.0
    sandbox: str = "auto"
    sandbox_user: str = "auto"

    @property
    def per_cell(self) -> float:
        return self.cell_timeout if self.cell_timeout is not None else max(1.0, self.timeout / 2)

    def hard_deadline(self, n_exercises: int) -> float:
        """Seconds after which nothing more is attempted for this notebook."""
        per_start = self.startup_timeout + self.timeout
        return self.timeout + n_exercises * self.call_timeout + (self.max_restarts + 1) * per_start
