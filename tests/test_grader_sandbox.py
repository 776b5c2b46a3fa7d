"""The grader's isolation, tried as a determined student would (issue 18).

Three cheats, each with variants, in one corpus:

- **rex** reaches the course's reference implementation without naming it:
  ``importlib.import_module``, ``__import__``, ``sys.modules`` + ``importlib.reload``, the
  source file read from disk, ``getattr`` on a class, a scan of the garbage collector;
- **mallory** finds another student's notebook on disk (through ``/proc/<ppid>/cwd``, the
  other processes' working folders, ``/tmp``) and ``exec``s its answer;
- **otto** leaves processes behind (``subprocess.Popen(start_new_session=True)``, a double
  fork, a thread that waits) to append to ``grades.csv`` once the grader is done.

Graded twice: inside bubblewrap through the command line (every cheat fails; skipped,
saying why, where bubblewrap cannot run), and with ``--sandbox none``, which shows what
the sandbox adds: there the references are still missing (the grading copy of the
package), but the copy works and otto's processes outlive the grader.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_notebooks import hashes, insert_after_imports, replace, rows, solution, write

from gancourse.cli import main as cli_main
from gancourse.exercises import all_exercises
from gancourse.grading.grader import grade
from gancourse.grading.limits import Limits
from gancourse.grading.sandbox import choose, open_sandbox
from gancourse.grading.stubs import BLOCKED, build_grading_copy, reference_names
from gancourse.grading.transport import write_cases

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="the hostile notebooks use /proc"),
]

MARK = f"gancourse-escape-{os.getpid()}"  # in the command line of every process otto leaves

REX_01 = {
    "01_optimal_ls_discriminator": """
def optimal_ls_discriminator(p_data, p_g, a, b):
    import importlib
    theory = importlib.import_module("ganc" + "ourse.the" + "ory")
    return a + (b - a) * getattr(theory, "optimal_" + "discriminator")(p_data, p_g)
""",
    "01_js_divergence": """
def js_divergence(p, q, dx):
    return __import__("gancourse.theory", fromlist=["_"]).__dict__["js_" + "divergence"](p, q, dx)
""",
    "01_value_function": """
def value_function(d, p_data, p_g, dx):
    import importlib, sys
    importlib.import_module("gancourse.theory")
    theory = importlib.reload(sys.modules["gancourse." + "theory"])
    return vars(theory)["value_" + "function"](d, p_data, p_g, dx)
""",
    # every losses.py of the course this process can read, executed afresh
    "01_generator_loss_grads": """
def generator_loss_grads(mu, s, z, w, c):
    import glob, os, sys, torch, gancourse.losses
    places = sys.path + os.environ.get("PYTHONPATH", "").split(os.pathsep) + [
        os.readlink(f"/proc/{os.getppid()}/cwd")]
    for meta in sys.meta_path:  # an editable install's finder knows the real folder
        finder = sys.modules.get(getattr(meta, "__module__", ""))
        places += [os.path.dirname(f) for f in getattr(finder, "MAPPING", {}).values()]
    loss = getattr(gancourse.losses, "g_loss_" + "saturating")
    for place in places:
        for path in glob.glob(os.path.join(place or ".", "gancourse", "losses.py")):
            source = open(path).read()
            if "not available while grading" not in source:
                ns = {"__name__": "stolen"}
                exec(compile(source, path, "exec"), ns)
                loss = ns["g_loss_saturating"]
    p = torch.tensor([mu, s], dtype=torch.float64, requires_grad=True)
    d_fake = w * (p[0] + p[1] * torch.from_numpy(z)) + c
    (grad,) = torch.autograd.grad(loss(d_fake), p)
    return grad.numpy(), grad.numpy()
""",
}

REX_05 = {
    "05_generator_block": """
def generator_block(in_channels, out_channels):
    import importlib
    G = getattr(importlib.import_module("gancourse.models"), "Gen" + "erator")
    return G(z_dim=1, width=out_channels, image_size=16, channels=1).net[3:6]
""",
    "05_init_weights": """
def init_weights(module):
    import sys, importlib
    importlib.import_module("gancourse.models")
    return sys.modules["gancourse.models"].__dict__["init_dcgan_" + "weights"](module)
