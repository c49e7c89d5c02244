"""Run many reports on a Dask cluster, with a time limit per report and a manifest.

The engine is dask.distributed (:mod:`~cpts_analysis.runner.cluster`): an embedded
``LocalCluster`` by default, or an existing cluster. Each report is one task; the task runs it
in a warm kernel of its worker (:mod:`~cpts_analysis.runner.kernels`). What a batch
guarantees, and who does it:

* one failing report never stops the others: a notebook error is a ``failed`` result, and a
  task that raises (a bug outside the notebook) is recorded as failed here;
* a report running past its time limit has its kernel killed by its worker (the worker stays);
* a worker that dies is replaced by its nanny; the scheduler runs its report once more, then
  gives up (``KilledWorker``), and the report is recorded as failed;
* ``manifest.json`` is rewritten after every report, and ``index.html`` at the end.
"""

from __future__ import annotations

import sys
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from cpts_analysis.runner import manifest
from cpts_analysis.runner.errors import ReportInputError
from cpts_analysis.runner.execute import (
    CellError,
    ReportResult,
    existing_outputs,
    publish_failure,
    run_report,
)
from cpts_analysis.runner.index import write_index
from cpts_analysis.runner.job import Job
from cpts_analysis.runner.location import report_dir
from cpts_analysis.runner.params import check_parameters

if TYPE_CHECKING:
    from distributed import Client

KILL_GRACE_S = 15.0
"""Extra time before killing a report, so papermill's own per-cell timeout names the cell."""


@dataclass(frozen=True)
class BatchResult:
    results: list[ReportResult]  # reports run by this batch
    skipped: list[Job]  # up to date (or, with only_failed, not failed last time)
    manifest: Path
    index: Path

    @property
    def failed(self) -> list[ReportResult]:
        return [result for result in self.results if not result.ok]

    @property
    def any_failed(self) -> bool:
        return bool(self.failed)


def run_batch(
    jobs: Sequence[Job],
    out_dir: Path,
    workers: int,
    timeout: float,
    only_failed: bool = False,
    scheduler: str | None = None,
) -> BatchResult:
    """Make every report of ``jobs`` under ``out_dir``; one failing report never stops the others.

    Reports unchanged since their last success are skipped; ``only_failed`` reruns only those
    whose last run failed. ``timeout`` (seconds) bounds each report: papermill stops a cell
    running that long, and a report still running ``KILL_GRACE_S`` later has its kernel killed.
    ``scheduler`` is the address of an existing Dask cluster; without it an embedded cluster of
    ``workers`` processes runs the batch. Bad parameters, folder names or duplicate reports
    raise :class:`ReportInputError` first.
    """
    out_dir = out_dir.resolve()
    jobs = [_checked(job, out_dir) for job in jobs]
    duplicates = sorted(key for key, n in Counter(job.key for job in jobs).items() if n > 1)
    if duplicates:
        raise ReportInputError(f"rapports demandés plusieurs fois : {', '.join(duplicates)}")
    reports = manifest.load(out_dir)
    hashes = {
        job.key: manifest.input_hash(Path(job.notebook), job.parameters, job.label, job.inputs)
        for job in jobs
    }
    to_run, skipped = [], []
    for job in jobs:
        previous = reports.get(job.key)
        if only_failed:
            rerun = previous is not None and previous["status"] == "failed"
        else:
            rerun = not manifest.reusable(previous, out_dir, hashes[job.key]) or bool(
                job.pdf and previous and "pdf" not in previous["outputs"]
            )
        if rerun:
            to_run.append(job)
        else:
            skipped.append(job)
            if previous is not None:
                reports[job.key] = previous | {"status": "skipped"}
    manifest_path = manifest.save(out_dir, reports)
    results: list[ReportResult] = []
    progress = tqdm(total=len(to_run), file=sys.stderr, unit="rapport", desc="Rapports")

    def done(job: Job, result: ReportResult) -> None:
        results.append(result)
        reports[job.key] = manifest.record(result, out_dir, hashes[job.key])
        manifest.save(out_dir, reports)
        progress.set_postfix(echecs=sum(not r.ok for r in results), refresh=False)
        progress.update()

    try:
        if to_run:
            from cpts_analysis.runner import cluster  # dask: only when there is work for it

            with cluster.connect(scheduler, min(workers, len(to_run))) as client:
                address = cluster.dashboard(client)
                if address:
                    progress.write(f"Tableau de bord Dask : {address}")
                cluster.check_paths(client, out_dir, _files(to_run))
                _run_on(client, to_run, out_dir, timeout, done)
    finally:
        progress.close()
        index = write_index(out_dir, reports)
    return BatchResult(results=results, skipped=skipped, manifest=manifest_path, index=index)


def _checked(job: Job, out_dir: Path) -> Job:
    notebook = Path(job.notebook).resolve()
    check_parameters(notebook, job.parameters)
    report_dir(out_dir, notebook, job.slug)
    return replace(job, notebook=notebook, inputs=tuple(job.inputs))


def _files(jobs: Sequence[Job]) -> list[Path]:
    """Files the workers must see: templates and declared inputs (e.g. the registry)."""
    return sorted({Path(job.notebook) for job in jobs} | {Path(p) for j in jobs for p in j.inputs})


def _run_on(
    client: Client,
    jobs: list[Job],
    out_dir: Path,
    timeout: float,
    done: Callable[[Job, ReportResult], None],
) -> None:
    """One task per report, handed to ``done`` as each completes (in completion order)."""
    from distributed import as_completed

    futures = {
        client.submit(
            _work,
            job,
            out_dir,
            timeout,
            timeout + KILL_GRACE_S,
            key=f"rapport-{job.key}-{uuid.uuid4().hex[:8]}",
            pure=False,
        ): job
        for job in jobs
    }
    try:
        for future in as_completed(futures, loop=client.loop):
            job = futures[future]
            if future.status == "finished":
                result = future.result()
            else:
                result = _failure(job, out_dir, _lost(future.exception()))
            future.release()
            done(job, result)
    except BaseException:
        client.cancel(list(futures))
        raise


def _lost(exc: BaseException | None) -> CellError:
    """Why a task returned no result: its worker died twice, or the runner itself failed."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return CellError(
            ename="KilledWorker",
            evalue=(
                "le processus de travail s'est arrêté pendant ce rapport, puis encore pendant "
                "le nouvel essai (mémoire épuisée, processus tué ?) : rapport abandonné"
            ),
        )
    return CellError(ename=type(exc).__name__, evalue=str(exc))


def _failure(job: Job, out_dir: Path, error: CellError) -> ReportResult:
    """Failed result for a report whose task returned nothing (its duration is unknown: 0)."""
    notebook = Path(job.notebook)
    folder = report_dir(out_dir, notebook, job.slug)
    publish_failure(folder, error)
    return ReportResult(
        notebook=notebook,
        slug=job.slug,
        label=job.label,
        parameters=job.parameters,
        status="failed",
        duration_s=0.0,
        folder=folder,
        outputs=existing_outputs(folder),
        error=error,
    )


def _work(job: Job, out_dir: Path, timeout: float, kill_after: float) -> ReportResult:
    """Worker side: run the report in this worker's warm kernel."""
    return run_report(
        job.notebook,
        job.parameters,
        out_dir,
        timeout,
        slug=job.slug,
        label=job.label,
        reuse_kernel=True,
        pdf=job.pdf,
        kill_after=kill_after,
    )
