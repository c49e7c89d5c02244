"""Errors of the runner: a report that cannot start as asked, a run that cannot go on.

All are :class:`~cpts_analysis.core.errors.CptsError`: the command line prints them as one
French line, never as a traceback, with exit code 2 for a bad command line
(:class:`ReportInputError`) and 1 for a run that failed (:class:`RunFailure`).
"""

from __future__ import annotations

from cpts_analysis.core.errors import CptsError


class ReportInputError(CptsError):
    """A report cannot be started as asked (bad parameter, folder name, template)."""


class OutputRefused(ReportInputError):
    """The output folder holds a file the toolkit did not write where it would write one, or
    cannot be written."""


class RunFailure(CptsError):
    """A run that could not go on or complete (exit code 1)."""


class ClusterError(RunFailure):
    """The cluster cannot run the batch (unreachable, lost, or workers that cannot see the
    files)."""


class PdfUnavailable(RunFailure):
    """A PDF was asked for, but Playwright or Chromium is missing."""


class OutputBusy(RunFailure):
    """Another run holds the output folder."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, once what was published is kept and the rest recorded: the message says so."""
