"""The code the grader runs *inside the student's kernel* after the notebook's own cells.

It only calls the student's function on the grader's inputs and writes what came back
(:mod:`gancourse.grading.transport`); it decides nothing. The verdict is computed in the
grader's process, so a notebook that patches this module, the checks or NumPy can only
change the numbers it hands back, and wrong numbers fail.
"""

from __future__ import annotations

from pathlib import Path


def harness_source(exercise: str, inputs: Path, outputs: Path) -> str:
    """The code cell the grader sends for one exercise."""
    return (
        f"__import__('gancourse.grading.harness', fromlist=['run']).run("
        f"{exercise!r}, {str(inputs)!r}, {str(outputs)!r}, globals())"
    )


def run(exercise: str, inputs: str, outputs: str, namespace: dict) -> None:
    from gancourse.exercises import get_exercise
    from gancourse.exercises.spec import run_call
    from gancourse.grading.transport import read_cases, write_outputs

    ex = get_exercise(exercise)
    cases = read_cases(Path(inputs))
    fn = namespace.get(ex.name)
    if fn is None:
        write_outputs(Path(outputs), "missing", f"`{ex.name}` is not defined", [])
        return
    if not callable(fn):
        write_outputs(
            Path(outputs),
            "not_callable",
            f"`{ex.name}` is a {type(fn).__name__}, not a function",
            [],
        )
        return
    names = list(ex.outputs)
    results = [run_call(lambda c=case: ex.call(fn, c), names) for case in cases]
    write_outputs(Path(outputs), "ok", "", results)
