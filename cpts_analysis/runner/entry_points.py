"""Reports from Python: the same jobs as ``cpts-analysis report`` and ``batch``, for notebooks.

The CLI commands are thin wrappers around these two functions, so a report made from
JupyterLab and one made from a terminal are the same files with the same manifest.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from cpts_analysis.core.paths import REPORTS_DIR
from cpts_analysis.core.types import DateLike
from cpts_analysis.report.inputs import NotebookInputs
from cpts_analysis.runner import DEFAULT_TIMEOUT_S, jobs, manifest, output_lock
from cpts_analysis.runner import pdf as pdf_printer
from cpts_analysis.runner.batch import BatchResult, run_batch
from cpts_analysis.runner.errors import Interrupted
from cpts_analysis.runner.execute import ReportResult, run_report
from cpts_analysis.runner.index import check_owned, write_index
from cpts_analysis.runner.publication import remove_stale_staging


def make_report(
    territory: str,
    notebook: str | None = None,
    registry: str | Path | None = None,
    date: DateLike | None = None,
    out: str | Path = REPORTS_DIR,
    timeout: float | None = None,
    variant: str | Path | None = None,
    indicators: str | Path | None = None,
    pdf: bool = False,
    reuse_kernel: bool = False,
    **options: object,
) -> ReportResult:
    """Run one report template for ``territory`` and export it to HTML.

    ``territory`` is a department or region code (``"42"``, ``"region:84"``) or, for the
    ``profil_cpts`` template, a CPTS id; ``timeout`` (seconds) defaults to
    ``DEFAULT_TIMEOUT_S``; ``variant`` (an overlay file or a parameter folder) is what the
    ``reforme`` template compares with the rules in force; ``indicators`` is an indicator file
    kept outside the registry (comparison reports); ``options`` are the template's other
    parameters by their command-line name (``fusion_a="ARA-42-01"`` for ``--fusion-a``). Every
    parameter is checked first, so bad input raises
    :class:`~cpts_analysis.core.errors.CptsError` before any kernel starts and writes nothing;
    a failing notebook gives a result with ``ok == False`` and the failing cell in ``error``.
    ``pdf`` also prints ``report.pdf`` with headless Chromium, launched once and kept for the
    process's next reports (:mod:`~cpts_analysis.runner.pdf`); ``reuse_kernel`` runs in this
    process's warm kernel (started ahead by :func:`~cpts_analysis.runner.kernels.prestart`).

    Examples:
        >>> import tempfile
        >>> import cpts_analysis as cpts
        >>> result = cpts.make_report("42", date="2025-06-01", out=tempfile.mkdtemp())
        >>> result.ok, result.outputs["html"].name, result.folder.name
        (True, 'report.html', 'departement-42-loire')
    """
    notebook = notebook or jobs.DEFAULT_NOTEBOOK
    given = _options(registry, date, variant, indicators, options)
    inputs = jobs.report_inputs(notebook, territory, given)
    if pdf:
        pdf_printer.check_available()  # its browser is kept for this and the next reports
    return run_checked(notebook, inputs, out, timeout, pdf=pdf, reuse_kernel=reuse_kernel)


def run_checked(
    notebook: str,
    inputs: NotebookInputs,
    out: str | Path = REPORTS_DIR,
    timeout: float | None = None,
    pdf: bool = False,
    reuse_kernel: bool = False,
) -> ReportResult:
    """:func:`make_report` once its parameters are checked (by
    :func:`~cpts_analysis.runner.jobs.report_inputs`).

    The output folder is locked for the run; when it is a batch's (it has ``manifest.json``),
    its manifest and index record this report too.
    """
    job = jobs.report_job(notebook, inputs)
    out_dir = Path(out).resolve()
    digest = manifest.input_hash(Path(job.notebook), job.parameters, job.label, job.inputs)
    with output_lock.holding(out_dir):
        in_batch = (out_dir / manifest.MANIFEST_FILE).exists()
        reports = manifest.load(out_dir) if in_batch else {}
        if in_batch:
            check_owned(out_dir)
        remove_stale_staging(out_dir)
        entry = manifest.started(
            reports.get(job.key),
            Path(job.notebook),
            job.slug,
            job.label,
            job.parameters,
            digest,
        )
        if in_batch:
            manifest.save(out_dir, reports | {job.key: entry})
        try:
            result = run_report(
                job.notebook,
                job.parameters,
                out_dir,
                timeout or DEFAULT_TIMEOUT_S,
                slug=job.slug,
                label=job.label,
                reuse_kernel=reuse_kernel,
                pdf=pdf,
                input_hash=digest,
            )
        except KeyboardInterrupt:
            if in_batch:
                reports[job.key] = manifest.interrupted(entry, "rapport interrompu (Ctrl-C)")
                manifest.save(out_dir, reports)
                write_index(out_dir, reports)
            raise Interrupted(
                "rapport interrompu (Ctrl-C) : le rapport publié auparavant reste en place"
            ) from None
        if in_batch:
            reports[job.key] = manifest.record(entry, result, out_dir)
            manifest.save(out_dir, reports)
            write_index(out_dir, reports)
    return result


def make_batch(
    by: str,
    registry: str | Path | None = None,
    date: DateLike | None = None,
    out: str | Path = REPORTS_DIR,
    workers: int | None = None,
    timeout: float | None = None,
    only_failed: bool = False,
    notebook: str | None = None,
    variant: str | Path | None = None,
    indicators: str | Path | None = None,
    pdf: bool = False,
    scheduler: str | None = None,
    **options: object,
) -> BatchResult:
    """One report per department, region or CPTS (``by``) of the registry, in parallel.

    ``notebook`` defaults to the comparison (the profile with ``by="cpts"``); ``options`` are
    the template's other parameters, as for :func:`make_report`. The reports run on an
    embedded Dask cluster of ``workers`` processes, or on the existing cluster at
    ``scheduler`` (``tcp://host:8786``). Reports unchanged since their last success are
    skipped; ``manifest.json`` and ``index.html`` are written in ``out``; ``any_failed`` tells
    whether any report failed.

    Examples:
        >>> import tempfile
        >>> import cpts_analysis as cpts
        >>> out = tempfile.mkdtemp()
        >>> batch = cpts.make_batch("region", date="2025-06-01", out=out, workers=1)
        >>> batch.any_failed, [result.slug for result in batch.results]
        (False, ['region-84-auvergne-rhone-alpes'])
        >>> rerun = cpts.make_batch("region", date="2025-06-01", out=out, workers=1)
        >>> len(rerun.results), len(rerun.skipped)  # unchanged: nothing to redo
        (0, 1)
    """
    given = _options(registry, date, variant, indicators, options)
    batch_jobs = jobs.batch_jobs(by, notebook, given)
    if pdf:
        pdf_printer.check_available()
        pdf_printer.close()  # the workers print, each with its own browser: this one would idle
    return run_batch(
        [replace(job, pdf=pdf) for job in batch_jobs],
        Path(out),
        workers=workers or os.cpu_count() or 1,
        timeout=timeout or DEFAULT_TIMEOUT_S,
        only_failed=only_failed,
        scheduler=scheduler,
    )


def _options(
    registry: str | Path | None,
    date: DateLike | None,
    variant: str | Path | None,
    indicators: str | Path | None,
    others: dict[str, object],
) -> dict[str, object]:
    """The options of a report by their command-line names (``--indicateurs`` → indicateurs)."""
    named = {"registry": registry, "date": date, "variant": variant, "indicateurs": indicators}
    return {**named, **others}
