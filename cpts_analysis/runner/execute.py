"""Run one report template with papermill, in this process, into its own folder.

Everything is written into a hidden sibling folder that replaces the report folder only once
complete, so a reader never sees a half-made report. A failed run leaves ``failed.ipynb`` (the
executed notebook, when execution got that far) and ``error.txt``, never a report page.
"""

from __future__ import annotations

import logging
import shutil
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

from cpts_analysis.report.sidecars import HEADLINE_FILE, TABLES_FILE, read_headline
from cpts_analysis.runner import kernels
from cpts_analysis.runner.export import build_header, write_html
from cpts_analysis.runner.kernels import KERNEL_ARGUMENTS, KERNEL_NAME
from cpts_analysis.runner.location import default_slug, report_dir, staging_dir
from cpts_analysis.runner.params import OUTPUT_DIR, check_parameters
from cpts_analysis.runner.pdf import REPORT_PDF, write_pdf

log = logging.getLogger(__name__)

KERNEL_START_TIMEOUT_S = 60
REPORT_HTML = "report.html"
REPORT_NOTEBOOK = "report.ipynb"
FAILED_NOTEBOOK = "failed.ipynb"
ERROR_FILE = "error.txt"
OUTPUT_FILES = {
    "html": REPORT_HTML,
    "pdf": REPORT_PDF,
    "notebook": REPORT_NOTEBOOK,
    "headline": HEADLINE_FILE,
    "tables": TABLES_FILE,
    "failed_notebook": FAILED_NOTEBOOK,
    "error": ERROR_FILE,
}


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
    notebook: Path
    slug: str
    label: str
    parameters: dict[str, Any]
    status: Literal["ok", "failed"]
    duration_s: float
    folder: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    error: CellError | None = None

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
) -> ReportResult:
    """Execute ``notebook`` into ``out_dir/<stem>/<slug>/`` and export its HTML page.

    ``timeout`` bounds each cell (None: no limit). ``reuse_kernel`` runs in a warm kernel of
    this process (see :mod:`~cpts_analysis.runner.kernels`), given back only after a success;
    ``kill_after`` (seconds, warm kernels only) then bounds the whole run: the kernel is killed
    and the report fails with ``TimeoutError``. ``pdf`` also prints ``report.pdf``
    (:mod:`~cpts_analysis.runner.pdf`), published with the rest or not at all. Bad parameters
    or folder names raise :class:`~cpts_analysis.runner.params.ReportInputError` before any
    kernel starts; a failing notebook returns a ``failed`` result naming the cell and the
    exception.
    """
    notebook = Path(notebook).resolve()
    check_parameters(notebook, parameters)
    slug = default_slug(parameters) if slug is None else slug
    folder = report_dir(out_dir, notebook, slug)
    staging = staging_dir(folder)
    _remove(staging)
    staging.mkdir(parents=True)
    started = time.perf_counter()
    tracker = _CellTracker()
    kernel = _Borrowed(kernel_name, kill_after, started)
    status: Literal["ok", "failed"] = "failed"
    try:
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
    except Exception as exc:  # any failure is reported per report, never half-published
        failure = _describe(exc, notebook, tracker)
        publish_failure(folder, failure)
        error: CellError | None = failure
    else:
        error = None
        _replace_dir(staging, folder)
        status = "ok"
    finally:
        kernel.give_back(ok=status == "ok")
    return ReportResult(
        notebook=notebook,
        slug=slug,
        label=label,
        parameters=parameters,
        status=status,
        duration_s=round(time.perf_counter() - started, 3),
        folder=folder,
        outputs=existing_outputs(folder),
        error=error,
    )


def existing_outputs(folder: Path) -> dict[str, Path]:
    """Output kind (``html``, ``headline``, ``failed_notebook``…) → file, for files present."""
    return {kind: folder / name for kind, name in OUTPUT_FILES.items() if (folder / name).exists()}


def publish_failure(folder: Path, error: CellError) -> None:
    """Replace ``folder`` by the staging folder reduced to ``failed.ipynb`` and ``error.txt``.

    Also used by the batch runner for a report whose worker was lost (its run never returned).
    """
    staging = staging_dir(folder)
    staging.mkdir(parents=True, exist_ok=True)
    for child in staging.iterdir():
        if child.name == REPORT_NOTEBOOK:
            child.rename(staging / FAILED_NOTEBOOK)
        elif child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    (staging / ERROR_FILE).write_text(f"{error}\n", encoding="utf-8")
    _replace_dir(staging, folder)


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

    Kernel starts race for ports ("Address already in use") or die before answering
    ``kernel_info`` under load; nothing of the notebook has run then, so a retry is safe.
    """

    def attempt() -> nbformat.NotebookNode:
        warm = {"km": kernel.take()} if reuse_kernel else {}
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
                    **warm,
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


def _describe(exc: Exception, notebook: Path, tracker: _CellTracker) -> CellError:
    if isinstance(exc, _Failed):
        return exc.error
    if isinstance(exc, PapermillExecutionError):
        return CellError(
            ename=exc.ename,
            evalue=exc.evalue,
            cell=_template_cell(notebook, exc.cell_index),
            source=_first_line(exc.source),
        )
    evalue = next(iter(str(exc).strip().splitlines()), "")
    if tracker.current is None:
        return CellError(ename=type(exc).__name__, evalue=evalue)
    index, source = tracker.current
    return CellError(
        ename=type(exc).__name__,
        evalue=evalue,
        cell=_template_cell(notebook, index),
        source=source,
    )


def _template_cell(notebook: Path, executed_index: int) -> int:
    """Executed-notebook index → template index (papermill inserts a cell after ``parameters``)."""
    cells = nbformat.read(notebook, as_version=4).cells
    injected = 1 + next(
        i for i, cell in enumerate(cells) if "parameters" in cell.metadata.get("tags", [])
    )
    return executed_index - 1 if executed_index >= injected else executed_index


def _first_line(source: str) -> str:
    return next((line.strip() for line in source.splitlines() if line.strip()), "")


def _replace_dir(staging: Path, folder: Path) -> None:
    """Swap ``staging`` in as ``folder`` (two renames: readers see the old or the new folder)."""
    old = folder.with_name(f".{folder.name}.old")
    _remove(old)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    _remove(old)


def _remove(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
