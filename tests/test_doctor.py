"""`python -m gancourse doctor`: exit 0 when usable, non-zero with the fix when not."""

from __future__ import annotations

import subprocess
import sys

from gancourse import doctor
from gancourse.doctor import Check, check_package, report


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_doctor_passes_in_the_course_env():
    proc = subprocess.run(
        [sys.executable, "-m", "gancourse", "doctor"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("python", "torch", "numpy", "ipywidgets", "device", "mode"):
        assert name in proc.stdout
    assert "Everything the course needs is here." in proc.stdout


def test_doctor_fails_with_a_fix_when_ipywidgets_is_missing():
    # A None entry in sys.modules makes `import ipywidgets` raise ImportError.
    proc = _run(
        "import sys; sys.modules['ipywidgets'] = None\n"
        "from gancourse.cli import main; raise SystemExit(main(['doctor']))"
    )
    assert proc.returncode == 1, proc.stdout
    assert "[ERR] ipywidgets" in proc.stdout
    assert "pip install 'ipywidgets>=7.6'" in proc.stdout
    assert "cannot run yet" in proc.stdout


def test_console_script_entry_point_is_declared(repo_root):
    text = (repo_root / "pyproject.toml").read_text()
    assert 'gancourse = "gancourse.cli:main"' in text


def test_check_package_old_version(monkeypatch):
    import types

    fake = types.ModuleType("fakepkg")
    fake.__version__ = "1.2.3"
    monkeypatch.setitem(__import__("sys").modules, "fakepkg", fake)
    assert check_package("fakepkg", "fakepkg", "1.2").ok
    old = check_package("fakepkg", "fakepkg", "2.0")
    assert not old.ok and "--upgrade 'fakepkg>=2.0'" in old.fix


def test_optional_failures_do_not_fail_the_report():
    text, code = report(
        [
            Check("python", True, "3.11"),
            Check("jupyter kernel", False, "x", "fix it", required=False),
        ]
    )
    assert code == 0 and "Optional" in text and "fix it" in text
    text, code = report([Check("torch", False, "missing", "pip install torch")])
    assert code == 1 and "pip install torch" in text


def test_version_parsing():
    assert doctor._version_tuple("2.13.0+cpu") == (2, 13, 0)
    assert doctor._version_tuple("8.1.9") > doctor._version_tuple("7.6")
    assert doctor._version_tuple("7.7.1") >= doctor._version_tuple("7.6")
    assert doctor._version_tuple("1.10.0rc1") > doctor._version_tuple("1.9")


def test_bad_quick_mode_value_fails_doctor(monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", "perhaps")
    text, code = report(doctor.run_checks())
    assert code == 1 and "GANCOURSE_QUICK" in text


def test_doctor_runs_and_fails_clearly_without_torch():
    proc = _run(
        "import sys; sys.modules['torch'] = None\n"
        "from gancourse.cli import main; raise SystemExit(main(['doctor']))"
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[ERR] torch" in proc.stdout and "pip install 'torch>=2.1'" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_train_without_torch_points_to_the_doctor():
    proc = _run(
        "import sys; sys.modules['torch'] = None\n"
        "from gancourse.cli import main; raise SystemExit(main(['train', 'dcgan']))"
    )
    assert proc.returncode == 1
    assert "gancourse doctor" in proc.stderr and "Traceback" not in proc.stderr
