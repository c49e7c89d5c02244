"""Run many reports on a Dask cluster, with a time limit per report and a manifest.

The engine is dask.distributed (:mod:`~cpts_analysis.runner.cluster`): an embedded
``LocalCluster`` by default, or an existing cluster. Each report is one task; the task runs it
in a warm kernel of its worker (:mod:`~cpts_analysis.runner.kernels`). What a batch
guarantees, and who does it:

* one run per reports folder: the folder is locked (:mod:`~cpts_analysis.runner.output_lock`);
* a report is published only when it succeeded; a failure leaves the previous one in place
  (:mod:`~cpts_analysis.runner.publication`);
* one failing report never stops the others: a notebook error is a ``failed`` result, and a
  task that raises (a bug outside the notebook) is recorded as failed here;
* a report running past its time limit has its kernel killed by its worker (the worker stays);
* a worker that dies is replaced by its nanny; the scheduler runs its report once more, then
  gives up (``KilledWorker``), and the report is recorded as failed;
* reports are marked ``running`` in ``manifest.json`` before they start, and the manifest is
  rewritten after every report: whatever stops the batch (Ctrl-C, the scheduler lost, a full
  disk, the process killed), the reports it did not finish read « interrompu », and
  ``--only-failed`` redoes them; ``index.html`` is written at the end, however it ends.
"""

from __future__ import annotations

import sys
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from cpts_analysis.runner import manifest, output_lock
from cpts_analysis.runner.address import check_address
from cpts_analysis.runner.errors import ClusterError, Interrupted, ReportInputError, RunFailure
from cpts_analysis.runner.execute import (
    CellError,
    ReportResult,
    finished,
    run_report,
    write_failure,
)
from cpts_analysis.runner.index import check_owned, write_index
from cpts_analysis.runner.job import Job
from cpts_analysis.runner.location import report_dir
from cpts_analysis.runner.params import check_parameters
from cpts_analysis.runner.publication import is_disk_full, remove_stale_staging

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


class _SchedulerLost(Exception):
    """The client lost its scheduler: the reports not returned yet were cancelled."""


def run_batch(
    jobs: Sequence[Job],
    out_dir: Path,
    workers: int,
    timeout: float,
    only_failed: bool = False,
    scheduler: str | None = None,
) -> BatchResult:
    """Make every report of ``jobs`` under ``out_dir``; one failing report never stops the others.

    Reports whose published version has the inputs asked for are skipped; ``only_failed``
    reruns only those whose last attempt failed or was interrupted. ``timeout`` (seconds)
    bounds each report: papermill stops a cell running that long, and a report still running
    ``KILL_GRACE_S`` later has its kernel killed. ``scheduler`` is the address of an existing
    Dask cluster; without it an embedded cluster of ``workers`` processes runs the batch. Bad
    parameters, folder names, duplicate reports or a bad address raise
    :class:`ReportInputError` first; another run holding ``out_dir`` raises
    :class:`~cpts_analysis.runner.errors.OutputBusy`. A lost scheduler or a full disk raise
    :class:`~cpts_analysis.runner.errors.RunFailure`, Ctrl-C
    :class:`~cpts_analysis.runner.errors.Interrupted`, once the manifest and the index say
    which reports were interrupted.
    """
    out_dir = out_dir.resolve()
    jobs = [_checked(job, out_dir) for job in jobs]
    duplicates = sorted(key for key, n in Counter(job.key for job in jobs).items() if n > 1)
    if duplicates:
        raise ReportInputError(f"rapports demandés plusieurs fois : {', '.join(duplicates)}")
    if scheduler:
        check_address(scheduler)
    hashes = {
        job.key: manifest.input_hash(Path(job.notebook), job.parameters, job.label, job.inputs)
        for job in jobs
    }
    with output_lock.holding(out_dir):
        check_owned(out_dir)
        reports = manifest.load(out_dir)
        remove_stale_staging(out_dir)
        to_run, skipped = _plan(jobs, reports, out_dir, hashes, only_failed)
        for job in to_run:
            reports[job.key] = manifest.started(
                reports.get(job.key),
                Path(job.notebook),
                job.slug,
                job.label,
                job.parameters,
                hashes[job.key],
            )
        manifest_path = manifest.save(out_dir, reports)
        results = _run(to_run, out_dir, reports, hashes, workers, timeout, scheduler)
        return BatchResult(
            results=results,
            skipped=skipped,
            manifest=manifest_path,
            index=out_dir / "index.html",
        )


def _plan(
    jobs: list[Job],
    reports: dict[str, dict[str, Any]],
    out_dir: Path,
    hashes: dict[str, str],
    only_failed: bool,
) -> tuple[list[Job], list[Job]]:
    """(to run, skipped); skipped reports with a manifest entry become ``skipped``."""
    to_run, skipped = [], []
    for job in jobs:
        previous = reports.get(job.key)
        if only_failed:
            rerun = previous is not None and previous["status"] in manifest.RERUN_WITH_ONLY_FAILED
        else:
            rerun = not manifest.reusable(previous, out_dir, hashes[job.key], job.pdf)
        if rerun:
            to_run.append(job)
        else:
            skipped.append(job)
            if previous is not None and previous["published"] is not None:
                reports[job.key] = previous | {"status": "skipped"}
    return to_run, skipped


