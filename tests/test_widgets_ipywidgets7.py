"""The widget-logic tests again, under ipywidgets 7.7.1: the version Colab ships.

A session fixture builds (once, then reuses) a small virtual environment in the user's
cache folder that holds only ipywidgets 7.7.1 (+ ipython_genutils, which it imports) and
sees everything else through the course venv's site-packages. Note that
``python -m venv --system-site-packages`` from the course venv would NOT do: the "system"
packages of a venv are those of the base interpreter, not of the course venv. Instead a
``.pth`` file in the small venv appends the course venv's site-packages *after* its own,
so ``import ipywidgets`` finds 7.7.1 first and everything else (torch, gancourse, pytest)
comes from the course. Then the ``widget`` tests of tests/test_latent.py run there in a
subprocess. Skipped, saying why, only when pip cannot install ipywidgets 7.7.1 (no network).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IPYWIDGETS_7 = "7.7.1"
PACKAGES = [f"ipywidgets=={IPYWIDGETS_7}", "ipython_genutils==0.2.0"]


def _cache_dir() -> Path:
    base = os.environ.get("GANCOURSE_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return (root if os.environ.get("GANCOURSE_CACHE") else root / "gancourse").resolve()


def _child_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(cmd: list, timeout: int, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kw
    )


@pytest.fixture(scope="session")
def ipywidgets7_python() -> Path:
    """A python that imports ipywidgets 7.7.1 and, for the rest, the course venv's packages."""
    course_site = sysconfig.get_paths()["purelib"]
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    env_dir = _cache_dir() / f"venv-ipywidgets-{IPYWIDGETS_7}-{tag}"
    stamp = env_dir / "gancourse-ready.txt"
    wanted = f"{sys.executable}\n{course_site}\n{' '.join(PACKAGES)}\n"
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(env_dir.parent / f".{env_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test runs build it once
        if stamp.exists() and stamp.read_text() == wanted and _child_python(env_dir).exists():
            return _child_python(env_dir)
        venv.EnvBuilder(clear=True, with_pip=False, symlinks=os.name != "nt").create(env_dir)
        py = _child_python(env_dir)
        child_site = Path(
            _run(
                [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], 60
            ).stdout.strip()
        )
        # "import" lines of a .pth file run at start-up; addsitedir appends (after the venv's
        # own site-packages) and also processes the course venv's .pth files (editable gancourse).
        (child_site / "zz_gancourse_course_venv.pth").write_text(
            f"import site; site.addsitedir({course_site!r})\n"
        )
        pip = _run(
            [sys.executable, "-m", "pip", "--python", py, "install", "--quiet", "--no-deps",
             "--disable-pip-version-check", *PACKAGES],
            600,
        )  # fmt: skip
        if pip.returncode != 0:
            pytest.skip(
                f"SKIPPED the ipywidgets {IPYWIDGETS_7} tests: pip could not install {PACKAGES} "
                f"(no network?):\n{pip.stderr[-1500:]}"
            )
        stamp.write_text(wanted)
        return py


def test_the_small_venv_imports_ipywidgets_7_and_the_course(ipywidgets7_python):
    code = "import ipywidgets, gancourse, torch; print(ipywidgets.__version__, ipywidgets.__file__)"
    out = _run([ipywidgets7_python, "-c", code], 120)
    assert out.returncode == 0, out.stderr
    version, where = out.stdout.split()
    assert version == IPYWIDGETS_7
    assert Path(where).resolve().is_relative_to(Path(ipywidgets7_python).parent.parent.resolve())


def _run_widget_tests(python: Path, paths: list[str], minimum: int) -> None:
    env = {
        **os.environ,
        "GANCOURSE_QUICK": "1",
        "MPLBACKEND": "agg",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    cmd = [
        python, "-m", "pytest", *paths, "-k", "widget", "-q",
        "-p", "no:cacheprovider", "-p", "no:xdist", "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip
    out = _run(cmd, 600, cwd=ROOT, env=env)
    report = out.stdout[-4000:] + out.stderr[-2000:]
    assert out.returncode == 0, f"widget tests failed under ipywidgets {IPYWIDGETS_7}:\n{report}"
    summary = out.stdout.strip().splitlines()[-1]  # e.g. "9 passed, 18 deselected in 9.1s"
    assert " passed" in summary and "skipped" not in summary, report
    assert int(summary.split(" passed")[0].split()[-1]) >= minimum, report  # every test ran


@pytest.mark.slow
def test_widget_logic_under_ipywidgets_7(ipywidgets7_python):
    paths = ["tests/test_latent.py", "tests/test_painter_widget.py"]
    _run_widget_tests(ipywidgets7_python, paths, 10)


@pytest.mark.slow
def test_translation_widgets_under_ipywidgets_7(ipywidgets7_python):
    """Lessons 09 and 10: the repair and the CycleGAN explorers."""
    _run_widget_tests(ipywidgets7_python, ["tests/test_translate_widgets.py"], 3)