""",
    "05_frechet_distance": """
def frechet_distance(feats_a, feats_b):
    import gc, importlib
    importlib.import_module("gancourse.metrics.features")
    found = [f for f in gc.get_objects() if callable(f) and type(f).__name__ == "function"]
    found = [f for f in found if f.__name__ == "frechet_" + "distance" and f.__module__ != __name__]
    return found[0](feats_a, feats_b)
""",
}

MALLORY_COPIES = """
import glob, json, os

def steal(name):
    '''Run the first answer for `name` found in another notebook this process can read.'''
    me = os.path.realpath(os.getcwd())
    roots = [f"/proc/{os.getppid()}/cwd"] + sorted(glob.glob("/proc/[0-9]*/cwd")) + ["/tmp"]
    for root in roots:
        for depth in range(4):
            for path in sorted(glob.glob(os.path.join(root, *["*"] * depth, "*.ipynb"))):
                if os.path.dirname(os.path.realpath(path)) == me:
                    continue
                try:
                    cells = json.load(open(path))["cells"]
                except (OSError, ValueError, KeyError):
                    continue
                for cell in cells:
                    source = "".join(cell.get("source", ""))
                    if f"def {name}(" in source and "NotImplementedError" not in source:
                        exec(source, globals())
                        return path
    return None

print("copied from", steal("slerp"))
"""

OTTO_ESCAPES = f"""
import os, subprocess, sys, threading, time

grader_dir = os.readlink(f"/proc/{{os.getppid()}}/cwd")  # where the report will be written
LOOP = '''
import glob, os, sys, time
mark, where = (globals().get("ARGV") or sys.argv)[1:3]
end = time.time() + 40
while time.time() < end:
    for path in [os.path.join(where, "grades.csv")] + glob.glob("/tmp/*/grades.csv"):
        if os.path.exists(path):
            try:
                with open(path, "a") as f:
                    f.write("otto,06.1 slerp,100,3,escaped " + mark + "\\\\n")
            except OSError:
                pass
    time.sleep(0.2)
'''
quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
subprocess.Popen([sys.executable, "-c", LOOP, "{MARK}-popen", grader_dir],
                 start_new_session=True, **quiet)
child = os.fork()
if child == 0:  # a double fork: the grandchild belongs to no one
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", LOOP, "{MARK}-fork", grader_dir])
    os._exit(0)
os.waitpid(child, 0)
ARGV = ["", "thread", grader_dir]
threading.Thread(target=exec, args=(LOOP, {{"ARGV": ARGV}}), daemon=True).start()
print("left behind")
"""

NOT_IMPLEMENTED = "def slerp(z0, z1, t):\n    raise NotImplementedError()\n"


def _corpus(subs: Path) -> None:
    write(solution("06"), subs / "alice" / "06_latent_space.ipynb")  # the one to copy from
    nb = replace(solution("06"), "06_slerp", NOT_IMPLEMENTED)
    nb.cells.append(nbformat.v4.new_code_cell(MALLORY_COPIES))  # after every definition
    write(nb, subs / "mallory" / "06_latent_space.ipynb")
    for lesson, answers in (("01", REX_01), ("05", REX_05)):
        nb = solution(lesson)
        for grade_id, source in answers.items():
            replace(nb, grade_id, source)
        write(nb, subs / "rex" / f"{lesson}_rex.ipynb")
    nb = insert_after_imports(solution("06"), OTTO_ESCAPES)
    write(nb, subs / "otto" / "06_latent_space.ipynb")


def _escaped() -> list[int]:
    """Processes otto left (his marker in their command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if MARK.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


OLD_CSV = "student,exercise,points,max_points,reason\nold,00.0 run,1,1,from the last run\n"


@pytest.fixture(scope="module")
def bwrap_ok():
    """Skip, saying why, where the grader would not use bubblewrap."""
    if not sys.platform.startswith("linux"):
        pytest.skip(f"bubblewrap needs Linux (this is {sys.platform})")
    with open_sandbox(Limits(), all_exercises()) as sandbox:
        if sandbox.mode != "bwrap":
            pytest.skip(f"bubblewrap cannot run here: {sandbox.warnings[0]}")


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory, bwrap_ok):
    """The corpus graded by the command line in bubblewrap, from the folder the CSV goes to
    (where an earlier run's grades.csv lies)."""
    course = tmp_path_factory.mktemp("course")
    _corpus(course / "submissions")
    before = hashes(course / "submissions")
    (course / "grades.csv").write_text(OLD_CSV)
    cwd = os.getcwd()
    os.chdir(course)
    try:
        args = ["grade", "submissions", "--out", "grades.csv", "--feedback-dir", "feedback"]
        args += ["--sandbox", "bwrap", "--jobs", "2", "--seed", "5", "--no-progress"]
        code = cli_main(args + ["--timeout", "90", "--call-timeout", "30"])
    finally:
        os.chdir(cwd)
    left = _escaped()
    written = (course / "grades.csv").read_bytes()
    time.sleep(3)  # otto's processes, if any were left, append every 0.2 s
    yield {"code": code, "course": course, "before": before, "left": left, "written": written}
    _kill(_escaped())


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory):
    """The same corpus graded with --sandbox none, as the grader's own user."""
    course = tmp_path_factory.mktemp("course-none")
    _corpus(course / "submissions")
    (course / "grades.csv").write_text(OLD_CSV)
    cwd = os.getcwd()
    os.chdir(course)
    limits = Limits(timeout=90, call_timeout=30, sandbox="none", sandbox_user="none")
    try:
        run = grade(Path("submissions"), limits=limits, jobs=2, seed=5, progress=False)
    finally:
        os.chdir(cwd)
    left = _escaped()
    _kill(left)
    return {"run": run, "left": left}


