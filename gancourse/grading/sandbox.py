"""Where and as whom a graded kernel runs: bubblewrap, the sandbox user, its environment.

``--sandbox bwrap`` (what ``auto`` picks where Debian's ``bubblewrap`` works) starts every
kernel in its own namespaces with :func:`bwrap_argv`:

- a read-only system (``/usr``, the libraries, a few files of ``/etc``) and Python
  environment (the interpreter's prefixes and site-packages), and the grading copy of the
  course package (:mod:`.stubs`) in place of the real one;
- its own folder, writable: the working folder holding only its notebook copy, a private
  home and ``/tmp``, and the files it shares with the grader (the kernel's unix sockets,
  Jupyter's ``ipc`` transport, and the harness's inputs and outputs); nothing else of the
  host's file system: not the submissions, not the other students' copies, not the hidden
  tests, not the grader's output, not the course repository (``solutions/``);
- no network, its own PID namespace (it cannot see or signal the grader or the other
  kernels; all its processes end with the namespace), no capabilities, user ``nobody``
  inside, and ``--die-with-parent``.

``--sandbox none`` (``auto`` where bubblewrap cannot run, with a warning) keeps only the
limits of :mod:`.kernel` and, when the grader runs as root, the sandbox user: a kernel can
then read whatever that user can, and a process it starts in a new session outlives it.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gancourse.exercises.spec import Exercise
from gancourse.grading.limits import Limits
from gancourse.grading.stubs import build_grading_copy

MODES = ("auto", "bwrap", "none")
NOBODY = "65534"
#: The parts of /etc a Python process needs (dynamic linker, users, time zone, certificates).
ETC = (
    "alternatives",
    "group",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "passwd",
    "ssl",
)
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


# ------------------------------------------------------------------------ the sandbox user


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


_PROBES: dict[tuple, str] = {}


def _probe(key: tuple, cmd: list[str], user: tuple[int, int] | None, env: dict) -> str:
    """'' when ``cmd`` (a Python importing the kernel's packages) runs, else why not; once
    per ``key`` and process."""
    if key not in _PROBES:
        extra = {} if user is None else {"user": user[0], "group": user[1], "extra_groups": []}
        try:
            proc = subprocess.run(
                cmd, cwd="/", capture_output=True, text=True, timeout=120, env=env, **extra
            )
            lines = proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"]
            _PROBES[key] = "" if proc.returncode == 0 else lines[-1]
        except (OSError, subprocess.SubprocessError) as exc:
            _PROBES[key] = f"{type(exc).__name__}: {exc}"
    return _PROBES[key]


def sandbox_problem(user: tuple[int, int]) -> str:
    """'' when a process running as ``user`` can start a kernel here, else why it cannot.

    (A Python installed under a private home, e.g. ``/root/.pyenv``, is out of its reach.)
    """
    cmd = [sys.executable, "-c", "import ipykernel, numpy"]
    return _probe(("user", user), cmd, user, {"PATH": os.environ.get("PATH", "")})


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


# ------------------------------------------------------------------------ bubblewrap


def _python_dirs() -> list[Path]:
    """The folders the interpreter needs: its prefixes and the site-packages on sys.path."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry):
            dirs.add(entry)
    paths = sorted(Path(d).resolve() for d in dirs if d and os.path.isdir(d))
    return [p for p in paths if not any(q in p.parents for q in paths)]  # outermost only


def _ro(path: Path | str) -> list[str]:
    return ["--ro-bind", str(path), str(path)]


def _system() -> list[str]:
    """Read-only binds of the system folders (merged-/usr symbolic links kept as links)."""
    args: list[str] = []
    for d in SYSTEM:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += _ro(d)
    for name in ETC:
        if os.path.exists(f"/etc/{name}"):
            args += _ro(f"/etc/{name}")
    return args


def _python(package: Path) -> list[str]:
    """The Python environment, read-only, with every real copy of gancourse in it replaced
    by the grading copy ``package/gancourse``."""
    system = [Path(d).resolve() for d in SYSTEM if os.path.isdir(d)]
    args: list[str] = []
    for d in _python_dirs():
        if not any(s == d or s in d.parents for s in system):
            args += _ro(d)
    args += _ro(package)
    for entry in sys.path:
        real = Path(entry or ".").resolve() / "gancourse"
        visible = any(d == real.parent or d in real.parents for d in _python_dirs())
        if visible and real.is_dir() and real != package / "gancourse":
            args += ["--ro-bind", str(package / "gancourse"), str(real)]
    return args


def bwrap_argv(package: Path, own: Path, work: Path, tmp: Path, info_fd: int | None) -> list[str]:
    """The ``bwrap ... --`` prefix that starts a command in a kernel's sandbox.

    ``own``: the kernel's folder (working folder, home, sockets, harness files), bound
    read-write at the same path; ``work``: its working folder; ``tmp``: what it sees as
    ``/tmp``. Whoever runs bwrap (root, the sandbox user, an ordinary user), the kernel is
    ``nobody`` in its own user namespace, without capabilities.
    """
    argv = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--unshare-user"]
    argv += ["--uid", NOBODY, "--gid", NOBODY, "--cap-drop", "ALL"]
    argv += ["--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
    argv += ["--bind", str(tmp), "/tmp"] + _system() + _python(package)
    argv += ["--bind", str(own), str(own), "--chdir", str(work)]
    if info_fd is not None:
        argv += ["--info-fd", str(info_fd)]
    return argv + ["--"]


def bwrap_problem(package: Path, user: tuple[int, int] | None) -> str:
    """'' when bubblewrap can start a Python with the kernel's packages here, else why not."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="gancourse-probe-") as d:
        own = Path(d)
        if user is not None:
            os.chown(own, *user)
        argv = bwrap_argv(package, own, own, own, info_fd=None)
        cmd = argv + [sys.executable, "-c", "import ipykernel, gancourse.grading.harness"]
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(package)}
        return _probe(("bwrap", user, str(package)), cmd, user, env)


# ------------------------------------------------------------------------ the run's choice


@dataclass
class Sandbox:
    """How the kernels of one grading run start: ``mode`` ``bwrap`` or ``none``, the
    ``user`` they run as (None: the grader's own), the grading copy of the package
    (``package``, put first on their ``sys.path``) and what the instructor should know."""

    mode: str
    user: tuple[int, int] | None
    package: Path
    warnings: list[str] = field(default_factory=list)

    def env(self, home: Path) -> dict[str, str]:
        """The kernel's environment: a few basics, quick mode, one thread, a private home."""
        keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "VIRTUAL_ENV", "SYSTEMROOT")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        path = [str(self.package)]
        if self.mode == "none":  # (bubblewrap shows no other folder: no use passing them)
            path += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(path),
                "HOME": str(home),
                "TMPDIR": str(home / "tmp"),
                "MPLCONFIGDIR": str(home / "mpl"),
                "IPYTHONDIR": str(home / "ipython"),
                "GANCOURSE_QUICK": "1",
                "MPLBACKEND": "agg",
                "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1",
                "OPENBLAS_NUM_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            }
        )
        return env

    def confine(self, own: Path, work: Path, tmp: Path) -> Callable[[int], list[str]] | None:
        """What :class:`~gancourse.grading.kernel.Kernel` puts before its command (given the
        fd bwrap reports on) to start inside bubblewrap; None without it. ``own``, ``work``,
        ``tmp``: see :func:`bwrap_argv`."""
        if self.mode != "bwrap":
            return None
        return lambda info_fd: bwrap_argv(self.package, own, work, tmp, info_fd)


NO_BWRAP = (
    "graded WITHOUT the bubblewrap sandbox ({why}): a submission can read other students' "
    "notebooks and leave processes running after the grader; install bubblewrap or grade "
    "inside a container"
)


def choose(limits: Limits, package: Path) -> Sandbox:
    """The sandbox for ``limits.sandbox`` (``auto``, ``bwrap``, ``none``); ``ValueError`` when
    ``bwrap`` is asked for and cannot run."""
    if limits.sandbox not in MODES:
        raise ValueError(f"--sandbox must be one of {', '.join(MODES)}, got {limits.sandbox!r}")
    user, user_warning = effective_user(limits)
    if limits.sandbox == "none":
        why = "--sandbox none"
    else:
        why = bwrap_problem(package, user)
        if not why:
            return Sandbox("bwrap", user, package)
        if limits.sandbox == "bwrap":
            raise ValueError(f"--sandbox bwrap: bubblewrap cannot run here: {why}")
    warnings = [NO_BWRAP.format(why=why[:200])] + ([user_warning] if user_warning else [])
    return Sandbox("none", user, package, warnings)


@contextmanager
def open_sandbox(
    limits: Limits, catalogue: tuple[Exercise, ...], tmp_root: Path | None = None
) -> Iterator[Sandbox]:
    """The sandbox of one grading run, with its grading copy of the package (removed after)."""
    user, _ = effective_user(limits)
    if tmp_root is not None and user is not None and not traversable(Path(tmp_root)):
        tmp_root = None  # the sandbox user could not read the copy there
    root = Path(tempfile.mkdtemp(prefix="gancourse-pkg-", dir=tmp_root))
    try:
        build_grading_copy(root, catalogue)
        yield choose(limits, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def traversable(path: Path) -> bool:
    """Whether every folder down to ``path`` lets other users pass through (o+x)."""
    path = path.resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])
