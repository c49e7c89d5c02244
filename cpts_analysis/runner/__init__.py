"""The runner: executes report templates in kernels, exports HTML and PDF, batches on Dask.

It runs in the parent process (the CLI, a script, a Dask worker) and drives kernels that run the
content of :mod:`cpts_analysis.report`. Submodules are imported explicitly
(``from cpts_analysis.runner.execute import run_report``), so a command pays only for what it
runs.
"""

DEFAULT_TIMEOUT_S = 600.0
"""Longest a report may run (seconds) unless the caller says otherwise; here, with no import,
so that the CLI can show it in its help without loading the runner."""