def _csv_rows(course: Path) -> dict[tuple[str, str], tuple[float, str]]:
    with open(course / "grades.csv", newline="") as f:
        return {
            (r["student"], r["exercise"].split()[1]): (float(r["points"]), r["reason"])
            for r in csv.DictReader(f)
        }


REFERENCES = {
    "optimal_ls_discriminator": "gancourse.theory.optimal_discriminator",
    "js_divergence": "gancourse.theory.js_divergence",
    "value_function": "gancourse.theory.value_function",
    "generator_block": "gancourse.models.Generator",
    "init_weights": "gancourse.models.init_dcgan_weights",
    # a module and the package both export it: either stub answers the garbage-collector scan
    "frechet_distance": (
        "gancourse.metrics.features.frechet_distance",
        "gancourse.metrics.frechet_distance",
    ),
}


def _blocked(name: str | tuple[str, ...]) -> str | tuple[str, ...]:
    if isinstance(name, tuple):
        return tuple(_blocked(n) for n in name)
    return f"uses the course's own {name} (not available while grading): write it yourself"


def _is_blocked(got: tuple[float, str], reference: str | tuple[str, ...]) -> bool:
    reasons = _blocked(reference)
    return got[0] == 0 and got[1] in (reasons if isinstance(reasons, tuple) else (reasons,))


# ------------------------------------------------------------------------ in bubblewrap


def test_sandboxed_run_succeeds_and_honest_work_scores(sandboxed):
    assert sandboxed["code"] == 0
    got = _csv_rows(sandboxed["course"])
    assert got[("alice", "slerp")][0] == 3 and got[("alice", "interpolation_path")][0] == 2
    assert got[("otto", "slerp")][0] == 3 and got[("otto", "interpolation_path")][0] == 2
    assert got[("rex", "generator_loss_grads")][0] == 0


def test_reference_is_not_there_to_call_in_the_sandbox(sandboxed):
    got = _csv_rows(sandboxed["course"])
    for exercise, reference in REFERENCES.items():
        assert _is_blocked(got[("rex", exercise)], reference), exercise
    # the source read from disk: the only copy the kernel can read has no reference in it
    losses = "gancourse.losses.g_loss_saturating"
    assert got[("rex", "generator_loss_grads")] == (0, _blocked(losses))


def test_other_students_work_is_out_of_sight(sandboxed):
    got = _csv_rows(sandboxed["course"])
    assert got[("mallory", "slerp")] == (0, "not implemented (still raises NotImplementedError)")
    assert "  - cell" not in (sandboxed["course"] / "feedback" / "mallory.md").read_text()  # it ran


