"""Run one report template with papermill, in this process, into its own folder.

Everything is written into a staging folder of this run's own, which replaces the report folder
only once complete (:mod:`~cpts_analysis.runner.publication`): a reader never sees a half-made
report, and a failed or interrupted run leaves the previous report in place, with
``echec.txt`` (and ``echec.ipynb``, the executed notebook, when execution got that far) beside
it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError

from cpts_analysis.report.sidecars import HEADLINE_FILE, read_headline
from cpts_analysis.runner import kernels
from cpts_analysis.runner.export import build_header, warm_up, write_html
from cpts_analysis.runner.kernels import KERNEL_ARGUMENTS, KERNEL_NAME
from cpts_analysis.runner.location import default_slug, report_dir, report_key
from cpts_analysis.runner.params import OUTPUT_DIR, check_parameters
from cpts_analysis.runner.pdf import REPORT_PDF, write_pdf
from cpts_analysis.runner.publication import (
    FAILURE_FILES,
    REPORT_FILES,
    REPORT_HTML,
    REPORT_NOTEBOOK,
    discard_staging,
    failure_text,
    files_present,
    is_disk_full,
    new_staging,
    publish,
    read_published,
    record_failure,
    versions,
)

log = logging.getLogger(__name__)

KERNEL_START_TIMEOUT_S = 60
Outcome = Literal["ok", "failed", "interrupted"]
# Why a run stopped without being the report's fault: recorded « interrompu », not « échec ».
INTERRUPTIONS = {"KeyboardInterrupt", "DisquePlein", "Interruption"}


@dataclass(frozen=True)
class CellError:
    """Why a report failed. ``cell`` indexes the template's cells from 0, as nbformat does;
    None when the failure happened outside any cell (kernel start, timeout, export)."""

    ename: str
    evalue: str
    cell: int | None = None
    source: str = ""  # first line of the failing cell

    def __str__(self) -> str:
        where = f"cellule {self.cell} (« {self.source} ») : " if self.cell is not None else ""
        return f"{where}{self.ename} : {self.evalue}"


@dataclass(frozen=True)
class ReportResult:
    """One run. ``published`` is the publication record of the report now in ``folder`` (this
    run's after a success, the previous one's after a failure, None if there is none);
    ``outputs`` are the files there: the published report's, then the failure's."""

    notebook: Path
    slug: str
    label: str
    parameters: dict[str, Any]
    status: Outcome
    duration_s: float
    folder: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    error: CellError | None = None
    published: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _Failed(Exception):
    """A run that papermill counted as a success but that is not one."""

    def __init__(self, error: CellError):
        super().__init__(str(error))
        self.error = error


@dataclass
class _CellTracker:
    """nbclient hook remembering the cell being executed, to locate timeouts and dead kernels."""

    current: tuple[int, str] | None = None

    def __call__(self, cell: nbformat.NotebookNode, cell_index: int, **_: Any) -> None:
        self.current = (cell_index, _first_line(cell.source))


def run_report(
    notebook: str | Path,
    parameters: dict[str, Any],
    out_dir: Path,
    timeout: float | None,
    kernel_name: str = KERNEL_NAME,
    *,
    slug: str | None = None,
    label: str = "",
    reuse_kernel: bool = False,
    pdf: bool = False,
    kill_after: float | None = None,
    input_hash: str = "",
) -> ReportResult:
    """Execute ``notebook`` into ``out_dir/<stem>/<slug>/`` and export its HTML page.

    ``timeout`` bounds each cell (None: no limit). ``reuse_kernel`` runs in a warm kernel of
    this process (see :mod:`~cpts_analysis.runner.kernels`), given back only after a success;
    ``kill_after`` (seconds, warm kernels only) then bounds the whole run: the kernel is killed
    and the report fails with ``TimeoutError``. ``pdf`` also prints ``report.pdf``
    (:mod:`~cpts_analysis.runner.pdf`), published with the rest or not at all. ``input_hash``
    (see :func:`~cpts_analysis.runner.manifest.input_hash`) is recorded with the published
    report. Bad parameters or folder names raise
    :class:`~cpts_analysis.runner.params.ReportInputError` before any kernel starts; a failing
    notebook returns a ``failed`` result naming the cell and the exception, a full disk an
    ``interrupted`` one; the previous report stays in place in both cases.
    """
    notebook = Path(notebook).resolve()
    check_parameters(notebook, parameters)
    slug = default_slug(parameters) if slug is None else slug
    folder = report_dir(out_dir, notebook, slug)
    started = time.perf_counter()
    tracker = _CellTracker()
    kernel = _Borrowed(kernel_name, kill_after, started)
    status: Outcome = "failed"
    error: CellError | None = None
    staging: Path | None = None
    try:
        staging = new_staging(folder)
        warm_up()  # while the kernel computes
        nb = _execute(
            notebook,
            {**parameters, OUTPUT_DIR: str(staging)},
            staging,
            timeout,
            tracker,
            kernel,
            reuse_kernel,
        )
        tracker.current = None  # what fails from here on is not a cell
        _check_completed(nb, staging, notebook)
        header = build_header(notebook.stem, label, parameters, read_headline(staging)["meta"])
        write_html(nb, header, staging / REPORT_HTML)
        if pdf:
            write_pdf(staging / REPORT_HTML, staging / REPORT_PDF)
        record = {
            "input_hash": input_hash,
            "parameters": parameters,
            "label": label,
            "notebook": notebook.name,
            "published_at": dt.datetime.now().isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - started, 3),
            "versions": versions(),
        }
        publish(staging, folder, record)
        status = "ok"
    except Exception as exc:  # any failure is reported per report, never half-published
        error = _describe(exc, notebook, tracker, timeout)
        if kernels.stopped(kernel.manager):  # its process is closing: the batch was stopped
            error = CellError("Interruption", "processus de travail arrêté pendant ce rapport")
        status = "interrupted" if error.ename in INTERRUPTIONS else "failed"
        write_failure(folder, staging, label, report_key(notebook, slug), error, status)
    finally:
        kernel.give_back(ok=status == "ok")
        if staging is not None:
            discard_staging(staging)
    return finished(notebook, slug, label, parameters, status, started, folder, error)


def finished(
    notebook: Path,
    slug: str,
    label: str,
    parameters: dict[str, Any],
    status: Outcome,
    started: float | None,
    folder: Path,
    error: CellError | None,
) -> ReportResult:
    """The result of a run, from what its folder holds now (``started``: None if unknown)."""
    published = read_published(folder)
    outputs = files_present(folder, REPORT_FILES) if published else {}
    return ReportResult(
        notebook=notebook,
        slug=slug,
        label=label,
        parameters=parameters,
        status=status,
        duration_s=0.0 if started is None else round(time.perf_counter() - started, 3),
        folder=folder,
        outputs=outputs | files_present(folder, FAILURE_FILES),
        error=error,
        published=published,
    )


def write_failure(
    folder: Path,
    staging: Path | None,
    label: str,
    key: str,
    error: CellError,
    status: Outcome,
) -> None:
    """``echec.txt`` beside the previous report; a full disk may refuse even that (logged)."""
    text = failure_text(label or key, key, str(error), status, read_published(folder))
    try:
        record_failure(folder, staging, text)
    except OSError as exc:
        log.warning("%s : échec non écrit dans %s (%s)", key, folder, exc.strerror or exc)


@dataclass
class _Borrowed:
    """The warm kernel a run borrows from :mod:`kernels`, and the run's time limit.

    ``kill_after`` counts seconds from ``started`` (``time.perf_counter``); None: no limit.
    """

    kernel_name: str
    kill_after: float | None
    started: float
    manager: AsyncKernelManager | None = None

    def take(self) -> AsyncKernelManager:
        if self.manager is None:
            self.manager = kernels.acquire(
                self.kernel_name, KERNEL_ARGUMENTS, KERNEL_START_TIMEOUT_S
            )
        return self.manager

    def give_back(self, ok: bool) -> None:
        """Back to the pool after a success; any failure discards the kernel."""
        if self.manager is not None:
            (kernels.release if ok else kernels.discard)(self.manager)
            self.manager = None

    def limit(self) -> AbstractContextManager[threading.Event | None]:
        if self.kill_after is None or self.manager is None:
            return nullcontext()
        remaining = self.started + self.kill_after - time.perf_counter()
        return kernels.time_limit(self.manager, remaining)


def _execute(
    notebook: Path,
    parameters: dict[str, Any],
    staging: Path,
    timeout: float | None,
    tracker: _CellTracker,
    kernel: _Borrowed,
    reuse_kernel: bool,
) -> nbformat.NotebookNode:
    """papermill run, retried once when the kernel failed before running any cell.

    A kernel may die before answering ``kernel_info`` under load; nothing of the notebook has
    run then, so a retry is safe.
    """

    def attempt() -> nbformat.NotebookNode:
        manager = {"km": kernel.take()} if reuse_kernel else {}
        with kernel.limit() as killed:
            try:
                return papermill.execute_notebook(
                    str(notebook),
                    str(staging / REPORT_NOTEBOOK),
                    parameters=parameters,
                    kernel_name=kernel.kernel_name,
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                    start_timeout=KERNEL_START_TIMEOUT_S,
                    execution_timeout=timeout,
                    extra_arguments=list(KERNEL_ARGUMENTS),
                    on_cell_execute=tracker,
                    kernel_manager_class=kernels.LocalKernelManager,
                    **manager,
                )
            except Exception as exc:
                if killed is not None and killed.is_set():
                    raise _Failed(_timed_out(kernel.kill_after, tracker, notebook)) from exc
                raise

    try:
        return attempt()
    except (PapermillExecutionError, _Failed):
        raise
    except Exception as exc:
        if tracker.current is not None:
            raise
        log.warning("%s : échec au démarrage du noyau (%r), nouvel essai", notebook.name, exc)
        kernel.give_back(ok=False)
    return attempt()


def _timed_out(limit: float | None, tracker: _CellTracker, notebook: Path) -> CellError:
    """The report ran past its time limit: its kernel was killed in the cell it was running."""
    evalue = f"durée maximale de {limit or 0:g} s dépassée : rapport interrompu"
    if tracker.current is None:
        return CellError(ename="TimeoutError", evalue=evalue)
    index, source = tracker.current
    return CellError("TimeoutError", evalue, _template_cell(notebook, index), source)


def _check_completed(nb: nbformat.NotebookNode, staging: Path, notebook: Path) -> None:
    """Fail a run without ``headline.json``: ``sys.exit()`` ends a papermill run "successfully"."""
    if (staging / HEADLINE_FILE).exists():
        return
    reason = f"le notebook s'est terminé sans écrire {HEADLINE_FILE} (save_sidecars attendu)"
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "SystemExit":
                raise _Failed(
                    CellError(
                        ename="SystemExit",
                        evalue=f"{output.get('evalue', '')} ; {reason}",
                        cell=_template_cell(notebook, index),
                        source=_first_line(cell.source),
                    )
                )
    raise _Failed(CellError(ename="SidecarsManquants", evalue=reason))


def _describe(
    exc: Exception, notebook: Path, tracker: _CellTracker, timeout: float | None
) -> CellError:
    """Why the run failed, in French where the message comes from the toolkit's libraries."""
    if isinstance(exc, _Failed):
        return exc.error
    if isinstance(exc, PapermillExecutionError):
        return CellError(
            ename=exc.ename,
            evalue=exc.evalue,
            cell=_template_cell(notebook, exc.cell_index),
            source=_first_line(exc.source),
        )
    ename, evalue = type(exc).__name__, _french_message(exc, timeout)
    if is_disk_full(exc):
        ename = "DisquePlein"
    if tracker.current is None:
        return CellError(ename=ename, evalue=evalue)
    index, source = tracker.current
    return CellError(ename, evalue, _template_cell(notebook, index), source)


def _french_message(exc: Exception, timeout: float | None) -> str:
    """The first line of ``exc``'s message, or its French version for the usual ones."""
    name = type(exc).__name__
    if is_disk_full(exc):
        where = f" en écrivant {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        return f"plus de place sur le disque{where}"
    if name == "CellTimeoutError":
        return f"cellule arrêtée au bout de {timeout or 0:g} s (limite fixée par --timeout)"
    if name == "DeadKernelError":
        return "le noyau s'est arrêté pendant la cellule (mémoire épuisée, processus tué ?)"
    return next(iter(str(exc).strip().splitlines()), "") or "erreur sans message"


def _template_cell(notebook: Path, executed_index: int) -> int:
    """Executed-notebook index → template index (papermill inserts a cell after ``parameters``)."""
    cells = nbformat.read(notebook, as_version=4).cells
    injected = 1 + next(
        i for i, cell in enumerate(cells) if "parameters" in cell.metadata.get("tags", [])
    )
    return executed_index - 1 if executed_index >= injected else executed_index


def _first_line(source: str) -> str:
    return next((line.strip() for line in source.splitlines() if line.strip()), "")
