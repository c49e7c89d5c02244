"""One Chromium per process, reused: by the prints of a process, launched again after a crash,
one per batch worker, and none left once a report or a batch ends.

Real Chromium, real Dask workers. The observable is the process tree: Chromium's main process
is the child of Playwright's driver, itself the child of the Python process that prints.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from pypdf import PdfReader

from cpts_analysis.cli import main
from cpts_analysis.runner import pdf
from cpts_analysis.runner.batch import run_batch
from cpts_analysis.runner.job import Job

LEAK = Path(__file__).parent / "fixtures" / "notebooks" / "leak.ipynb"
POLL_S = 0.1

pytestmark = pytest.mark.skipif(pdf.chromium_path() is None, reason="Chromium not installed")


def browsers() -> dict[int, int]:
    """Chromium main processes under this one → the Python process that launched each.

    A main process is a Chromium whose parent, Playwright's driver, is under this one too: a
    helper Chromium forks twice and is adopted by the system's first process meanwhile."""
    found = {}
    under = psutil.Process().children(recursive=True)
    pids = {process.pid for process in under}
    for process in under:
        with contextlib.suppress(psutil.Error):
            driver = process.parent()
            launched = driver is not None and driver.pid in pids and not _chromium(driver)
            if _chromium(process) and launched:
                found[process.pid] = driver.ppid()
    return found


def _chromium(process: psutil.Process) -> bool:
    return "chrom" in process.name()


def alive(pids: set[int], grace_s: float = 15.0) -> set[int]:
    """The browsers of ``pids`` still running after ``grace_s``: a process killed with its
    worker, or told to close, takes a moment to exit."""
    deadline = time.monotonic() + grace_s
    while True:
        left = set()
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    left.add(pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(POLL_S)


@dataclass
class Sightings:
    owners: dict[int, int] = field(default_factory=dict)  # browser → who launched it
    before_page: int = 0  # polls that saw a browser while no report page existed yet


@contextlib.contextmanager
def watching(pages: Path | None = None) -> Iterator[Sightings]:
    """Every browser seen under this process while the block runs; ``pages``: the folder
    whose report pages tell whether a browser was up before the first of them."""
    seen = Sightings()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            found = browsers()
            seen.owners.update(found)
            if found and pages is not None and not any(pages.rglob("report.html")):
                seen.before_page += 1
            stop.wait(POLL_S)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        yield seen
    finally:
        stop.set()
        poller.join()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Path]:
    html = tmp_path / "page.html"
    html.write_text("<!doctype html><title>Essai</title><h1>Rapport d'essai</h1>", "utf-8")
    pdf.close()  # this process starts without a printer, whatever ran before
    yield html
    pdf.close()


def test_one_browser_reused_and_launched_again_after_a_crash(page, tmp_path):
    pdf.write_pdf(page, tmp_path / "a.pdf")
    (first,) = [pid for pid, owner in browsers().items() if owner == os.getpid()]
    pdf.write_pdf(page, tmp_path / "b.pdf")
    assert pdf.launches() == 1 and first in browsers()  # the same browser printed both

    psutil.Process(first).kill()
    psutil.Process(first).wait(timeout=30)
    pdf.write_pdf(page, tmp_path / "c.pdf")
    assert pdf.launches() == 2
    (second,) = [pid for pid, owner in browsers().items() if owner == os.getpid()]
    assert second != first
    for name in ("a", "b", "c"):
        assert "Rapport d'essai" in PdfReader(tmp_path / f"{name}.pdf").pages[0].extract_text()

    pdf.close()
    assert pdf.launches() == 0 and not alive({first, second})


def test_batch_prints_with_one_browser_per_worker_and_leaves_none(page, tmp_path):
    jobs = [
        Job(LEAK, {"territoire": code}, code.lower(), code, pdf=True)
        for code in ("01", "07", "26", "38", "42")
    ]
    with watching() as seen, contextlib.redirect_stderr(io.StringIO()):
        result = run_batch(jobs, tmp_path / "lot", workers=2, timeout=120)
    assert not result.any_failed, [r.error for r in result.failed]
    for job in jobs:
        printed = tmp_path / "lot" / job.key / "report.pdf"
        assert printed.read_bytes().startswith(b"%PDF")
    owners = list(seen.owners.values())
    assert os.getpid() not in owners  # the batch's own process printed nothing
    # two workers, one browser each (browser → worker)
    assert len(owners) == 2 and len(set(owners)) == 2, seen.owners
    assert not alive(set(seen.owners)), alive(set(seen.owners))
    assert not browsers()


def test_cli_report_prints_with_one_browser_and_leaves_none(page, tmp_path):
    out = tmp_path / "rapports"
    with watching(out) as seen:
        code = main(["report", "--territory", "42", "--out", str(out), "--pdf"])
    assert code == 0
    assert seen.before_page > 0  # launched while the kernel ran the cells, before the page
    printed = next(out.rglob("report.pdf"))
    assert PdfReader(printed).pages
    assert list(seen.owners.values()) == [os.getpid()]  # launched once, by this process
    assert pdf.launches() == 0 and not alive(set(seen.owners)) and not browsers()
