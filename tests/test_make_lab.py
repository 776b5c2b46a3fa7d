"""`make lab LAB_ARGS="--no-browser --port P"` serves the course headless."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_lesson_00():
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() or shutil.which("make") is None:
        pytest.skip("runs only inside the Makefile's .venv (make test)")
    port = _free_port()
    args = f"--no-browser --port {port} --IdentityProvider.token= --ServerApp.open_browser=False"
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"},
    )
    try:
        deadline = time.monotonic() + 90
        listing = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/contents/notebooks", timeout=5
                ) as r:
                    listing = json.load(r)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        assert listing is not None, "JupyterLab did not answer: " + (
            proc.stdout.read1().decode() if proc.poll() is not None else "still starting"
        )
        names = [item["name"] for item in listing["content"]]
        assert "00_setup_and_tour.ipynb" in names
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
