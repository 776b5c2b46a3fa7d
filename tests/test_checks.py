"""Student self-checks: right answers pass, and each kind of mistake gets a precise message."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from gancourse import theory
from gancourse.checks import CheckFailed, check, run_check
from gancourse.exercises import all_exercises, get_exercise
from gancourse.exercises.spec import Output, OutSpec, compare

ROOT = Path(__file__).resolve().parents[1]


def _namespace(folder: str) -> dict:
    """Run every solutions (or exercises) notebook's code cells but the checks into one dict."""
    ns: dict = {}
    for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and not meta.get("grade"):
                exec(compile(cell.source, f"{path.name}", "exec"), ns)  # noqa: S102 - our own notebooks
    return ns


SOLUTIONS = _namespace("solutions")
EXERCISES = _namespace("exercises")


@pytest.mark.parametrize("ex", all_exercises(), ids=lambda ex: ex.key)
def test_solutions_pass_their_checks(ex, capsys):
    for seed in (0, 1):
        result = run_check(ex.name, SOLUTIONS[ex.name], seed=seed)
        assert result.passed, result.message
    getattr(check, ex.name)(SOLUTIONS[ex.name])
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {ex.name} is correct") and "fresh test input" in out


@pytest.mark.parametrize("ex", all_exercises(), ids=lambda ex: ex.key)
def test_fresh_exercises_say_not_implemented(ex):
    result = run_check(ex.name, EXERCISES[ex.name], seed=0)
    assert not result.passed
    assert result.message == (
        f"✗ {ex.name} is not implemented yet: replace `raise NotImplementedError()` with your code."
    )
    with pytest.raises(CheckFailed, match="not implemented yet") as info:
        getattr(check, ex.name)(EXERCISES[ex.name])
    assert isinstance(info.value, AssertionError)  # nbgrader counts a failed test by an exception


@pytest.mark.parametrize("ex", [e for e in all_exercises() if e.inputs], ids=lambda ex: ex.key)
def test_inputs_are_fresh_each_time(ex):
    a, b = ex.make_cases(np.random.default_rng(1)), ex.make_cases(np.random.default_rng(2))
    assert any(not np.array_equal(a[i][k], b[i][k]) for i in range(len(a)) for k in a[i])


def test_wrong_shape_says_expected_and_got():
    def optimal_ls_discriminator(p_data, p_g, a, b):
        return SOLUTIONS["optimal_ls_discriminator"](p_data, p_g, a, b)[1:]

    result = run_check("optimal_ls_discriminator", optimal_ls_discriminator, seed=0)
    m = re.search(r"wrong shape: expected \((\d+),\), got \((\d+),\)", result.message)
    assert m and int(m.group(1)) == int(m.group(2)) + 1, result.message
    assert "test 1 of" in result.message and "p_data of shape" in result.message


def test_wrong_values_say_where_and_by_how_much():
    def hinge_loss_grads(d_real, d_fake):  # wrong at the kink d_real = 1 exactly
        return np.where(d_real <= 1, -1.0, 0.0) / d_real.size, np.where(
            d_fake > -1, 1.0, 0.0
        ) / d_fake.size

    for seed in (0, 1):  # the kink is in the last, hand-made case: the earlier ones pass
        result = run_check("hinge_loss_grads", hinge_loss_grads, seed=seed)
        m = re.search(
            r"wrong values at (\d+) of (\d+) positions; largest difference ([\d.e+-]+) at index "
            r"\[(\d+), (\d+)\]: expected ([\d.e+-]+), got ([\d.e+-]+)",
            result.message,
        )
        assert m, result.message
        assert (int(m.group(1)), int(m.group(2))) == (1, 4)
        case = get_exercise("hinge_loss_grads").make_cases(np.random.default_rng(seed))[-1]
        i, j = int(m.group(4)), int(m.group(5))
        assert case["d_real"][i, j] == 1.0
        assert float(m.group(3)) == pytest.approx(1 / case["d_real"].size)
        assert "test 3 of 3" in result.message


