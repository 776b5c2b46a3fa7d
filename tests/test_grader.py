"""The instructor grader on real notebooks: solutions, fresh exercises and hostile submissions.

Two grading runs (module-scoped, about a minute each on 2 busy cores): the solutions and the
freshly built exercises with generous limits, then a corpus of broken and hostile
submissions with tight ones. Every test below asserts on those runs.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_notebooks import EXERCISES, SOLUTIONS, insert_after, insert_after_imports, write
from grading_notebooks import hashes as _hashes
from grading_notebooks import replace as _replace
from grading_notebooks import rows as _rows
from grading_notebooks import solution as _solution

from gancourse.cli import main as cli_main
from gancourse.exercises import all_exercises, get_exercise
from gancourse.grading.discovery import reference_call
from gancourse.grading.grader import collect, grade, load_hidden
from gancourse.grading.limits import Limits
from gancourse.grading.report import (
    changed,
    summary_table,
    write_csv,
    write_feedback,
    write_report,
)
from gancourse.grading.sandbox import effective_user, resolve_user
from gancourse.grading.transport import TransportError, read_outputs, write_outputs

pytestmark = pytest.mark.slow

TOTAL = sum(ex.points for ex in all_exercises())


# ------------------------------------------------------------------------ the two runs


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """alice hands in the solutions, bob the freshly built exercises."""
    subs = tmp_path_factory.mktemp("honest")
    for p in SOLUTIONS:
        (subs / "alice").mkdir(exist_ok=True)
        (subs / "alice" / p.name).write_bytes(p.read_bytes())
    for p in EXERCISES:
        (subs / "bob").mkdir(exist_ok=True)
        (subs / "bob" / p.name).write_bytes(p.read_bytes())
    before = _hashes(subs)
    start = time.monotonic()
    limits = Limits(timeout=240, call_timeout=120)
    run = grade(
        subs, limits=limits, jobs=2, seed=7, progress=False, tmp_root=tmp_path_factory.mktemp("tmp")
    )
    return {"run": run, "subs": subs, "before": before, "seconds": time.monotonic() - start}


DAVE_BORROWS = """
from gancourse.theory import optimal_discriminator as od

def optimal_ls_discriminator(p_data, p_g, a, b):
    return a + (b - a) * od(p_data, p_g)
"""

GRACE_TRAIN_LSGAN = """
def train_lsgan(generator, discriminator, opt_g, opt_d, x_real, z):
    rounds, d_steps = x_real.shape[:2]
    losses_d, losses_g = np.zeros((rounds, d_steps)), np.zeros(rounds)
    for t in range(rounds):
        for k in range(d_steps):
            x_fake = generator(z[t, k]).detach()
            loss_d = ((discriminator(x_real[t, k]) - 1) ** 2).mean() / 2
            loss_d = loss_d + (discriminator(x_fake) ** 2).mean() / 2
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            losses_d[t, k] = loss_d.item()
        loss_g = ((discriminator(generator(z[t, -1])) - 1) ** 2).mean() / 2
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        losses_g[t] = loss_g.item()
    return losses_d, losses_g
