"""Run one submitted notebook in a sandboxed kernel and collect what its functions return.

Steps: read the file (never write it), find the exercises it holds, copy it into a fresh
temporary folder, run its code cells one by one in a :class:`~gancourse.grading.kernel.Kernel`
started there, then for each exercise send the harness cell that calls the student's
function on the grader's inputs. A cell that errors is noted and the run goes on; a cell
that times out, floods its output or kills the kernel is noted, the kernel is restarted,
the cells that ran before are replayed (without the bad one) and the run goes on. Every
wait is bounded (:class:`Limits`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gancourse.exercises.spec import Case, Exercise, Output
from gancourse.grading.harness import harness_source
from gancourse.grading.kernel import ExecResult, Kernel, KernelStartError
from gancourse.grading.transport import TransportError, read_outputs, write_cases

MAX_NOTEBOOK_BYTES = 20 * 2**20


@dataclass
class Limits:
    """Bounds for one notebook.

    ``timeout``: seconds for all of the notebook's own cells together; one cell may use at
    most ``cell_timeout`` (default half of ``timeout``). ``call_timeout``: seconds for the
    grader's calls of one exercise's function. ``output_cap``: bytes one cell may print.
    ``memory_mb``: address-space limit of the kernel; ``fsize_mb``: largest file it may
    write. ``max_restarts``: kernel restarts after a cell killed it. ``sandbox_user``: the
    user the kernels run as: ``"auto"`` (``nobody`` when the grader runs as root, else the
    grader's own user), a user name, or ``"none"`` (never switch).
    """

    timeout: float = 120.0
    cell_timeout: float | None = None
    call_timeout: float = 30.0
    output_cap: int = 1_000_000
    memory_mb: int = 4096
    fsize_mb: int = 64
    max_restarts: int = 4
    startup_timeout: float = 60.0
    sandbox_user: str = "auto"

    @property
    def per_cell(self) -> float:
        return self.cell_timeout if self.cell_timeout is not None else max(1.0, self.timeout / 2)

    def hard_deadline(self, n_exercises: int) -> float:
        """Seconds after which nothing more is attempted for this notebook."""
        per_start = self.startup_timeout + self.timeout
        return self.timeout + n_exercises * self.call_timeout + (self.max_restarts + 1) * per_start


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


@dataclass
class NotebookRun:
    """Everything the grader learned from one notebook file."""

    path: str
    sha256: str = ""
    error: str = ""
    exercises: list[Exercise] = field(default_factory=list)
    outcomes: dict[str, ExerciseOutcome] = field(default_factory=dict)
    issues: list[CellIssue] = field(default_factory=list)
    seconds: float = 0.0
    lesson_guess: str = ""
    uses_reference: dict[str, str] = field(default_factory=dict)


def reference_call(source: str, ex: Exercise) -> str:
    """The reference implementation that ``source`` (the cell defining ``ex``) uses, or ''.

    Looks at the code itself (``ast``: not docstrings or comments) for the plain ways:
    ``theory.optimal_discriminator``, ``gancourse.theory.optimal_discriminator`` and
    ``from gancourse.theory import optimal_discriminator``. A deterrent, not a proof: the
    student's code runs in the kernel and can always hide what it calls.
    """
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    for dotted in ex.reference_api:
        module, _, attr = dotted.rpartition(".")
        short = module.rpartition(".")[2]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == attr:
                owner = node.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if name == short:
                    return dotted
            if isinstance(node, ast.ImportFrom) and node.module == module:
                if any(alias.name in (attr, "*") for alias in node.names):
                    return dotted
    return ""


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def _source(cell) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _is_check_cell(cell) -> bool:
    """An nbgrader test cell (our self-checks): skipped, the grader does its own checking."""
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def find_exercises(
    nb, catalogue: tuple[Exercise, ...], filename: str
) -> tuple[list[Exercise], dict[str, int]]:
    """The exercises of every lesson this notebook belongs to, and where each is defined.

    A lesson is recognised by a cell's nbgrader ``grade_id`` or a ``def <name>(`` of one of
    its exercises; failing both, by a file name starting with the lesson number.
    """
    defined_at: dict[str, int] = {}
    present: set[str] = set()
    by_id = {ex.grade_id: ex for ex in catalogue}
    names = {ex.name for ex in catalogue}
    for i, cell in enumerate(nb.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        gid = _nbgrader(cell).get("grade_id")
        if isinstance(gid, str) and gid in by_id:
            present.add(by_id[gid].name)
            defined_at.setdefault(by_id[gid].name, i)
        for name in re.findall(r"^def\s+([A-Za-z_]\w*)\s*\(", source, flags=re.M):
            if name in names:
                present.add(name)
                defined_at[name] = i
    lessons = {ex.lesson for ex in catalogue if ex.name in present}
    if not lessons:
        m = re.match(r"(\d\d)_", filename)
        if m and any(ex.lesson == m.group(1) for ex in catalogue):
            lessons = {m.group(1)}
    return [ex for ex in catalogue if ex.lesson in lessons], defined_at


def resolve_user(name: str) -> tuple[int, int] | None:
    """``(uid, gid)`` the kernels should run as, or None to stay the grader's own user."""
    if name == "none" or not hasattr(os, "geteuid"):
        return None
    if name == "auto":
        if os.geteuid() != 0:
            return None
        name = "nobody"
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ValueError(f"sandbox user {name!r} does not exist") from None
    if entry.pw_uid == os.geteuid():
        return None
    if os.geteuid() != 0:
        raise ValueError(f"running kernels as {name!r} needs the grader to run as root")
    return entry.pw_uid, entry.pw_gid


_PROBES: dict[tuple[int, int], str] = {}


def sandbox_problem(user: tuple[int, int]) -> str:
    """'' when a process running as ``user`` can start a kernel here, else why it cannot.

    (A Python installed under a private home, e.g. ``/root/.pyenv``, is out of its reach.)
    Probed once per user and process.
    """
    import subprocess
    import sys

    if user not in _PROBES:
        try:
            proc = subprocess.run(
                [sys.executable, "-c", "import ipykernel, gancourse"],
                cwd="/",
                user=user[0],
                group=user[1],
                extra_groups=[],
                capture_output=True,
                text=True,
                timeout=120,
                env={"PATH": os.environ.get("PATH", "")},
            )
            _PROBES[user] = (
                "" if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["failed"])[-1]
            )
        except (OSError, subprocess.SubprocessError) as exc:
            _PROBES[user] = f"{type(exc).__name__}: {exc}"
    return _PROBES[user]


