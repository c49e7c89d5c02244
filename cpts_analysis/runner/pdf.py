"""``report.pdf``: the report page printed by headless Chromium through Playwright.

Administrations circulate reports as PDF attachments. Printing the HTML page itself keeps one
layout to maintain: the template's print stylesheet starts each section on a new page and
repeats table headers; Chromium numbers the pages and turns the headings into PDF bookmarks.

Optional: Playwright comes with the ``pdf`` extra (``pip install 'cpts-analysis[pdf]'``) and
drives Debian's ``chromium`` when installed, else the browser of ``playwright install
chromium``. Without either, :class:`PdfUnavailable` says so in French.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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
INSTALL_HINT = (
    "installez le paquet Debian chromium (apt-get install chromium) "
    "ou le navigateur de Playwright (playwright install chromium)"
)


def write_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` (a self-contained report page) to ``pdf`` in A4, atomically."""
    with _browser() as browser:
        page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
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


def check_available() -> None:
    """Start and close the browser: a missing one fails before any report runs."""
    with _browser():
        pass


def chromium_path() -> str | None:
    """The system's Chromium; None lets Playwright use its own browser."""
    return next(filter(None, map(shutil.which, BROWSERS)), None)


@contextmanager
def _browser() -> Iterator[Any]:
    """A headless Chromium driven by Playwright, both stopped on exit."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise PdfUnavailable(
            "export PDF impossible : Playwright n'est pas installé "
            "(pip install 'cpts-analysis[pdf]')"
        ) from None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
        except Error as exc:
            reason = next(iter(str(exc).strip().splitlines()), "")
            raise PdfUnavailable(
                f"export PDF impossible : Chromium est absent ou ne démarre pas ({reason}) ; "
                f"{INSTALL_HINT}"
            ) from None
        try:
            yield browser
        finally:
            browser.close()
