"""The instructor's grader: ``python -m gancourse grade SUBMISSIONS_DIR --out grades.csv``.

- :mod:`~gancourse.grading.discovery`: the students' notebooks, their exercises and cells;
- :mod:`~gancourse.grading.stubs`: the copy of the package graded kernels import, with
  every reference implementation replaced by one that raises;
- :mod:`~gancourse.grading.sandbox`: bubblewrap (``--sandbox``), the sandbox user and the
  kernel's environment;
- :mod:`~gancourse.grading.kernel`: one kernel process (rlimits, ``ipc`` transport,
  timeouts, output cap, killed with everything it started);
- :mod:`~gancourse.grading.session`: a notebook's kernel session (restarts and replays
  after a cell kills it, the harness calls); :mod:`~gancourse.grading.notebook`: one
  notebook from a temporary copy; :mod:`~gancourse.grading.limits`: the bounds;
- :mod:`~gancourse.grading.harness` and :mod:`~gancourse.grading.transport`: the code run
  in the kernel and the pickle-free files that carry inputs and results;
- :mod:`~gancourse.grading.grader`: hidden tests, the reference's values in the grader's
  process, points; :mod:`~gancourse.grading.report`: CSV, Markdown feedback, summary,
  written last and atomically;
- :mod:`~gancourse.grading.cli`: the command line.
"""
