"""One sandboxed Jupyter kernel: a separate process with resource limits, executed cell by cell.

The kernel is started by a few lines of Python (:data:`SANDBOX_CODE`) that lower its own
limits with ``resource.setrlimit`` before IPython starts: address space (memory), the
size of any file it writes, the number of processes (when it runs as its own user), no
core dumps. Its stdout and stderr go to ``/dev/null`` (only what the Jupyter protocol
carries is seen, and counted), and the protocol runs over unix sockets in one folder
(Jupyter's ``ipc`` transport), so it works inside a sandbox without a network.

Given ``confine`` (:meth:`gancourse.grading.sandbox.Sandbox.argv`), the kernel runs inside
bubblewrap, and :meth:`Kernel.kill` ends its whole PID namespace: every process it
started, in whatever session. Without it, the kernel runs in its own session (process
group), which :meth:`Kernel.kill` ends. Given ``user=(uid, gid)`` (the grader runs as
root), the process runs as that unprivileged user (``nobody`` by default).

:meth:`Kernel.execute` never raises for what the code does: it returns an
:class:`ExecResult` whose ``status`` is ``ok``, ``error`` (an exception in the cell),
``timeout`` (killed after ``timeout`` seconds), ``flood`` (killed after printing more
than the output cap) or ``dead`` (the kernel process ended, e.g. ``os._exit``).
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SANDBOX_CODE = r"""
import resource, sys
memory_mb, fsize_mb, nproc = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def _limit(which, value):
    try:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass
if memory_mb > 0:
    _limit(resource.RLIMIT_AS, memory_mb * 2**20)
if fsize_mb > 0:
    _limit(resource.RLIMIT_FSIZE, fsize_mb * 2**20)
if nproc > 0:
    _limit(resource.RLIMIT_NPROC, nproc)
_limit(resource.RLIMIT_CORE, 0)
del sys.argv[1:4]
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""
"""Run as ``python -c SANDBOX_CODE MEMORY_MB FSIZE_MB NPROC -f CONNECTION_FILE``."""


class KernelStartError(RuntimeError):
    """The kernel did not start (or died before answering)."""


@dataclass
class ExecResult:
    """What executing one cell did (see the module docstring for ``status``)."""

    status: str
    ename: str = ""
    evalue: str = ""
    seconds: float = 0.0
    output_bytes: int = 0

    @property
    def killed_kernel(self) -> bool:
        return self.status in ("timeout", "flood", "dead")

    def describe(self, timeout: float, cap: int) -> str:
        if self.status == "error":
            return f"raised {self.ename}: {self.evalue}"[:400]
        if self.status == "timeout":
            return f"ran past its time limit ({timeout:.0f} s) and was stopped"
        if self.status == "flood":
            return f"printed more than {cap // 1000} kB of output and was stopped"
        if self.status == "dead":
            return "killed its kernel (the Python process ended)"
        return "ran"


def _namespace_init(info_fd: int, timeout: float) -> int | None:
    """A pidfd of the first process of bubblewrap's PID namespace, read from its ``--info-fd``
    (``{"child-pid": N}``); None if bwrap said nothing (it failed: the start will too)."""
    import select

    data = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([info_fd], [], [], max(0.0, end - time.monotonic()))
            chunk = os.read(info_fd, 4096) if ready else b""
            data += chunk
            if not chunk:
                break
            try:
                pid = int(json.loads(data)["child-pid"])
            except (ValueError, KeyError, TypeError):
                continue
            return os.pidfd_open(pid)
    except OSError:
        return None
    finally:
        os.close(info_fd)
    return None


def _output_size(msg_type: str, content: dict) -> int:
    if msg_type == "stream":
        return len(content.get("text", ""))
    if msg_type in ("display_data", "execute_result", "update_display_data"):
        return sum(
            len(v) if isinstance(v, str) else len(json.dumps(v))
            for v in content.get("data", {}).values()
        )
    if msg_type == "error":
        return sum(len(line) for line in content.get("traceback", []))
    return 0