"""

HOSTILE_LIMITS = Limits(
    timeout=40, cell_timeout=12, call_timeout=20, output_cap=200_000, memory_mb=3072
)


def _hostile_corpus(subs: Path) -> None:
    # carol: not a notebook at all (a loose file: the student is "carol")
    (subs / "carol.ipynb").write_bytes(b'{"cells": [ this is not json')

    # dave: a syntax error in 01.2, and 01.1 hands the work to the package's own function
    nb = _replace(
        _solution("01"), "01_js_divergence", "def js_divergence(p, q, dx)\n    return 0.3\n"
    )
    _replace(nb, "01_optimal_ls_discriminator", DAVE_BORROWS)
    write(nb, subs / "dave" / "01_minimax_game.ipynb")

    # erin: 02.1 raises, a cell kills the kernel with os._exit, 02.3 is defined after it
    nb = _replace(
        _solution("02"),
        "02_two_layer_backward",
        "def two_layer_backward(x, W1, b1, W2, b2, dout):\n    return 1 / 0\n",
    )
    insert_after(nb, "02_hinge_loss_grads", "import os\nos._exit(3)")
    insert_after(
        nb, "02_two_layer_backward", "hog = bytearray(8 * 2**30)  # past the memory limit"
    )
    write(nb, subs / "erin" / "02_numpy_gan.ipynb")

    # frank: an endless loop at top level, and one inside 03.3
    nb = insert_after(_solution("03"), "03_minibatch_std", "while True:\n    pass")
    _replace(
        nb, "03_reverse_kl", "def reverse_kl(samples, means, std):\n    while True:\n        pass\n"
    )
    write(nb, subs / "frank" / "03_mode_collapse_2d.ipynb")

    # grace: wrong answers, then patches the checks, numpy, torch and the comparison to fake a pass
    nb = _solution("04")
    _replace(
        nb,
        "04_lsgan_g_step",
        "def lsgan_g_step(generator, discriminator, opt_g, z):\n    return 0.6931\n",
    )
    _replace(
        nb,
        "04_gradient_penalty",
        "def gradient_penalty(critic, x_real, x_fake, eps):\n    raise NotImplementedError()\n",
    )
    _replace(nb, "04_train_lsgan", GRACE_TRAIN_LSGAN)  # right, without her wrong lsgan_g_step
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import numpy as np, torch, gancourse.checks as gc, gancourse.exercises.spec as spec\n"
            "np.allclose = lambda *a, **k: True\n"
            "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            "torch.allclose = lambda *a, **k: True\n"
            "spec.compare = lambda *a, **k: spec.Verdict(True)\n"
            "spec.compare_case = lambda ex, e, g: spec.CaseResult(True)\n"
            "gc.run_check = lambda *a, **k: gc.CheckResult('x', True, 1, 'ok')\n"
            "class _Fake:\n"
            "    def __getattr__(self, name):\n"
            "        return lambda fn, **k: print('✓ correct. All tests passed! Full points.')\n"
            "check = gc.check = _Fake()\n"
            "check.lsgan_g_step(lsgan_g_step)\n"
            "print('GRADE: 11/11 points')\n"
        )
    )
    write(nb, subs / "grace" / "04_numpy_to_pytorch.ipynb")

    # heidi: a top-level output flood before 05.2, and a flood inside 05.3
    nb = insert_after(
        _solution("05"), "05_generator_block", "for i in range(10**6):\n    print('x' * 1000)"
    )
    _replace(
        nb,
        "05_frechet_distance",
        "def frechet_distance(feats_a, feats_b):\n    print('y' * 10**7)\n    return 0.0\n",
    )
    write(nb, subs / "heidi" / "05_dcgan.ipynb")

    # ivan: deletes every file it can find around its working folder, then answers correctly
    nb = insert_after_imports(
        _solution("06"),
        "import os, shutil, glob\n"
        "here = os.getcwd()\n"
        "around = glob.glob(os.path.join(here, '..', '**', '*'), recursive=True)\n"
        "for f in glob.glob(os.path.join(here, '*')) + around:\n"
        "    try:\n"
        "        os.remove(f)\n"
        "    except OSError:\n"
        "        pass\n"
        "shutil.rmtree(os.path.dirname(here), ignore_errors=True)\n",
    )
    write(nb, subs / "ivan" / "06_latent_space.ipynb")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    subs = tmp_path_factory.mktemp("hostile")
    _hostile_corpus(subs)
    before = _hashes(subs)
    start = time.monotonic()
    run = grade(
        subs,
        limits=HOSTILE_LIMITS,
        jobs=2,
        seed=11,
        progress=False,
        tmp_root=tmp_path_factory.mktemp("tmp"),
    )
    return {"run": run, "subs": subs, "before": before, "seconds": time.monotonic() - start}


# ------------------------------------------------------------------------ honest submissions


def test_solutions_score_full_marks(honest):
    alice = next(r for r in honest["run"].students if r.student == "alice")
    wrong = [(g.exercise.key, g.reason) for g in alice.grades if g.points != g.exercise.points]
    assert not wrong
    assert alice.total == TOTAL and alice.max_total == TOTAL
    issues = [(r.path, r.issues) for r in alice.runs if r.issues]
    assert not issues, issues


def test_fresh_exercises_score_zero_without_errors(honest):
    bob = next(r for r in honest["run"].students if r.student == "bob")
    assert bob.total == 0 and len(bob.grades) == len(all_exercises())
    for g in bob.grades:
        assert g.reason == "not implemented (still raises NotImplementedError)", (
            g.exercise.key,
            g.reason,
        )
    assert not bob.notes and all(not r.error for r in bob.runs)


def test_honest_submissions_are_untouched(honest):
    assert _hashes(honest["subs"]) == honest["before"]


# ------------------------------------------------------------------------ hostile submissions


def test_unparseable_notebook_gets_zero_with_a_reason(hostile):
    rows = _rows(hostile["run"])
    for ex in all_exercises():
        points, reason = rows[("carol", ex.name)]
        assert points == 0 and "not a readable notebook" in reason


def test_syntax_error_and_borrowed_reference_cost_only_their_exercises(hostile):
    rows = _rows(hostile["run"])
    assert (
        rows[("dave", "value_function")][0] == 2 and rows[("dave", "generator_loss_grads")][0] == 3
    )
    points, reason = rows[("dave", "optimal_ls_discriminator")]
    assert points == 0 and "calls the course's own gancourse.theory.optimal_discriminator" in reason
    points, reason = rows[("dave", "js_divergence")]
    assert points == 0 and "SyntaxError" in reason
    assert rows[("dave", "slerp")] == (0, "not handed in")


def test_raising_function_and_kernel_suicide(hostile):
    rows = _rows(hostile["run"])
    points, reason = rows[("erin", "two_layer_backward")]
    assert points == 0 and "ZeroDivisionError" in reason
    assert rows[("erin", "hinge_loss_grads")][0] == 2
    assert rows[("erin", "wasserstein_1d")][0] == 3  # defined after the cell that killed the kernel
    erin = next(r for r in hostile["run"].students if r.student == "erin")
    assert any("killed its kernel" in i.message for i in erin.runs[0].issues)
    assert any("MemoryError" in i.message for i in erin.runs[0].issues)  # the 3 GB limit held


def test_endless_loops_are_stopped(hostile):
    rows = _rows(hostile["run"])
    assert rows[("frank", "minibatch_std")][0] == 2
    assert rows[("frank", "modes_and_quality")][0] == 3  # defined after the looping cell
    points, reason = rows[("frank", "reverse_kl")]
    assert points == 0 and "did not return" in reason
    frank = next(r for r in hostile["run"].students if r.student == "frank")
    assert any("time limit" in i.message for i in frank.runs[0].issues)


def test_monkeypatching_checks_and_numpy_does_not_fake_a_pass(hostile):
    rows = _rows(hostile["run"])
    points, reason = rows[("grace", "lsgan_g_step")]
    assert points == 0 and "wrong value" in reason
    assert rows[("grace", "gradient_penalty")] == (
        0,
        "not implemented (still raises NotImplementedError)",
    )
    assert rows[("grace", "lsgan_d_step")][0] == 3 and rows[("grace", "train_lsgan")][0] == 4
    assert rows[("grace", "linear_to_torch")][0] == 2


def test_output_floods_are_cut(hostile):
    rows = _rows(hostile["run"])
    assert rows[("heidi", "generator_block")][0] == 3
    assert rows[("heidi", "init_weights")][0] == 2  # defined after the flooding cell
    points, reason = rows[("heidi", "frechet_distance")]
    assert points == 0 and "printed more than" in reason


def test_deleting_files_harms_nobody_else(hostile):
    rows = _rows(hostile["run"])
    assert rows[("ivan", "slerp")][0] == 3 and rows[("ivan", "interpolation_path")][0] == 2


def test_hostile_submissions_are_byte_identical_afterwards(hostile):
    assert _hashes(hostile["subs"]) == hostile["before"]


def test_grading_time_is_bounded(hostile, honest):
    n = sum(len(r.runs) for r in hostile["run"].students)
    bound = n * HOSTILE_LIMITS.hard_deadline(4)
    assert hostile["seconds"] < bound
    for rep in hostile["run"].students:
        for r in rep.runs:
            assert r.seconds < HOSTILE_LIMITS.hard_deadline(4), (r.path, r.seconds)


def test_reports_csv_feedback_and_summary(hostile, tmp_path):
    run = hostile["run"]
    write_csv(run, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    students = {r.student for r in run.students}
    assert students == {"carol", "dave", "erin", "frank", "grace", "heidi", "ivan"}
    assert list(rows[0]) == ["student", "exercise", "points", "max_points", "reason"]
    assert len(rows) == len(students) * len(all_exercises())  # one row per student and exercise
    assert all(r["reason"] for r in rows)
    files = write_feedback(run, tmp_path / "feedback")
    assert sorted(p.stem for p in files) == sorted(students)
    text = (tmp_path / "feedback" / "erin.md").read_text()
    assert "# Feedback for erin" in text and "Total: 5 / " in text and "ZeroDivisionError" in text
    table = summary_table(run)
    assert "erin" in table and "L02" in table


def test_report_is_written_atomically_and_checked(hostile, tmp_path):
    out, fb = tmp_path / "out" / "grades.csv", tmp_path / "fb"
    out.parent.mkdir()
    out.write_text("an earlier run\n")
    with open(out, "a") as held:  # a process that opened the old file keeps writing into it
        written = write_report(hostile["run"], out, fb)
        held.write("late row\n")
    assert set(written) == {out} | set(fb.iterdir()) and not changed(written)
    assert "an earlier run" not in out.read_text() and "late row" not in out.read_text()
    assert not [p for p in out.parent.iterdir() if p != out]  # no temporary file left
    with open(out, "a") as f:
        f.write("dave,01.1 optimal_discriminator,2,2,appended\n")
    (fb / "erin.md").unlink()
    assert changed(written) == [fb / "erin.md", out]


# ------------------------------------------------------------------------ units (no kernel)


def test_reference_calls_are_spotted():
    ex = get_exercise("optimal_ls_discriminator")
    assert reference_call("return theory.optimal_discriminator(p, q)", ex)
    assert reference_call(
        "import gancourse\nreturn gancourse.theory.optimal_discriminator(a, b)", ex
    )
    assert reference_call("from gancourse.theory import js_divergence, optimal_discriminator", ex)
    assert not reference_call("def optimal_discriminator(p_data, p_g):\n    return p_data", ex)
    doc = 'def optimal_discriminator(p, q):\n    """cf. theory.optimal_discriminator"""\n'
    doc += "    return p"
    assert not reference_call(doc, ex)  # mentioned in a docstring, not called
    assert not reference_call("def optimal_discriminator(p, q)\n    return 1", ex)  # syntax error


def test_sandbox_user_is_resolved_or_explained():
    assert effective_user(Limits(sandbox_user="none")) == (None, "")
    user, warning = effective_user(Limits())
    assert (user is None) == bool(warning)  # either kernels run as another user, or we say why not
    with pytest.raises(ValueError, match="does not exist"):
        resolve_user("no-such-user-here")


def test_collect_students_and_skip_checkpoints(tmp_path):
    (tmp_path / "amy" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "amy" / "01_x.ipynb").write_text("{}")
    (tmp_path / "amy" / ".ipynb_checkpoints" / "01_x-checkpoint.ipynb").write_text("{}")
    (tmp_path / "ben.ipynb").write_text("{}")
    found, skipped = collect(tmp_path)
    assert {k: [p.name for p in v] for k, v in found.items()} == {
        "amy": ["01_x.ipynb"],
        "ben": ["ben.ipynb"],
    }
    assert not skipped


def test_result_files_are_read_without_pickle(tmp_path):
    path = tmp_path / "out.npz"
    np.savez(
        path,
        __status__=np.array("ok"),
        __detail__=np.array(""),
        __n_cases__=np.array(1),
        **{"0/d/kind": np.array([object()], dtype=object)},
    )
    with pytest.raises(TransportError):
        read_outputs(path, ["d"])
    write_outputs(path, "ok", "", [])
    assert read_outputs(path, ["d"]) == ("ok", "", [])
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(TransportError):
        read_outputs(tmp_path / "junk.npz", ["d"])


def test_hidden_tests_are_loaded_and_checked(tmp_path):
    ex = get_exercise("optimal_ls_discriminator")
    np.savez(
        tmp_path / "optimal_ls_discriminator-spiky.npz",
        p_data=np.array([0.0, 1.0, 2.0]),
        p_g=np.array([1.0, 0.0, 2.0]),
        a=np.float64(-1.0),
        b=np.float64(1.0),
    )
    np.savez(tmp_path / "optimal_ls_discriminator-wrongkeys.npz", p=np.array([1.0]))
    np.savez(tmp_path / "nosuch-x.npz", a=np.array([1.0]))
    hidden, warnings = load_hidden(tmp_path, all_exercises())
    assert [name for name, _ in hidden[ex.name]] == ["optimal_ls_discriminator-spiky.npz"]
    assert (
        len(warnings) == 2
        and any("wrongkeys" in w for w in warnings)
        and any("nosuch" in w for w in warnings)
    )


def test_cli_grades_a_folder(tmp_path, capsys):
    """The command line end to end on a tiny folder: one correct answer, hidden tests on."""
    nb = _solution("01")
    subs = tmp_path / "subs"
    write(nb, subs / "zoe" / "01_minimax_game.ipynb")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    np.savez(
        hidden / "optimal_ls_discriminator-edge.npz",
        p_data=np.array([0.0, 0.0, 3.0]),
        p_g=np.array([0.0, 1.0, 0.0]),
        a=np.float64(0.0),
        b=np.float64(2.0),
    )
    out, fb = tmp_path / "grades.csv", tmp_path / "fb"
    code = cli_main(
        [
            "grade",
            str(subs),
            "--out",
            str(out),
            "--feedback-dir",
            str(fb),
            "--timeout",
            "120",
            "--hidden-tests",
            str(hidden),
            "--seed",
            "3",
            "--sandbox",
            "none",  # (bubblewrap's run through the command line: test_grader_sandbox.py)
            "--no-progress",
        ]
    )
    assert code == 0
    rows = list(csv.DictReader(open(out, newline="")))
    zoe = {r["exercise"].split()[1]: r for r in rows if r["student"] == "zoe"}
    assert (
        zoe["optimal_ls_discriminator"]["points"] == "2"
        and zoe["optimal_ls_discriminator"]["reason"] == "correct (5 tests)"
    )
    assert zoe["slerp"]["reason"] == "not handed in"
    assert "zoe" in capsys.readouterr().out and (fb / "zoe.md").exists()
    assert json.loads(json.dumps(rows))  # plain strings only
