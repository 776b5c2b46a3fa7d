"""``python -m gancourse doctor``: is this environment ready for the course?

Prints one line per check and exits 0 when the course can run, non-zero with the fix
when it cannot. Each check is a plain function returning a :class:`Check`, so tests can
run them one by one.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from dataclasses import dataclass

from gancourse.config import QUICK_ENV, is_quick
from gancourse.device import is_colab

MIN_PYTHON = (3, 10)
KERNEL_NAME = "gancourse"
FIX_INSTALL = (
    "`make lab` installs everything; elsewhere `pip install -e .`; in Colab run the setup cell"
)

# (import name, pip name, minimum version, required)
PACKAGES: list[tuple[str, str, str, bool]] = [
    ("torch", "torch", "2.1", True),
    ("numpy", "numpy", "1.24", True),
    ("matplotlib", "matplotlib", "3.7", True),
    ("ipywidgets", "ipywidgets", "7.6", True),
    ("tqdm", "tqdm", "4.64", True),
    ("sklearn", "scikit-learn", "1.2", True),
    ("jupyterlab", "jupyterlab", "4.0", False),
]


@dataclass
class Check:
    """The outcome of one check: ``ok`` False on a required check means the course cannot run."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_python() -> Check:
    ok = sys.version_info[:2] >= MIN_PYTHON
    return Check(
        "python",
        ok,
        platform.python_version(),
        fix="" if ok else "install Python 3.10 or newer",
    )


def check_package(module: str, pip_name: str, minimum: str, required: bool = True) -> Check:
    """Import ``module`` and compare its ``__version__`` with ``minimum``."""
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # ImportError, or a broken install raising something else
        return Check(
            pip_name,
            False,
            f"missing ({type(exc).__name__}: {exc})",
            fix=f"pip install '{pip_name}>={minimum}'  (or: {FIX_INSTALL})",
            required=required,
        )
    version = str(getattr(mod, "__version__", "unknown"))
    ok = version == "unknown" or _version_tuple(version) >= _version_tuple(minimum)
    return Check(
        pip_name,
        ok,
        version,
        fix="" if ok else f"pip install --upgrade '{pip_name}>={minimum}'",
        required=required,
    )


def check_device() -> Check:
    try:
        import torch

        from gancourse.device import get_device

        device = get_device()
        detail = f"{device} ({torch.get_num_threads()} torch threads, {os.cpu_count()} CPUs)"
        return Check("device", True, detail)
    except Exception as exc:
        return Check("device", False, f"{type(exc).__name__}: {exc}", fix=FIX_INSTALL)


def check_kernel() -> Check:
    """Is a Jupyter kernel for the course registered? Optional: nbval and Colab use python3."""
    if is_colab():
        return Check("jupyter kernel", True, "Colab (uses its own kernel)", required=False)
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager().find_kernel_specs()
    except Exception as exc:
        return Check(
            "jupyter kernel",
            False,
            f"jupyter_client unavailable ({type(exc).__name__})",
            fix="pip install jupyterlab  (or run `make lab`)",
            required=False,
        )
    if KERNEL_NAME in specs:
        return Check(
            "jupyter kernel", True, f"'{KERNEL_NAME}' at {specs[KERNEL_NAME]}", required=False
        )
    return Check(
        "jupyter kernel",
        False,
        f"'{KERNEL_NAME}' not registered (found: {', '.join(sorted(specs)) or 'none'})",
        fix=f"python -m ipykernel install --user --name {KERNEL_NAME}  (or run `make lab`)",
        required=False,
    )


def check_quick_mode() -> Check:
    try:
        mode = "quick" if is_quick() else "full"
    except ValueError as exc:
        return Check("mode", False, str(exc), fix=f"unset {QUICK_ENV} or set it to 0 or 1")
    return Check("mode", True, f"{mode} ({QUICK_ENV}={os.environ.get(QUICK_ENV, '')!r})")


def run_checks() -> list[Check]:
    """All checks, in the order the report prints them."""
    import gancourse

    checks = [check_python()]
    checks += [check_package(*spec) for spec in PACKAGES]
    checks.append(
        Check(
            "gancourse", True, f"{gancourse.__version__} at {os.path.dirname(gancourse.__file__)}"
        )
    )
    checks.append(check_device())
    checks.append(check_quick_mode())
    checks.append(check_kernel())
    checks.append(Check("colab", True, "yes" if is_colab() else "no", required=False))
    return checks


def report(checks: list[Check]) -> tuple[str, int]:
    """Format the report; return it with the exit code (0 when every required check passed)."""
    lines = ["gancourse doctor", ""]
    for c in checks:
        mark = "ok " if c.ok else ("ERR" if c.required else "-- ")
        lines.append(f"  [{mark}] {c.name:<16} {c.detail}")
    failed = [c for c in checks if c.required and not c.ok]
    optional = [c for c in checks if not c.required and not c.ok]
    lines.append("")
    if failed:
        lines.append("The course cannot run yet. To fix:")
        lines += [f"  - {c.name}: {c.fix}" for c in failed]
    else:
        lines.append("Everything the course needs is here.")
    if optional:
        lines.append("Optional:")
        lines += [f"  - {c.name}: {c.fix}" for c in optional]
    return "\n".join(lines), (1 if failed else 0)


def main(argv: list[str] | None = None) -> int:
    text, code = report(run_checks())
    print(text)
    return code