class Kernel:
    """A sandboxed IPython kernel running in ``workdir`` (see the module docstring)."""

    def __init__(
        self,
        workdir: Path,
        *,
        memory_mb: int = 4096,
        fsize_mb: int = 64,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
        user: tuple[int, int] | None = None,
        confine: Callable[[int], list[str]] | None = None,
    ):
        self.workdir = Path(workdir)
        self.memory_mb, self.fsize_mb = int(memory_mb), int(fsize_mb)
        self.env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.user = user
        self.proc: subprocess.Popen | None = None
        self.confine = confine
        self.client = None
        self._pidfd: int | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, conn_dir: Path) -> None:
        """Start the kernel process and wait until it answers (``KernelStartError`` if not)."""
        from jupyter_client.blocking import BlockingKernelClient

        conn_file = self._connection_file(Path(conn_dir))
        self._spawn(conn_file)
        client = BlockingKernelClient()
        client.load_connection_file(conn_file)
        client.start_channels()
        self.client = client
        self._wait_ready(client)

    def _connection_file(self, conn_dir: Path) -> str:
        """A connection file for Jupyter's ``ipc`` transport: unix sockets in ``conn_dir``,
        the one folder the grader and a sandboxed kernel both see (no network needed)."""
        from jupyter_client.connect import write_connection_file

        conn_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(4)
        sockets = conn_dir / f"k-{token}"
        if len(str(sockets)) > 100:  # a unix socket path has at most 107 bytes
            raise KernelStartError(f"the folder {conn_dir} is too deep for the kernel's sockets")
        conn_file, _ = write_connection_file(
            fname=str(conn_dir / f"kernel-{token}.json"),
            ip=str(sockets),
            transport="ipc",
            key=secrets.token_hex(16).encode(),
        )
        if self.user is not None:
            os.chown(conn_file, *self.user)
        return conn_file

    def _spawn(self, conn_file: str) -> None:
        """Start the kernel's process (inside the sandbox when ``confine`` is given)."""
        nproc = 1024 if self.user is not None else 0  # per user: only meaningful for our own user
        limits = [str(self.memory_mb), str(self.fsize_mb), str(nproc)]
        cmd = [sys.executable, "-c", SANDBOX_CODE, *limits, "-f", conn_file]
        env = dict(self.env)
        info_r = info_w = None
        if self.confine is not None:  # bubblewrap reports its namespace's first process
            info_r, info_w = os.pipe()
            cmd = self.confine(info_w) + cmd
        else:  # (in a PID namespace the parent is the namespace's init: --die-with-parent)
            env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits if the grader dies
        extra: dict = {}
        if self.user is not None:
            extra = {"user": self.user[0], "group": self.user[1], "extra_groups": []}
        try:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=() if info_w is None else (info_w,),
                **extra,
            )
        finally:
            if info_w is not None:
                os.close(info_w)
        if info_r is not None:
            self._pidfd = _namespace_init(info_r, min(10.0, self.startup_timeout))

    def _wait_ready(self, client) -> None:
        """Wait until the kernel answers kernel_info and IOPub is connected, then flush IOPub."""
        assert self.proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.proc.poll() is not None:
                self.kill()
                raise KernelStartError(
                    f"the kernel exited during startup (code {self.proc.returncode})"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise KernelStartError(
                    f"the kernel did not answer within {self.startup_timeout:.0f} s"
                )
            if self._kernel_info_answered(client, wait=2.0):
                try:  # IOPub connected? (its first messages are lost until it is)
                    client.get_iopub_msg(timeout=1.0)
                except queue.Empty:
                    continue
                break
        while True:  # flush IOPub
            try:
                client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                break

    def _kernel_info_answered(self, client, wait: float) -> bool:
        """Send kernel_info; read shell replies (older ones too) until ours or ``wait`` is over."""
        msg_id = client.kernel_info()
        end = time.monotonic() + wait
        while time.monotonic() < end:
            try:
                reply = client.get_shell_msg(timeout=0.25)
            except queue.Empty:
                if not self.alive():
                    return False
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return True
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """Kill the kernel and everything it started; safe to call twice.

        In bubblewrap: SIGKILL to the namespace's first process ends every process of the
        namespace, whatever session or parent they have, and bwrap exits once they are all
        gone. Without it: SIGKILL to the kernel's process group.
        """
        if self.client is not None:
            try:
                self.client.stop_channels()
            except Exception:  # noqa: BLE001 - best effort
                pass
            self.client = None
        if self.proc is None:
            return
        if self._pidfd is not None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except OSError:  # already gone
                pass
            os.close(self._pidfd)
            self._pidfd = None
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - the kernel ends namespaces fast
                pass
        if self.confine is None or self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait long
            pass

    # ------------------------------------------------------------------ execution
    def execute(self, code: str, *, timeout: float, output_cap: int) -> ExecResult:
        """Run ``code``; kill the kernel on timeout, output flood or death (see ExecResult)."""
        if self.client is None or not self.alive():
            return ExecResult("dead")
        start = time.monotonic()
        deadline = start + max(0.1, timeout)
        msg_id = self.client.execute(
            code, silent=False, store_history=False, allow_stdin=False, stop_on_error=False
        )
        result = ExecResult("ok")
        while True:
            now = time.monotonic()
            if now > deadline:
                result.status = "timeout"
                break
            try:
                msg = self.client.get_iopub_msg(timeout=min(0.25, deadline - now))
            except queue.Empty:
                if not self.alive():
                    result.status = "dead"
                    break
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            msg_type, content = msg.get("msg_type", ""), msg.get("content", {})
            result.output_bytes += _output_size(msg_type, content)
            if result.output_bytes > output_cap:
                result.status = "flood"
                break
            if msg_type == "error":
                result.status = "error"
                result.ename = str(content.get("ename", ""))[:200]
                result.evalue = str(content.get("evalue", ""))[:400]
            elif msg_type == "status" and content.get("execution_state") == "idle":
                break
        result.seconds = time.monotonic() - start
        if result.killed_kernel:
            self.kill()
        return result
