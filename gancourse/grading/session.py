"""The kernel session of one notebook run: cells one by one, restarts, the harness calls.

A cell that errors is noted and the run goes on; a cell that times out, floods its output
or kills the kernel is noted, the kernel is restarted (in a fresh sandbox), the cells that
ran before are replayed (without the bad one) and the run goes on. Every wait is bounded
(:class:`~gancourse.grading.limits.Limits`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from gancourse.exercises.spec import Case, Exercise, Output
from gancourse.grading.harness import harness_source
from gancourse.grading.kernel import ExecResult, Kernel, KernelStartError
from gancourse.grading.limits import Limits
from gancourse.grading.sandbox import Sandbox
from gancourse.grading.transport import TransportError, read_outputs, write_cases


@dataclass
class CellIssue:
    """A code cell that did not run cleanly: ``cell`` is its 1-based position in the notebook."""

    cell: int
    status: str
    message: str


@dataclass
class ExerciseOutcome:
    """What the harness brought back for one exercise: ``status`` ``ok`` with ``results``
    (one dict of Outputs per case), or why not (``missing``, ``not_callable``, ``timeout``,
    ``flood``, ``dead``, ``error``, ``not_run``) in ``message``."""

    status: str
    message: str = ""
    results: list[dict[str, Output]] = field(default_factory=list)


class KernelSession:
    """The kernel of one notebook run in the folder ``tmp`` (its working folder ``work``, a
    private home, its sockets and the harness files), restarted and replayed when a cell
    kills it. Nothing is attempted after ``deadline`` (``time.monotonic()``)."""

    def __init__(self, tmp: Path, work: Path, limits: Limits, sandbox: Sandbox, deadline: float):
        self.tmp, self.work, self.limits, self.deadline = tmp, work, limits, deadline
        self.sandbox = sandbox
        self.user = sandbox.user
        self.home = tmp / "home"
        self.kernel: Kernel | None = None
        self.ran: list[tuple[int, str]] = []  # cells to replay after a restart
        self.restarts = -1
        self.used = 0.0  # seconds of the notebook's own cells
        self.issues: list[CellIssue] = []

    def _own(self, path: Path, mode: int = 0o700) -> Path:
        """Create ``path`` if missing and give it to the kernel's user."""
        path.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            os.chown(path, *self.user)
        path.chmod(mode)
        return path

    def prepare(self) -> None:
        """The folders the kernel needs; with a sandbox user, the grader's own stay root's."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            self.tmp.chmod(0o711)  # the kernel may pass through, not list or write
        for sub in (self.work, self.home, self.home / "tmp", self.home / "ipython"):
            self._own(sub)
        self._own(self.tmp / "conn")  # the kernel creates its sockets there
        mpl = self._own(self.home / "mpl")
        try:  # reuse our font cache: a fresh matplotlib config would rebuild it (seconds)
            import matplotlib

            for f in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
                if not (mpl / f.name).exists():
                    shutil.copyfile(f, mpl / f.name)
                    if self.user is not None:
                        os.chown(mpl / f.name, *self.user)
        except Exception:  # noqa: BLE001 - only a speed-up
            pass

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def _cell_limit(self) -> float:
        return min(self.limits.per_cell, max(0.1, self.time_left()))

    def _start(self) -> str:
        """A fresh kernel (folders recreated: a cell may have deleted them); '' or why not."""
        self.prepare()
        self.kernel = Kernel(
            self.work,
            memory_mb=self.limits.memory_mb,
            fsize_mb=self.limits.fsize_mb,
            env=self.sandbox.env(self.home),
            startup_timeout=self.limits.startup_timeout,
            user=self.user,
            confine=self.sandbox.confine(self.tmp, self.work, self.home / "tmp"),
        )
        try:
            self.kernel.start(self.tmp / "conn")
        except KernelStartError as exc:
            self.kernel = None
            return f"the kernel could not start: {exc}"
        return ""

    def _replay(self) -> None:
        """Run the cells that ran before the restart; drop one that kills the kernel now."""
        assert self.kernel is not None
        for idx, source in list(self.ran):
            r = self.kernel.execute(
                source, timeout=self._cell_limit(), output_cap=self.limits.output_cap
            )
            if r.killed_kernel:  # it behaved differently this time: drop it too
                self.ran.remove((idx, source))
                why = r.describe(self.limits.per_cell, self.limits.output_cap)
                self.issues.append(CellIssue(idx + 1, r.status, "when re-run: " + why))
                break

    def ensure(self) -> str:
        """A live kernel with the earlier cells replayed; '' or why there is none."""
        while self.kernel is None or not self.kernel.alive():
            if self.kernel is not None:
                self.kernel.kill()
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                return f"the kernel was restarted {self.limits.max_restarts} times; giving up"
            if self.time_left() <= 0:
                return "the grader's time for this notebook ran out"
            problem = self._start()
            if problem:
                return problem
            self._replay()
        return ""

    def run_cell(self, idx: int, source: str) -> None:
        """Run the notebook's cell ``idx``; what went wrong becomes a :class:`CellIssue`."""
        remaining = self.limits.timeout - self.used
        if remaining <= 0:
            self.issues.append(
                CellIssue(
                    idx + 1,
                    "not_run",
                    f"not run: the notebook used up its {self.limits.timeout:.0f} s",
                )
            )
            return
        problem = self.ensure()
        if problem:
            self.issues.append(CellIssue(idx + 1, "not_run", f"not run: {problem}"))
            return
        assert self.kernel is not None
        limit = min(self.limits.per_cell, remaining)
        r: ExecResult = self.kernel.execute(
            source, timeout=limit, output_cap=self.limits.output_cap
        )
        self.used += r.seconds
        if r.status in ("ok", "error"):
            self.ran.append((idx, source))
        if r.status != "ok":
            message = r.describe(limit, self.limits.output_cap)
            if r.status == "timeout" and limit < self.limits.per_cell:
                message = f"stopped: the notebook used up its {self.limits.timeout:.0f} s"
            self.issues.append(CellIssue(idx + 1, r.status, message))

    def call(self, ex: Exercise, cases: list[Case]) -> ExerciseOutcome:
        """Send the harness cell that calls the student's ``ex.name`` on ``cases``."""
        problem = self.ensure()
        if problem:
            return ExerciseOutcome("not_run", problem)
        assert self.kernel is not None
        io = self._own(self.tmp / f"io-{secrets.token_hex(8)}")  # fresh: deleting files earlier
        inputs, outputs = io / "inputs.npz", io / "outputs.npz"  # cannot matter
        write_cases(inputs, cases)
        limit = min(self.limits.call_timeout, max(0.1, self.time_left()))
        r = self.kernel.execute(
            harness_source(ex.name, inputs, outputs),
            timeout=limit,
            output_cap=self.limits.output_cap,
        )
        if r.status != "ok":
            return self._failed_call(ex, r, limit)
        try:
            status, detail, results = read_outputs(outputs, list(ex.outputs))
        except TransportError as exc:
            return ExerciseOutcome(
                "error", f"the grader could not read what `{ex.name}` returned: {exc}"
            )
        if status != "ok":
            return ExerciseOutcome(
                status if status in ("missing", "not_callable") else "error", detail
            )
        if len(results) != len(cases):
            return ExerciseOutcome("error", "the result file holds the wrong number of cases")
        return ExerciseOutcome("ok", "", results)

    def _failed_call(self, ex: Exercise, r: ExecResult, limit: float) -> ExerciseOutcome:
        """Why the harness cell for ``ex`` did not finish."""
        if r.status == "timeout":
            return ExerciseOutcome(
                "timeout", f"`{ex.name}` did not return within {limit:.0f} s (an endless loop?)"
            )
        if r.status == "flood":
            return ExerciseOutcome(
                "flood", f"`{ex.name}` printed more than {self.limits.output_cap // 1000} kB"
            )
        if r.status == "dead":
            return ExerciseOutcome("dead", f"calling `{ex.name}` killed the kernel")
        return ExerciseOutcome(
            "error", f"the grader could not call `{ex.name}`: {r.ename}: {r.evalue}"[:400]
        )

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.kill()
