"""The instructor's grader: ``python -m gancourse grade SUBMISSIONS_DIR --out grades.csv``.

- :mod:`~gancourse.grading.kernel`: one sandboxed kernel (rlimits, own process group,
  timeouts, output cap);
- :mod:`~gancourse.grading.notebook`: run one notebook from a temporary copy, restart
  after a cell kills the kernel, call each exercise through the harness;
- :mod:`~gancourse.grading.harness` and :mod:`~gancourse.grading.transport`: the code run
  in the kernel and the pickle-free files that carry inputs and results;
- :mod:`~gancourse.grading.grader`: find submissions, hidden tests, compare with the
  reference in the grader's process, points;
- :mod:`~gancourse.grading.report`: CSV, Markdown feedback, summary table;
- :mod:`~gancourse.grading.cli`: the command line.
"""
