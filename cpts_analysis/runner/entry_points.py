"""Reports from Python: the same jobs as ``cpts-analysis report`` and ``batch``, for notebooks.

The CLI commands are thin wrappers around these two functions, so a report made from
JupyterLab and one made from a terminal are the same files with the same manifest.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

from cpts_analysis.aci.variants import load_variant
from cpts_analysis.core.paths import REPORTS_DIR
from cpts_analysis.runner import DEFAULT_TIMEOUT_S, jobs
from cpts_analysis.runner.batch import BatchResult, run_batch
from cpts_analysis.runner.execute import ReportResult, run_report
from cpts_analysis.runner.pdf import check_available
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.registry.indicator_file import with_indicator_file


def make_report(
    territory: str,
    notebook: str | None = None,
    registry: str | Path | None = None,
    date: dt.date | str | None = None,
    out: str | Path = REPORTS_DIR,
    timeout: float | None = None,
    variant: str | Path | None = None,
    indicators: str | Path | None = None,
    pdf: bool = False,
    reuse_kernel: bool = False,
) -> ReportResult:
    """Run one report template for ``territory`` and export it to HTML.

    ``territory`` is a department or region code (``"42"``, ``"region:84"``) or, for the
    ``profil_cpts`` template, a CPTS id; ``timeout`` (seconds) defaults to
    ``DEFAULT_TIMEOUT_S``; ``variant`` (an overlay file or a parameter folder) is what the
    ``reforme`` template compares with the rules in force; ``indicators`` is an indicator file
    kept outside the registry (comparison reports). The registry and the other inputs are
    validated first, so bad input raises :class:`~cpts_analysis.core.errors.InputError` before
    any kernel starts; a failing notebook gives a result with ``ok == False`` and the failing
    cell in ``error``. ``pdf`` also prints ``report.pdf`` with headless Chromium;
    ``reuse_kernel`` runs in this process's warm kernel (started ahead by
    :func:`~cpts_analysis.runner.kernels.prestart`).

    Examples:
        >>> import tempfile
        >>> import cpts_analysis as cpts
        >>> result = cpts.make_report("42", date="2025-06-01", out=tempfile.mkdtemp())
        >>> result.ok, result.outputs["html"].name, result.folder.name
        (True, 'report.html', '42')
    """
    source = Path(registry) if registry is not None else jobs.DEFAULT_REGISTRY
    _check_inputs(source, variant, indicators, pdf)
    job = jobs.report_job(
        notebook or jobs.DEFAULT_NOTEBOOK,
        territory,
        source,
        _iso(date),
        variant=_path(variant),
        indicators=_path(indicators),
    )
    return run_report(
        job.notebook,
        job.parameters,
        Path(out),
        timeout or DEFAULT_TIMEOUT_S,
        slug=job.slug,
        label=job.label,
        reuse_kernel=reuse_kernel,
        pdf=pdf,
    )


def make_batch(
    by: str,
    registry: str | Path | None = None,
    date: dt.date | str | None = None,
    out: str | Path = REPORTS_DIR,
    workers: int | None = None,
    timeout: float | None = None,
    only_failed: bool = False,
    notebook: str | None = None,
    variant: str | Path | None = None,
    indicators: str | Path | None = None,
    pdf: bool = False,
    scheduler: str | None = None,
) -> BatchResult:
    """One report per department, region or CPTS (``by``) of the registry, in parallel.

    ``notebook`` defaults to the comparison (the profile with ``by="cpts"``). The reports run
    on an embedded Dask cluster of ``workers`` processes, or on the existing cluster at
    ``scheduler`` (``tcp://host:8786``). Reports unchanged since their last success are
    skipped; ``manifest.json`` and ``index.html`` are written in ``out``; ``any_failed`` tells
    whether any report failed.

    Examples:
        >>> import tempfile
        >>> import cpts_analysis as cpts
        >>> out = tempfile.mkdtemp()
        >>> batch = cpts.make_batch("region", date="2025-06-01", out=out, workers=1)
        >>> batch.any_failed, [result.slug for result in batch.results]
        (False, ['region-84'])
        >>> rerun = cpts.make_batch("region", date="2025-06-01", out=out, workers=1)
        >>> len(rerun.results), len(rerun.skipped)  # unchanged: nothing to redo
        (0, 1)
    """
    source = Path(registry) if registry is not None else jobs.DEFAULT_REGISTRY
    batch_jobs = jobs.batch_jobs(
        by, source, _iso(date), notebook, _path(variant), _path(indicators)
    )
    _check_inputs(source, variant, indicators, pdf, registry=False)
    return run_batch(
        [replace(job, pdf=pdf) for job in batch_jobs],
        Path(out),
        workers=workers or os.cpu_count() or 1,
        timeout=timeout or DEFAULT_TIMEOUT_S,
        only_failed=only_failed,
        scheduler=scheduler,
    )


def _check_inputs(
    source: Path,
    variant: str | Path | None,
    indicators: str | Path | None,
    pdf: bool,
    registry: bool = True,
) -> None:
    """Raise every problem of the registry (unless ``registry`` is false: a batch reads it
    when it lists the territories), the indicator file and the variant before any kernel
    starts, and whether the browser that prints PDFs is there. Missing paths are left to the
    job builders, which name them."""
    if (registry or indicators is not None) and source.exists():
        loaded = load_registry(source)
        if indicators is not None:
            with_indicator_file(loaded, Path(indicators))
    if variant is not None and Path(variant).exists():
        load_variant(Path(variant))
    if pdf:
        check_available()


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


def _iso(date: dt.date | str | None) -> str | None:
    return date.isoformat() if isinstance(date, dt.date) else date
