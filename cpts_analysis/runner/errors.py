"""Errors of the runner: a report that cannot start as asked, a cluster or a browser missing.

All are :class:`~cpts_analysis.core.errors.CptsError`: the command line prints them as one
French line (exit code 2 for a bad command line, 1 otherwise), never as a traceback.
"""

from __future__ import annotations

from cpts_analysis.core.errors import CptsError


class ReportInputError(CptsError):
    """A report cannot be started as asked (bad parameter, folder name, template)."""


class ClusterError(CptsError):
    """The cluster cannot run the batch (unreachable, or workers that cannot see the files)."""


class PdfUnavailable(CptsError):
    """A PDF was asked for, but Playwright or Chromium is missing."""
