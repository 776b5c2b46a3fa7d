"""The Colab and Binder badges and the setup cell every lesson carries, from ONE repository URL.

The URL lives in ``pyproject.toml`` (``[project.urls] Repository``), the version in
``gancourse.__version__`` (which pyproject reads too). Badges and setup cell all point at the
same git ref, the release tag ``v<version>`` (:func:`course_ref`): Colab opens the notebook of
that tag and the setup cell installs the package of that tag, so the two always match, whatever
``main`` is doing; Binder builds that tag from ``environment.yml``. ``tools/sync_notebooks.py``
writes the two cells into every notebook and the hygiene test checks they match, so publishing
the course under another name, or releasing a new version, is a one-line change.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from gancourse import __version__

BADGE_TAG = "colab-badge"
SETUP_TAG = "colab-setup"
BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_SVG = "https://mybinder.org/badge_logo.svg"


def course_ref(version: str = __version__) -> str:
    """The git ref the badges and the setup cell point at: the release tag ``v<version>``."""
    return f"v{version}"


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


def badge_markdown(repo_url: str, notebook_path: str, ref: str | None = None) -> str:
    """Markdown for the "Open in Colab" and "launch Binder" badges of ``notebook_path``.

    ``notebook_path`` is relative to the repository root; ``ref`` defaults to
    :func:`course_ref`, the ref the setup cell installs.
    """
    ref = ref or course_ref()
    repo = _github_path(repo_url)
    colab = f"https://colab.research.google.com/github/{repo}/blob/{ref}/{notebook_path}"
    binder = f"https://mybinder.org/v2/gh/{repo}/{ref}?labpath={quote(notebook_path, safe='')}"
    return f"[![Open In Colab]({BADGE_SVG})]({colab}) [![Binder]({BINDER_SVG})]({binder})"


def setup_cell_source(repo_url: str, ref: str | None = None) -> str:
    """The first code cell of every lesson: installs the course in Colab, does nothing elsewhere.

    It installs the package at ``ref`` (default :func:`course_ref`), the ref the badge opens.
    ``--no-deps``: Colab already has torch, numpy, matplotlib, ipywidgets (7.7.1), tqdm and
    scikit-learn loaded; reinstalling them would break the running session.
    """
    ref = ref or course_ref()
    package = f"git+{repo_url}@{ref}"
    return (
        f"# Setup: in Colab, install the course package at this notebook's version ({ref});\n"
        "# elsewhere do nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        "    subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "{package}"],\n'
        "        check=True,\n"
        "    )"
    )