def _run(
    to_run: list[Job],
    out_dir: Path,
    reports: dict[str, dict[str, Any]],
    hashes: dict[str, str],
    workers: int,
    timeout: float,
    scheduler: str | None,
) -> list[ReportResult]:
    """Run ``to_run``; however it ends, unfinished reports are recorded « interrompu »."""
    results: list[ReportResult] = []
    progress = tqdm(total=len(to_run), file=sys.stderr, unit="rapport", desc="Rapports")
    where = scheduler or "cluster local"

    def done(job: Job, result: ReportResult) -> None:
        results.append(result)
        reports[job.key] = manifest.record(reports[job.key], result, out_dir)
        manifest.save(out_dir, reports)
        progress.set_postfix({"échecs": sum(not r.ok for r in results)}, refresh=False)
        progress.update()

    reason = "lot arrêté avant la fin de ce rapport"
    try:
        if to_run:
            from cpts_analysis.runner import cluster  # dask: only when there is work for it

            pdf = any(job.pdf for job in to_run)
            with cluster.connect(scheduler, min(workers, len(to_run)), pdf) as client:
                address = cluster.dashboard(client)
                if address:
                    progress.write(f"Tableau de bord Dask : {address}")
                cluster.check_paths(client, out_dir, _files(to_run))
                _run_on(client, to_run, out_dir, hashes, timeout, done)
    except KeyboardInterrupt:
        reason = "lot interrompu (Ctrl-C) avant la fin de ce rapport"
        pending = _running(reports)
        raise Interrupted(
            f"lot interrompu (Ctrl-C) : {len(results)} rapport(s) terminé(s), {pending} noté(s) "
            "« interrompu » dans manifest.json ; relancez avec --only-failed pour les refaire"
        ) from None
    except _SchedulerLost:
        reason = f"connexion perdue avec le planificateur Dask {where}"
        pending = _running(reports)
        raise ClusterError(
            f"planificateur Dask perdu ({where}) : {pending} rapport(s) noté(s) « interrompu » ; "
            "relancez avec --only-failed une fois le cluster rétabli"
        ) from None
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        reason = f"plus de place sur le disque dans {out_dir}"
        pending = _running(reports)
        raise RunFailure(
            f"plus de place sur le disque dans {out_dir} : lot arrêté, {pending} rapport(s) "
            "noté(s) « interrompu » (si manifest.json a pu être écrit) ; libérez de la place "
            "puis relancez avec --only-failed"
        ) from None
    finally:
        _close(out_dir, reports, reason, progress)
    return results


def _running(reports: dict[str, dict[str, Any]]) -> int:
    return sum(entry["status"] == "running" for entry in reports.values())


def _close(out_dir: Path, reports: dict[str, dict[str, Any]], reason: str, progress: tqdm) -> None:
    """Record the reports still running as interrupted, save, write the index; best effort
    on a full disk (the manifest on disk then still says ``running``, which the next run reads
    as interrupted)."""
    progress.close()
    for key, entry in reports.items():
        reports[key] = manifest.interrupted(entry, reason)
    try:
        manifest.save(out_dir, reports)
        write_index(out_dir, reports)
    except OSError as exc:
        if not is_disk_full(exc):
            raise


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
    hashes: dict[str, str],
    timeout: float,
    done: Callable[[Job, ReportResult], None],
) -> None:
    """One task per report, handed to ``done`` as each completes (in completion order).

    A cancelled task means the client lost its scheduler: the reports not returned stay
    ``running``, for the caller to record as interrupted.
    """
    from distributed import as_completed

    futures = {
        client.submit(
            _work,
            job,
            out_dir,
            timeout,
            timeout + KILL_GRACE_S,
            hashes[job.key],
            key=f"rapport-{job.key}-{uuid.uuid4().hex[:8]}",
            pure=False,
        ): job
        for job in jobs
    }
    lost = False
    try:
        for future in as_completed(futures, loop=client.loop):
            job = futures[future]
            if future.status == "finished":
                done(job, future.result())
            elif future.status == "error":
                done(job, _failure(job, out_dir, _lost(future.exception())))
            else:
                lost = True
            future.release()
    except BaseException:
        client.cancel(list(futures))
        raise
    if lost:
        raise _SchedulerLost


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
    if exc is None:
        return CellError(ename="Erreur", evalue="la tâche a échoué sans dire pourquoi")
    return CellError(ename=type(exc).__name__, evalue=str(exc) or "erreur sans message")


def _failure(job: Job, out_dir: Path, error: CellError) -> ReportResult:
    """Failed result for a report whose task returned nothing (its duration is unknown: 0)."""
    notebook = Path(job.notebook)
    folder = report_dir(out_dir, notebook, job.slug)
    write_failure(folder, None, job.label, job.key, error, "failed")
    return finished(notebook, job.slug, job.label, job.parameters, "failed", None, folder, error)


def _work(job: Job, out_dir: Path, timeout: float, kill_after: float, digest: str) -> ReportResult:
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
        input_hash=digest,
    )
