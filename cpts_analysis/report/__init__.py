"""Parameterised notebook reports: run templates with papermill, export offline HTML, batch them.

Submodules are imported explicitly (``from cpts_analysis.report.execute import run_report``):
notebooks import :mod:`cpts_analysis.report.sidecars` in their kernel, which must not pay for
papermill or nbconvert imports.
"""

DEFAULT_TIMEOUT_S = 600.0
"""Longest a report may run (seconds) unless the caller says otherwise; here, with no import,
so that the CLI can show it in its help without loading the runner."""
