"""Every lesson notebook is committed the way a reader should find it.

Colab and Binder badges and the setup cell generated from pyproject's one repository URL and
pointing at the release tag of ``gancourse.__version__``; outputs of a
full-mode run (tools/execute_notebooks.py stamps the mode); no errors; execution counts
1, 2, 3, ... in order; images under a size budget; goals first, a cell that asserts the
lesson's claims last, then questions with their answers; a full run within 10 minutes.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat
import pytest

import gancourse
from gancourse.colab import (
    BADGE_TAG,
    SETUP_TAG,
    badge_markdown,
    course_ref,
    repository_url,
    setup_cell_source,
)

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
MAX_IMAGE_BYTES = 400_000
MAX_NOTEBOOK_BYTES = 3_000_000
MAX_FULL_SECONDS = 600
CLAIMS_MARKER = "# Claims of this lesson"


def _ids(paths):
    return [p.name for p in paths]


def test_there_are_lessons():
    assert LESSONS and LESSONS[0].name == "00_setup_and_tour.ipynb"


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=_ids(LESSONS + SOLUTIONS))
def test_badge_and_setup_cell_come_from_the_one_url(path):
    nb = nbformat.read(path, as_version=4)
    url = repository_url(ROOT / "pyproject.toml")
    badge, setup = nb.cells[0], nb.cells[1]
    assert BADGE_TAG in badge.metadata.get("tags", []), "first cell must be the badges"
    assert badge.source == badge_markdown(url, path.relative_to(ROOT).as_posix()), (
        "stale badge: run `python tools/sync_notebooks.py`"
    )
    assert SETUP_TAG in setup.metadata.get("tags", []) and setup.cell_type == "code"
    assert setup.source == setup_cell_source(url), (
        "stale setup cell: run `python tools/sync_notebooks.py`"
    )
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_is_committed_with_a_full_run(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("gancourse", {}).get("mode") == "full", (
        "outputs must come from a full-mode run: `make execute`"
    )
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "run top to bottom in a fresh kernel"
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", f"error output in cell {cell.execution_count}"
            if out.output_type == "stream" and out.name == "stderr":
                assert "Traceback" not in out.text
            for mime in ("image/png", "image/jpeg"):
                if mime in out.get("data", {}):
                    size = len(base64.b64decode(out.data[mime]))
                    assert size < MAX_IMAGE_BYTES, (
                        f"image of {size} bytes in cell {cell.execution_count}"
                    )
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_opens_with_goals_and_closes_with_questions(path):
    nb = nbformat.read(path, as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    opening = markdown[1]  # after the badge
    assert opening.startswith(f"# Lesson {path.name[:2]}"), opening[:80]
    assert "goal" in opening.lower() and "run time" in opening.lower()
    assert any("check your understanding" in m.lower() for m in markdown[-3:])


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_ends_by_checking_its_claims(path):
    """The last code cell asserts the lesson's headline claims; the committed run passed it."""
    nb = nbformat.read(path, as_version=4)
    last = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()][-1]
    assert last.source.startswith(CLAIMS_MARKER), f"the last code cell must start {CLAIMS_MARKER!r}"
    assert "assert" in last.source
    printed = "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream")
    assert printed and "FAILED" not in printed, printed


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_runs_in_full_mode_within_10_minutes(path):
    seconds = nbformat.read(path, as_version=4).metadata.get("gancourse", {}).get("wall_time_s")
    assert seconds is not None and seconds <= MAX_FULL_SECONDS, (
        f"{path.name}: {seconds} s in full mode (at most {MAX_FULL_SECONDS} s on 2 cores)"
    )


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_every_question_has_an_answer(path):
    """Check-your-understanding questions, then their answers in a collapsed <details> block."""
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c.source for c in nb.cells if "## Check your understanding" in c.source]
    questions, _, rest = cell.partition("<details>")
    answers, closed, _ = rest.partition("</details>")
    assert closed, "answers go in a <details> block after the questions"
    numbered = re.compile(r"^(\d+)\.\s", flags=re.M)
    asked = numbered.findall(questions.split("## Check your understanding")[1])
    assert asked and numbered.findall(answers) == asked


def test_badge_follows_the_repository_url(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\n\n[project.urls]\nRepository = "https://github.com/me/my-fork"\n'
    )
    url = repository_url(pyproject)
    assert url == "https://github.com/me/my-fork"
    badge = badge_markdown(url, "notebooks/01_x.ipynb", ref="v9.9")
    assert "colab.research.google.com/github/me/my-fork/blob/v9.9/notebooks/01_x.ipynb" in badge
    assert "mybinder.org/v2/gh/me/my-fork/v9.9?labpath=notebooks%2F01_x.ipynb" in badge
    assert '"git+https://github.com/me/my-fork@v9.9"' in setup_cell_source(url, ref="v9.9")


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=_ids(LESSONS + SOLUTIONS))
def test_colab_installs_the_version_the_badges_open(path):
    """Colab opens the notebook at one git ref; the setup cell installs the package at that ref."""
    nb = nbformat.read(path, as_version=4)
    ref = course_ref()
    assert ref == f"v{gancourse.__version__}"
    colab = re.search(
        r"colab\.research\.google\.com/github/[^/]+/[^/]+/blob/([^/]+)/", nb.cells[0].source
    )
    binder = re.search(r"mybinder\.org/v2/gh/[^/]+/[^/]+/([^?]+)\?", nb.cells[0].source)
    pip = re.search(r'"git\+https://[^"@]+@([^"]+)"', nb.cells[1].source)
    assert colab and binder and pip, "badge cell or setup cell without a ref"
    assert colab.group(1) == binder.group(1) == pip.group(1) == ref


def test_the_version_lives_in_one_place():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text
    assert 'version = { attr = "gancourse.__version__" }' in text
    assert re.fullmatch(r"\d+\.\d+\.\d+", gancourse.__version__)


def test_setup_cell_does_nothing_outside_colab():
    namespace: dict = {}
    exec(
        setup_cell_source("https://github.com/me/my-fork"), namespace
    )  # would pip install in Colab
    assert "subprocess" not in namespace


def test_repository_url_errors(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n')
    with pytest.raises(ValueError, match="Repository"):
        repository_url(pyproject)
    with pytest.raises(ValueError, match="github.com"):
        badge_markdown("https://example.org/x", "a.ipynb")
