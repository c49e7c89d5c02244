"""``report.pdf``: the report page printed by headless Chromium through Playwright.

Administrations circulate reports as PDF attachments. Printing the HTML page itself keeps one
layout to maintain: the template's print stylesheet starts each section on a new page and
repeats table headers; Chromium numbers the pages and turns the headings into PDF bookmarks.

One browser per process, launched once and reused: starting Chromium costs more than printing a
report. Playwright's sync objects belong to the thread that made them, and a batch worker may
run several reports at once, one per thread (an existing cluster's workers); the launch ahead
must also go on while the thread of the report waits on Papermill. So one daemon thread of the
process owns Playwright and the browser and does the jobs the other threads put in its queue,
one at a time, while they wait on a future. Rather than a browser per thread: one Chromium per
process is the memory a batch can afford, and printing is a small part of a report.
:func:`start` launches it ahead (while the kernel runs the cells), a browser that
crashed or was disconnected is launched again at the next job, and :func:`close` stops both
(the CLI at the end of its run, a batch worker at its teardown, any process at exit).

Optional: Playwright comes with the ``pdf`` extra (``pip install 'cpts-analysis[pdf]'``) and
drives Debian's ``chromium`` when installed, else the browser of ``playwright install
chromium``. Without either, :class:`PdfUnavailable` says so in French.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import os
import queue
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from pathlib import Path
from types import ModuleType
from typing import Any

from cpts_analysis.core.files import atomic_path
from cpts_analysis.runner.errors import PdfUnavailable

REPORT_PDF = "report.pdf"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MARGINS = {"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"}
FOOTER = (
    '<div style="width:100%;font-size:8pt;text-align:center;color:#555">'
    'page <span class="pageNumber"></span> sur <span class="totalPages"></span></div>'
)
SCALE = 0.8  # the page is laid out for a screen: at 80 %, its 14 px text prints at ~8.5 pt
# A4 width less side margins, in CSS pixels (96 per inch) at SCALE: the width tables get.
PRINT_WIDTH_PX = round((210 - 2 * 12) / 25.4 * 96 / SCALE)
# A table wider than the page would be cut: shrink it to fit (most already do, see template).
FIT_TABLES = """() => {
  for (const table of document.querySelectorAll("table")) {
    const room = table.parentElement.clientWidth;
    if (table.scrollWidth > room) table.style.zoom = room / table.scrollWidth;
  }
}"""
LOAD_TIMEOUT_MS = 120_000
CLOSE_TIMEOUT_S = 30.0
NO_PLAYWRIGHT = (
    "export PDF impossible : Playwright n'est pas installé (pip install 'cpts-analysis[pdf]')"
)
INSTALL_HINT = (
    "installez le paquet Debian chromium (apt-get install chromium) "
    "ou le navigateur de Playwright (playwright install chromium)"
)


def write_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` (a self-contained report page) to ``pdf`` in A4, atomically."""
    _printer().run(lambda printer: printer.print(html, pdf)).result()


def start() -> None:
    """Launch this process's browser in the background; a failure shows at the next print."""
    _printer().run(Printer.ready)


def check_available() -> None:
    """Launch this process's browser (kept for its prints): a missing one fails first."""
    _printer().run(Printer.ready).result()


def check_installed() -> None:
    """What tells, without waiting for a launch, that printing will work: Playwright and the
    system's Chromium installed. Playwright's own browser is found only by launching it:
    without a system Chromium, this waits for the launch (:func:`check_available`)."""
    if importlib.util.find_spec("playwright") is None:
        raise PdfUnavailable(NO_PLAYWRIGHT)
    executable = chromium_path()
    if executable is None:
        check_available()
    elif not os.access(executable, os.X_OK):
        raise _absent(f"{executable} introuvable")


def close() -> None:
    """Stop this process's browser and its thread (the next job starts new ones)."""
    global _current
    with _lock:
        printer, _current = _current, None
    if printer is not None and printer.pid == os.getpid():
        printer.close()


def launches() -> int:
    """Browsers launched by this process's printer so far (1 unless one crashed)."""
    with _lock:
        printer = _current
    return printer.launches if printer is not None and printer.pid == os.getpid() else 0


def chromium_path() -> str | None:
    """The system's Chromium; None lets Playwright use its own browser."""
    return next(filter(None, map(shutil.which, BROWSERS)), None)


class Printer:
    """A thread owning Playwright and one headless Chromium, doing the jobs of its queue."""

    def __init__(self) -> None:
        self.pid = os.getpid()  # a forked child has not this thread: it makes its own printer
        self.launches = 0
        self._jobs: queue.SimpleQueue[tuple[Callable[[Printer], None], Future[None]] | None]
        self._jobs = queue.SimpleQueue()
        self._playwright: Any = None
        self._browser: Any = None
        self._thread = threading.Thread(target=self._serve, name="cpts-analysis-pdf", daemon=True)
        self._thread.start()

    def run(self, job: Callable[[Printer], None]) -> Future[None]:
        """Do ``job`` on the printing thread; the future holds its outcome."""
        future: Future[None] = Future()
        self._jobs.put((job, future))
        return future

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(CLOSE_TIMEOUT_S)

    def ready(self) -> None:
        """Printing thread: a connected browser, launched again if it crashed."""
        if self._browser is not None and self._browser.is_connected():
            return
        self._stop()
        self._playwright = _playwright().sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
        except _playwright().Error as exc:
            self._stop()
            raise _absent(next(iter(str(exc).strip().splitlines()), "")) from None
        self.launches += 1

    def print(self, html: Path, pdf: Path) -> None:
        """Printing thread: print in the browser; once more in a new one if it died meanwhile."""
        self.ready()
        try:
            _print_page(self._browser, html, pdf)
        except _playwright().Error:
            if self._browser.is_connected():
                raise
            self.ready()
            _print_page(self._browser, html, pdf)

    def _serve(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, future = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job(self))
                except BaseException as exc:  # handed to the waiting thread, raised there
                    future.set_exception(exc)
        self._stop()

    def _stop(self) -> None:
        """Close the browser and Playwright's driver, dead or alive."""
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        with suppress(Exception):
            if browser is not None:
                browser.close()
        with suppress(Exception):
            if playwright is not None:
                playwright.stop()


def _print_page(browser: Any, html: Path, pdf: Path) -> None:
    """One page of its own (a fresh browser context), closed after printing."""
    page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
    try:
        page.goto(html.resolve().as_uri(), wait_until="load", timeout=LOAD_TIMEOUT_MS)
        page.emulate_media(media="print")
        page.evaluate(FIT_TABLES)
        with atomic_path(pdf) as temporary:
            page.pdf(
                path=temporary,
                format="A4",
                scale=SCALE,
                margin=MARGINS,
                print_background=True,
                display_header_footer=True,
                header_template="<div></div>",
                footer_template=FOOTER,
                outline=True,
                tagged=True,
            )
    finally:
        with suppress(Exception):  # a crashed browser took the page with it
            page.close()


def _playwright() -> ModuleType:
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError:
        raise PdfUnavailable(NO_PLAYWRIGHT) from None


def _absent(reason: str) -> PdfUnavailable:
    return PdfUnavailable(
        f"export PDF impossible : Chromium est absent ou ne démarre pas ({reason}) ; {INSTALL_HINT}"
    )


_current: Printer | None = None
_lock = threading.Lock()


def _printer() -> Printer:
    """This process's printer, started on first use (again in a forked child)."""
    global _current
    with _lock:
        if _current is None or _current.pid != os.getpid():
            _current = Printer()
        return _current


atexit.register(close)
