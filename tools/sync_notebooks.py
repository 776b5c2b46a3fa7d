"""Write the Colab badge (first cell) and setup cell (second cell) into lesson notebooks.

Usage: python tools/sync_notebooks.py [NOTEBOOK ...]   (default: notebooks/ and solutions/)
Both cells are generated from pyproject.toml's [project.urls] Repository. Other cells and
outputs are left as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gancourse.colab import (  # noqa: E402
    BADGE_TAG,
    SETUP_TAG,
    badge_markdown,
    repository_url,
    setup_cell_source,
)
from gancourse.exercises.notebooks import NOTEBOOK_GLOB  # noqa: E402


def _has_tag(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def sync(path: Path, repo_url: str) -> bool:
    """Insert or update the two cells; return True when the file changed."""
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    rel = path.resolve().relative_to(ROOT).as_posix()
    badge = badge_markdown(repo_url, rel)
    setup = setup_cell_source(repo_url)

    old_badge = [c for c in nb.cells if _has_tag(c, BADGE_TAG)]
    old_setup = [c for c in nb.cells if _has_tag(c, SETUP_TAG)]
    cells = [c for c in nb.cells if not _has_tag(c, BADGE_TAG) and not _has_tag(c, SETUP_TAG)]
    # reuse the existing cells (and their ids), so an up-to-date notebook is left untouched
    if old_badge:
        badge_cell = old_badge[0]
        badge_cell.source = badge
    else:
        badge_cell = nbformat.v4.new_markdown_cell(badge, metadata={"tags": [BADGE_TAG]})
    if old_setup:
        setup_cell = old_setup[0]
        setup_cell.source = setup
    else:
        setup_cell = nbformat.v4.new_code_cell(setup, metadata={"tags": [SETUP_TAG]})
    nb.cells = [badge_cell, setup_cell] + cells
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    after = nbformat.writes(nb)
    if after != before:
        nbformat.write(nb, path)
        return True
    return False


def main(argv: list[str]) -> int:
    repo_url = repository_url(ROOT / "pyproject.toml")
    paths = [Path(p) for p in argv] or sorted(
        list((ROOT / "notebooks").glob(NOTEBOOK_GLOB))
        + list((ROOT / "solutions").glob(NOTEBOOK_GLOB))
    )
    for path in paths:
        changed = sync(path, repo_url)
        print(f"{'updated' if changed else 'ok     '} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
