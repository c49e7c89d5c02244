"""Work forked off a report kernel: figures drawn and the workbook written on another core.

Real forks of this process, real IPython display messages, and a real comparison report in a
warm kernel (drawing apart) against a cold one (drawing in place).
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from matplotlib.artist import Artist

from cpts_analysis.core.paths import NOTEBOOKS_DIR
from cpts_analysis.core.vocabulary import FIGURE_PENDING, SHEETS
from cpts_analysis.report import background, figure_output
from cpts_analysis.report.background import BackgroundError, Forked
from cpts_analysis.report.plots import new_figure
from cpts_analysis.report.sidecars import HEADLINE_FILE, TABLES_FILE, start_sidecars

pytestmark = pytest.mark.skipif(not background.CAN_FORK, reason="no os.fork here")


class _Spy(Artist):
    """Drawn with its figure: writes the drawing process's id, or fails."""

    def __init__(self, record: Path | None = None, fails: bool = False) -> None:
        super().__init__()
        self.record, self.fails = record, fails

    def draw(self, renderer) -> None:
        if self.fails:
            raise ValueError("trait impossible")
        if self.record is not None:
            self.record.write_text(str(os.getpid()))


def _figure(title: str, spy: _Spy | None = None):
    figure, axes = new_figure(4, 3)
    axes.plot([1, 2, 3], [3, 1, 2])
    axes.set_title(title)
    if spy is not None:
        figure.add_artist(spy)
    return figure


@pytest.fixture
def idle_cores():
    InteractiveShell.instance()  # display() publishes through a shell, as in a kernel
    background.use_idle_cores()
    yield
    figure_output.forget()
    background._enabled = False


def test_figures_drawn_apart_replace_their_placeholders_in_order(idle_cores, tmp_path):
    record = tmp_path / "pid"
    figures = [_figure("Première", _Spy(record)), _figure("Seconde")]
    expected = [base64.b64encode(figure_output.png(f)).decode() for f in figures]
    record.unlink()
    with capture_output() as captured:
        for figure in figures:
            figure_output.show(figure)
        figure_output.all_drawn()
    shown = [(o.metadata, o.data, o.transient, o.update) for o in captured.outputs]
    placeholders = [entry for entry in shown if not entry[3]]
    updates = [entry for entry in shown if entry[3]]
    assert [p[1] for p in placeholders] == [{"text/plain": FIGURE_PENDING}] * 2
    ids = [p[2]["display_id"] for p in placeholders]
    assert [u[2]["display_id"] for u in updates] == ids and len(set(ids)) == 2
    assert [u[1]["image/png"] for u in updates] == expected  # the same bytes as in place
    assert [u[0] for u in updates] == [
        {"image/png": {"alt": "Première"}},
        {"image/png": {"alt": "Seconde"}},
    ]
    assert int(record.read_text()) != os.getpid()  # drawn by a child, not by this process


def test_a_figure_that_cannot_be_drawn_fails_in_french(idle_cores):
    with capture_output():
        figure_output.show(_figure("Carte cassée", _Spy(fails=True)))
        with pytest.raises(BackgroundError) as failed:
            figure_output.all_drawn()
    assert str(failed.value) == (
        "Le dessin de la figure « Carte cassée » a échoué : ValueError : trait impossible"
    )


def test_a_figure_outside_a_report_is_drawn_in_place(tmp_path):
    InteractiveShell.instance()
    record = tmp_path / "pid"
    with capture_output() as captured:
        figure_output.show(_figure("Ici", _Spy(record)))
    [output] = captured.outputs
    assert "image/png" in output.data and not output.update
    assert int(record.read_text()) == os.getpid()


def test_a_child_killed_is_reported(idle_cores):
    job = Forked("Le calcul", lambda: os.kill(os.getpid(), signal.SIGKILL) or b"")
    with pytest.raises(BackgroundError, match=r"^Le calcul a échoué : .*SIGKILL$"):
        job.wait()


def test_a_child_dies_with_its_kernel(tmp_path):
    """A kernel killed outright (out of memory) leaves no child drawing or writing behind."""
    code = "\n".join(
        [
            "import os, signal, time",
            "from cpts_analysis.report import background",
            "background.use_idle_cores()",
            "job = background.Forked('Le calcul', lambda: time.sleep(60))",
            f"open({str(tmp_path / 'pid')!r}, 'w').write(str(job._pid))",
            "os.kill(os.getpid(), signal.SIGKILL)",
        ]
    )
    run = subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL)
    assert run.returncode == -signal.SIGKILL
    child = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("illisible")


def _sidecars(folder: Path, table: pd.DataFrame):
    return start_sidecars(str(folder), {"n": 1}, {"cpts": table}, {}, background=True)


def test_workbook_written_in_background_is_the_workbook_written_in_place(idle_cores, tmp_path):
    table = pd.DataFrame({"nom": ["A", "=B"], "population": [12_000, 45_500]})
    _sidecars(tmp_path / "apart", table).finish()
    start_sidecars(str(tmp_path / "here"), {"n": 1}, {"cpts": table}, {}).finish()
    for name in ("apart", "here"):
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == [HEADLINE_FILE, TABLES_FILE]
    read = [
        pd.read_excel(tmp_path / name / TABLES_FILE, sheet_name=None) for name in ("apart", "here")
    ]
    assert list(read[0]) == list(read[1]) == [SHEETS["about"], "cpts"]  # « À propos » dates them
    pd.testing.assert_frame_equal(read[0]["cpts"], read[1]["cpts"])


def test_a_workbook_that_fails_in_background_leaves_no_file(idle_cores, tmp_path):
    sidecars = _sidecars(tmp_path, pd.DataFrame({"objet": [_Unprintable()]}))
    failure = r"^L'écriture de tables\.xlsx a échoué : .*illisible"
    with pytest.raises(BackgroundError, match=failure):
        sidecars.finish()
    assert list(tmp_path.iterdir()) == []  # neither headline.json nor a temporary workbook


@pytest.mark.slow
def test_a_report_drawn_apart_is_the_report_drawn_in_place(tmp_path):
    """A warm kernel (preloaded: figures drawn apart, workbook in the background) and a cold
    one (papermill's own kernel: everything in place) give the same notebook outputs."""
    from cpts_analysis.runner import kernels
    from cpts_analysis.runner.execute import run_report

    template = NOTEBOOKS_DIR / "comparaison_territoriale.ipynb"
    parameters = {"territoire": "42", "date_reference": "2025-06-01"}
    try:
        kernels.prestart(idle_cores=True)
        warm = run_report(template, parameters, tmp_path / "warm", 120, reuse_kernel=True)
        [manager] = kernels._idle["python3"]  # given back: it did draw apart
        kernels._run(manager, "from cpts_analysis.report import background, figure_output", 30)
        kernels._run(manager, "assert background.enabled() and not figure_output._drawing", 30)
    finally:
        kernels.shutdown_all()
    cold = run_report(template, parameters, tmp_path / "cold", 120)
    assert warm.ok and cold.ok, (warm.error, cold.error)
    outputs = []
    for result in (warm, cold):
        notebook = nbformat.read(result.outputs["notebook"], as_version=4)
        cells = [c for c in notebook.cells if c.cell_type == "code"]
        outputs.append([c.outputs for c in cells if "parameters" not in str(c.metadata)])
    assert outputs[0] == outputs[1]
    images = [o for cell in outputs[0] for o in cell if "image/png" in o.get("data", {})]
    assert len(images) >= 10
    assert FIGURE_PENDING not in warm.outputs["html"].read_text(encoding="utf-8")
