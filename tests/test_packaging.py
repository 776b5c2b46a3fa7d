"""Packaging: pyproject, constraints and environment.yml agree."""

from __future__ import annotations

import re

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONDA_TO_PIP = {"pytorch": "torch"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject(repo_root):
    return tomllib.loads((repo_root / "pyproject.toml").read_text())


def test_environment_yml_matches_pyproject(repo_root):
    project = _pyproject(repo_root)["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["lab"]}
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    conda = set()
    pip_section = None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
            continue
        name = _name(dep)
        if name not in ("python", "pip"):
            conda.add(CONDA_TO_PIP.get(name, name))
    assert conda == wanted, (
        f"only in environment.yml: {conda - wanted}; only in pyproject: {wanted - conda}"
    )
    assert pip_section is not None and "-e ." in pip_section, (
        "environment.yml must pip install -e ."
    )


def test_environment_yml_uses_conda_forge_only(repo_root):
    """The `pytorch` channel is retired, and mixing channels breaks solves (and Binder builds)."""
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]


def test_python_and_widget_ranges_fit_colab(repo_root):
    project = _pyproject(repo_root)["project"]
    assert project["requires-python"] == ">=3.10"
    deps = {_name(r): r for r in project["dependencies"]}
    assert deps["ipywidgets"].replace(" ", "") == "ipywidgets>=7.6"  # Colab ships 7.7.1
    assert deps["torch"].replace(" ", "") == "torch>=2.1"  # Colab ships 2.11


def test_constraints_pin_the_cpu_torch_and_every_dependency(repo_root):
    pins = {}
    for line in (repo_root / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower()] = version
    assert pins["torch"] == "2.13.0"
    project = _pyproject(repo_root)["project"]
    every = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        every += extra
    missing = {_name(r) for r in every} - set(pins)
    assert not missing, f"constraints.txt does not pin {missing}"