def test_no_process_outlives_the_grader_and_the_report_stays_as_written(sandboxed):
    assert sandboxed["left"] == [], "processes of otto's outlived the grader"
    assert "  - cell" not in (sandboxed["course"] / "feedback" / "otto.md").read_text()  # it ran
    csv_now = (sandboxed["course"] / "grades.csv").read_bytes()
    assert csv_now == sandboxed["written"]
    assert b"escaped" not in csv_now and b"from the last run" not in csv_now


def test_sandboxed_submissions_are_byte_identical(sandboxed):
    assert hashes(sandboxed["course"] / "submissions") == sandboxed["before"]


# ------------------------------------------------------------------------ without it


def test_without_bubblewrap_the_references_are_still_missing(unsandboxed):
    got = rows(unsandboxed["run"])
    for exercise, reference in REFERENCES.items():
        assert _is_blocked(got[("rex", exercise)], reference), exercise
    assert unsandboxed["run"].sandbox == "none"
    assert any("WITHOUT the bubblewrap sandbox" in w for w in unsandboxed["run"].warnings)


def test_without_bubblewrap_copies_and_escapes_work(unsandboxed):
    """What the sandbox is for (and why ``auto`` warns when it falls back)."""
    got = rows(unsandboxed["run"])
    assert got[("mallory", "slerp")][0] == 3  # copied from alice's or otto's notebook
    assert unsandboxed["left"], "expected otto's processes to outlive an unsandboxed grader"


# ------------------------------------------------------------------------ units


def test_grading_copy_has_no_reference(tmp_path):
    """In the copy the kernel imports, every reference raises, however it is reached, and
    every exercise's reference adapter fails; outside, the real package is untouched."""
    catalogue = all_exercises()
    build_grading_copy(tmp_path / "pkg", catalogue)
    for j, ex in enumerate(catalogue):
        write_cases(tmp_path / f"{ex.name}.npz", ex.make_cases(np.random.default_rng([1, j])))
    script = textwrap.dedent(
        f"""
        import gc, importlib, sys
        from gancourse.exercises import all_exercises
        from gancourse.exercises.spec import run_call
        from gancourse.grading.transport import read_cases
        for ex in all_exercises():
            case = read_cases({str(tmp_path)!r} + f"/{{ex.name}}.npz")[0]
            for out in run_call(lambda: ex.reference(case), list(ex.outputs)).values():
                assert out.kind == "error" and {BLOCKED!r} in out.message, (ex.name, out)
        theory = importlib.reload(importlib.import_module("ganc" + "ourse.theory"))
        found = [f for f in gc.get_objects() if type(f).__name__ == "function"]
        found = [f for f in found if f.__name__ == "js_divergence"]
        found += [getattr(theory, "js_divergence"), __import__("gancourse.theory").theory]
        found[-1] = found[-1].js_divergence
        for fn in found:
            try:
                fn([1.0], [1.0], 1.0)
            except RuntimeError as exc:
                assert str(exc) == "gancourse.theory.js_divergence {BLOCKED}"
            else:
                raise AssertionError(fn)
        print(len(all_exercises()))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkg")}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == [str(len(catalogue))]
    assert "gancourse.models.Generator" in reference_names(catalogue)
    from gancourse import theory

    assert theory.js_divergence(np.array([1.0]), np.array([1.0]), 1.0) == 0.0


def test_sandbox_choice_and_fallback(monkeypatch, tmp_path):
    package = tmp_path
    none = choose(Limits(sandbox="none", sandbox_user="none"), package)
    assert none.mode == "none" and "WITHOUT the bubblewrap sandbox" in none.warnings[0]
    with pytest.raises(ValueError, match="--sandbox must be one of"):
        choose(Limits(sandbox="docker"), package)
    monkeypatch.setattr("gancourse.grading.sandbox.shutil.which", lambda name: None)
    auto = choose(Limits(sandbox_user="none"), package)
    why = auto.warnings[0]
    assert auto.mode == "none" and ("bwrap is not installed" in why or "needs Linux" in why)
    with pytest.raises(ValueError, match="bubblewrap cannot run here"):
        choose(Limits(sandbox="bwrap", sandbox_user="none"), package)