def effective_user(limits: Limits) -> tuple[tuple[int, int] | None, str]:
    """The user kernels will run as under ``limits``, and a warning when "auto" could not switch."""
    user = resolve_user(limits.sandbox_user)
    if user is None:
        if limits.sandbox_user == "auto" and hasattr(os, "geteuid"):
            return None, (
                "kernels run as the grader's own user (not root), so a submission can touch "
                "whatever that user can; grade untrusted work as root or in a container"
            )
        return None, ""
    problem = sandbox_problem(user)
    if problem and limits.sandbox_user == "auto":
        return None, (
            f"kernels run as the grader's own user: the sandbox user (uid {user[0]}) cannot "
            f"start Python here ({problem[:160]})"
        )
    if problem:
        raise ValueError(f"the sandbox user cannot start a kernel: {problem}")
    return user, ""


def kernel_env(home: Path) -> dict[str, str]:
    """The kernel's environment: a few basics from ours, quick mode, one thread, a private home."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "VIRTUAL_ENV", "PYTHONPATH", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        {
            "HOME": str(home),
            "TMPDIR": str(home / "tmp"),
            "MPLCONFIGDIR": str(home / "mpl"),
            "GANCOURSE_QUICK": "1",
            "MPLBACKEND": "agg",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "IPYTHONDIR": str(home / "ipython"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    return env


class _Session:
    """The kernel of one notebook run, restarted and replayed when a cell kills it."""

    def __init__(self, tmp: Path, work: Path, limits: Limits, deadline: float):
        self.tmp, self.work, self.limits, self.deadline = tmp, work, limits, deadline
        self.user, _ = effective_user(limits)
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
        self._own(self.work)
        self._own(self.home)
        self._own(self.home / "tmp")
        self._own(self.home / "ipython")
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
        conn = self.tmp / "conn"
        conn.mkdir(exist_ok=True)
        conn.chmod(0o711)

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

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
            self.prepare()  # (again: a cell may have deleted the folders)
            self.kernel = Kernel(
                self.work,
                memory_mb=self.limits.memory_mb,
                fsize_mb=self.limits.fsize_mb,
                env=kernel_env(self.home),
                startup_timeout=self.limits.startup_timeout,
                user=self.user,
            )
            try:
                self.kernel.start(self.tmp / "conn")
            except KernelStartError as exc:
                self.kernel = None
                return f"the kernel could not start: {exc}"
            for idx, source in list(self.ran):
                r = self.kernel.execute(
                    source,
                    timeout=min(self.limits.per_cell, max(0.1, self.time_left())),
                    output_cap=self.limits.output_cap,
                )
                if r.killed_kernel:  # it behaved differently this time: drop it too
                    self.ran.remove((idx, source))
                    self.issues.append(
                        CellIssue(
                            idx + 1,
                            r.status,
                            "when re-run: "
                            + r.describe(self.limits.per_cell, self.limits.output_cap),
                        )
                    )
                    break
        return ""

    def run_cell(self, idx: int, source: str) -> None:
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
        problem = self.ensure()
        if problem:
            return ExerciseOutcome("not_run", problem)
        assert self.kernel is not None
        io = self._own(
            self.tmp / f"io-{secrets.token_hex(8)}"
        )  # fresh: deleting files earlier cannot matter
        inputs, outputs = io / "inputs.npz", io / "outputs.npz"
        write_cases(inputs, cases)
        limit = min(self.limits.call_timeout, max(0.1, self.time_left()))
        r = self.kernel.execute(
            harness_source(ex.name, inputs, outputs),
            timeout=limit,
            output_cap=self.limits.output_cap,
        )
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
        if r.status == "error":
            return ExerciseOutcome(
                "error", f"the grader could not call `{ex.name}`: {r.ename}: {r.evalue}"[:400]
            )
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

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.kill()


def _traversable(path: Path) -> bool:
    """Whether every folder down to ``path`` lets other users pass through (o+x)."""
    import stat

    path = path.resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def run_notebook(
    path: Path,
    display: str,
    catalogue: tuple[Exercise, ...],
    cases: dict[str, list[Case]],
    limits: Limits,
    tmp_root: Path | None = None,
) -> NotebookRun:
    """Run ``path`` (read only; executed from a temporary copy); collect each exercise's outputs."""
    import nbformat

    start = time.monotonic()
    run = NotebookRun(display)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            run.error = (
                f"the file is {size / 2**20:.1f} MB, more than {MAX_NOTEBOOK_BYTES // 2**20} MB"
            )
            return run
        data = path.read_bytes()
    except OSError as exc:
        run.error = f"the file could not be read ({exc.strerror or exc})"
        return run
    run.sha256 = hashlib.sha256(data).hexdigest()
    m = re.match(r"(\d\d)_", path.name)
    run.lesson_guess = m.group(1) if m else ""
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        cells = list(nb.cells)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the submission's problem
        run.error = f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
        return run
    run.exercises, defined_at = find_exercises(nb, catalogue, path.name)
    if not run.exercises:
        return run
    for ex in run.exercises:
        if ex.name in defined_at:
            source = _source(cells[defined_at[ex.name]])
            if used := reference_call(source, ex):
                run.uses_reference[ex.name] = used
    code = []
    for i, cell in enumerate(cells):
        source = _source(cell)
        if cell.get("cell_type") == "code" and source.strip() and not _is_check_cell(cell):
            code.append((i, source))
    if (
        tmp_root is not None
        and effective_user(limits)[0] is not None
        and not _traversable(Path(tmp_root))
    ):
        tmp_root = None  # the sandbox user could not reach it: use the system's temporary folder
    tmp = Path(tempfile.mkdtemp(prefix="gancourse-grade-", dir=tmp_root))
    session = None
    try:
        work = tmp / "work"
        deadline = time.monotonic() + limits.hard_deadline(len(run.exercises))
        session = _Session(tmp, work, limits, deadline)
        session.prepare()
        (work / path.name).write_bytes(data)  # the temporary copy the kernel may read (or wreck)
        for idx, source in code:
            session.run_cell(idx, source)
        for ex in run.exercises:
            try:
                outcome = session.call(ex, cases[ex.name])
            except Exception as exc:  # noqa: BLE001 - one exercise's trouble must not sink the rest
                outcome = ExerciseOutcome(
                    "error", f"internal grader error ({type(exc).__name__}: {exc})"
                )
            if outcome.status == "missing" and ex.name in defined_at:
                cell_no = defined_at[ex.name] + 1
                why = next((c.message for c in session.issues if c.cell == cell_no), "")
                if why:
                    outcome.message += f": cell {cell_no}, where it is defined, {why}"
            run.outcomes[ex.name] = outcome
        run.issues = session.issues
    finally:
        if session is not None:
            session.close()
        shutil.rmtree(tmp, ignore_errors=True)
        run.seconds = time.monotonic() - start
    return run