def test_nan_is_reported():
    def optimal_ls_discriminator(p_data, p_g, a, b):
        with np.errstate(invalid="ignore"):
            return (b * p_data + a * p_g) / (p_data + p_g)

    msg = run_check("optimal_ls_discriminator", optimal_ls_discriminator, seed=0).message
    # the edge case (both densities 0 somewhere) has the labels a = -1, b = 1: midpoint 0
    assert re.search(r"NaN at \d+ of \d+ positions \(first at \[\d+\]; expected 0\)", msg), msg


def test_wrong_dtype_and_device():
    def slerp(z0, z1, t):
        return SOLUTIONS["slerp"](z0, z1, t).double()

    assert "wrong dtype: expected float32, got float64" in run_check("slerp", slerp, seed=0).message
    cpu = Output(kind="tensor", dtype="float32", device="cpu", shape=(2,), value=np.zeros(2))
    other = Output(kind="tensor", dtype="float32", device="cuda:0", shape=(2,), value=np.zeros(2))
    verdict = compare("z", cpu, other, OutSpec(kind="tensor"))
    assert verdict.problem == "device" and "expected cpu, got cuda:0" in verdict.message


def test_none_error_and_type_messages():
    def value_function(d, p_data, p_g, dx):
        np.sum(p_data * d) * dx  # forgot return

    assert (
        "returned None; did you forget `return`?"
        in run_check("value_function", value_function).message
    )

    def reverse_kl(samples, means, std):
        counts = np.bincount(samples.argmin(axis=1))
        return counts[100]

    msg = run_check("reverse_kl", reverse_kl, seed=0).message
    assert "raised IndexError" in msg and "return counts[100]" in msg  # the student's own line

    def slerp(z0, z1, t):
        return SOLUTIONS["slerp"](z0, z1, t).numpy()

    assert "expected a torch.Tensor, got ndarray" in run_check("slerp", slerp).message

    def gradient_penalty(critic, x_real, x_fake, eps):
        return SOLUTIONS["gradient_penalty"](critic, x_real, x_fake, eps).detach()

    msg = run_check("gradient_penalty", gradient_penalty).message
    assert "no graph to the critic's weights" in msg and "create_graph=True" in msg


def test_check_raises_on_wrong_and_lists_exercises():
    with pytest.raises(CheckFailed, match="wrong value"):
        check.js_divergence(lambda p, q, dx: 0.1)
    with pytest.raises(AttributeError, match="no exercise called"):
        check.no_such_exercise  # noqa: B018
    assert "slerp" in dir(check) and "optimal_ls_discriminator" in dir(check)
    result = run_check("optimal_ls_discriminator", "not a function")
    assert (
        not result.passed
        and "call it as check.optimal_ls_discriminator(optimal_ls_discriminator)" in result.message
    )


def test_checks_compare_with_the_live_reference(monkeypatch):
    """The reference is the package function itself: change it and a once-right answer fails."""
    answer = SOLUTIONS["optimal_ls_discriminator"]
    assert run_check("optimal_ls_discriminator", answer, seed=0).passed
    monkeypatch.setattr(
        theory, "optimal_discriminator", lambda p_data, p_g: np.full(np.shape(p_data), 0.5)
    )
    assert not run_check("optimal_ls_discriminator", answer, seed=0).passed


def test_checks_leave_the_global_random_state_alone():
    """The adapters seed torch's global generator to build their test networks; a student's
    own random streams (Python, NumPy, torch) must not notice a check."""
    import random

    import torch

    def draws():
        return random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()

    for seed in (3, 4):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        expected = draws()
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        for name in ("init_weights", "train_lsgan", "gradient_penalty"):
            assert run_check(name, SOLUTIONS[name], seed=seed).passed
        assert draws() == expected
