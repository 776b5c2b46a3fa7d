"""The Colab badge and setup cell every lesson carries, generated from ONE repository URL.

The URL lives in ``pyproject.toml`` (``[project.urls] Repository``). ``tools/sync_notebooks.py``
writes the two cells into every notebook and the hygiene test checks they match, so
publishing the course under another name is a one-line change.
"""

from __future__ import annotations

import re
from pathlib import Path

BADGE_TAG = "colab-badge"
SETUP_TAG = "colab-setup"
BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"


def repository_url(pyproject: str | Path) -> str:
    """The ``Repository`` URL from ``[project.urls]`` of a pyproject.toml file."""
    text = Path(pyproject).read_text(encoding="utf-8")
    section = re.search(r"^\[project\.urls\]\s*$(.*?)(?=^\[|\Z)", text, flags=re.M | re.S)
    match = section and re.search(r'^Repository\s*=\s*"([^"]+)"', section.group(1), flags=re.M)
    if not match:
        raise ValueError(f"{pyproject}: no Repository entry under [project.urls]")
    return match.group(1).rstrip("/")


def _github_path(repo_url: str) -> str:
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?", repo_url)
    if not match:
        raise ValueError(f"expected a https://github.com/OWNER/REPO URL, got {repo_url!r}")
    return match.group(1)


def badge_markdown(repo_url: str, notebook_path: str, branch: str = "main") -> str:
    """Markdown for the "Open in Colab" badge of ``notebook_path`` (relative to the repo root)."""
    target = f"https://colab.research.google.com/github/{_github_path(repo_url)}/blob/{branch}/{notebook_path}"
    return f"[![Open In Colab]({BADGE_SVG})]({target})"


def setup_cell_source(repo_url: str) -> str:
    """The first code cell of every lesson: installs the course in Colab, does nothing elsewhere.

    ``--no-deps``: Colab already has torch, numpy, matplotlib, ipywidgets (7.7.1), tqdm and
    scikit-learn loaded; reinstalling them would break the running session.
    """
    return (
        "# Setup: in Colab, install the course package from its repository; elsewhere do nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        "    subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "git+{repo_url}"],\n'
        "        check=True,\n"
        "    )"
    )
