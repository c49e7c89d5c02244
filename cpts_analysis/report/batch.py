"""Run many reports in worker processes, with a time limit per report and a manifest.

Processes, not threads: papermill's ``cwd=`` is a process-wide chdir and kernels leak a little
memory, so workers are spawned fresh and recycled every few reports. A report exceeding its
time limit is killed with its worker (its kernel exits when its parent dies); the batch then
restarts the pool and resumes the reports that were running alongside, so a hung notebook
costs only time, never the batch.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from queue import Empty
from typing import Any

from tqdm import tqdm

from cpts_analysis.report import manifest
from cpts_analysis.report.execute import (
    CellError,
    ReportResult,
    existing_outputs,
    publish_failure,
    run_report,
)
from cpts_analysis.report.index import write_index
from cpts_analysis.report.location import report_dir
from cpts_analysis.report.params import ReportInputError, check_parameters

MAX_TASKS_PER_CHILD = 20
KILL_GRACE_S = 15.0
"""Extra time before killing a report, so papermill's own per-cell timeout names the cell."""
POLL_S = 0.5


@dataclass(frozen=True)
class Job:
    """One report to make. ``inputs`` are files it reads (e.g. the registry): their content is
    part of the hash that decides whether a rerun can skip it."""

    notebook: str | Path
    parameters: dict[str, Any]
    slug: str
    label: str = ""
    inputs: tuple[Path, ...] = ()
    pdf: bool = False  # also print report.pdf

    @property
    def key(self) -> str:
        return manifest.report_key(self.notebook, self.slug)


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
) -> BatchResult:
    """Make every report of ``jobs`` under ``out_dir``; one failing report never stops the others.

    Reports unchanged since their last success are skipped; ``only_failed`` reruns only those
    whose last run failed. ``timeout`` (seconds) bounds each report: papermill stops a cell
    running that long, and a report still running ``KILL_GRACE_S`` later is killed. Bad
    parameters, folder names or duplicate reports raise :class:`ReportInputError` first.
    """
    out_dir = out_dir.resolve()
    jobs = [_checked(job, out_dir) for job in jobs]
    duplicates = sorted(key for key, n in Counter(job.key for job in jobs).items() if n > 1)
    if duplicates:
        raise ReportInputError(f"rapports demandés plusieurs fois : {', '.join(duplicates)}")
    reports = manifest.load(out_dir)
    hashes = {
        job.key: manifest.input_hash(job.notebook, job.parameters, job.label, job.inputs)
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
        _run_in_workers(to_run, out_dir, workers, timeout, done)
    finally:
        progress.close()
        index = write_index(out_dir, reports)
    return BatchResult(results=results, skipped=skipped, manifest=manifest_path, index=index)


def _checked(job: Job, out_dir: Path) -> Job:
    notebook = Path(job.notebook).resolve()
    check_parameters(notebook, job.parameters)
    report_dir(out_dir, notebook, job.slug)
    return replace(job, notebook=notebook, inputs=tuple(job.inputs))


def _run_in_workers(
    jobs: list[Job],
    out_dir: Path,
    workers: int,
    timeout: float,
    done: Callable[[Job, ReportResult], None],
) -> None:
    """Run ``jobs`` in a process pool, rebuilt after a report had to be killed."""
    pending = dict(enumerate(jobs))
    context = get_context("spawn")
    while pending:
        started = context.Queue()
        with ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(pending))),
            mp_context=context,
            initializer=_init_worker,
            initargs=(started,),
            max_tasks_per_child=MAX_TASKS_PER_CHILD,
        ) as pool:
            futures = {
                pool.submit(_work, index, job, out_dir, timeout): index
                for index, job in pending.items()
            }
            try:
                _collect(futures, started, pending, out_dir, timeout, done)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        started.close()


def _collect(
    futures: dict[Future[ReportResult], int],
    started: Any,
    pending: dict[int, Job],
    out_dir: Path,
    timeout: float,
    done: Callable[[Job, ReportResult], None],
) -> None:
    """Hand out results as they come, and kill reports running past ``timeout``.

    Returns when every future is settled; jobs left in ``pending`` were cut short by a broken
    pool and are run again by the caller.
    """
    running: dict[int, tuple[int, float]] = {}  # job → (worker pid, start)
    killed = False

    def finish(index: int, result: ReportResult) -> None:
        running.pop(index, None)
        done(pending.pop(index), result)

    while futures:
        finished, _ = wait(futures, timeout=POLL_S, return_when=FIRST_COMPLETED)
        _note_starts(started, running, pending)
        for future in finished:
            index = futures.pop(future)
            if index not in pending:  # killed for its time limit, already recorded
                continue
            try:
                finish(index, future.result())
            except BrokenProcessPool:
                pass  # a worker was killed or died: settled below or rerun by the caller
            except Exception as exc:  # a bug outside the notebook: the report fails, not all
                error = CellError(ename=type(exc).__name__, evalue=str(exc))
                finish(index, _failure(pending[index], out_dir, error, 0.0))
        now = time.monotonic()
        for index, (pid, start) in list(running.items()):
            if now - start > timeout + KILL_GRACE_S:
                os.kill(pid, signal.SIGKILL)
                killed = True
                error = CellError(
                    ename="TimeoutError",
                    evalue=f"durée maximale de {timeout:g} s dépassée : rapport interrompu",
                )
                finish(index, _failure(pending[index], out_dir, error, now - start))
    if not killed:
        # The pool broke on its own: the reports it was running fail rather than loop forever.
        broken = [index for index in running if index in pending] or list(pending)
        for index in broken:
            error = CellError(ename="BrokenProcessPool", evalue="processus de travail interrompu")
            finish(index, _failure(pending[index], out_dir, error, 0.0))


def _note_starts(started: Any, running: dict[int, tuple[int, float]], pending: dict) -> None:
    while True:
        try:
            index, pid = started.get_nowait()
        except Empty:
            return
        if index in pending:
            running[index] = (pid, time.monotonic())


def _failure(job: Job, out_dir: Path, error: CellError, duration_s: float) -> ReportResult:
    """Failed result for a report that could not finish in its worker."""
    folder = report_dir(out_dir, job.notebook, job.slug)
    publish_failure(folder, error)
    return ReportResult(
        notebook=job.notebook,
        slug=job.slug,
        label=job.label,
        parameters=job.parameters,
        status="failed",
        duration_s=round(duration_s, 3),
        folder=folder,
        outputs=existing_outputs(folder),
        error=error,
    )


_started_queue: Any = None


def _init_worker(started: Any) -> None:
    global _started_queue
    _started_queue = started


def _work(index: int, job: Job, out_dir: Path, timeout: float) -> ReportResult:
    """Worker side: announce the start (for the time limit), then run the report."""
    _started_queue.put((index, os.getpid()))
    return run_report(
        job.notebook,
        job.parameters,
        out_dir,
        timeout,
        slug=job.slug,
        label=job.label,
        reuse_kernel=True,
        pdf=job.pdf,
    )
