"""The report runner on small real notebooks (tests/fixtures/notebooks): parameters, folders,
failures, offline HTML, manifest, skip and rerun, CLI exit codes.

Kernel runs are expensive (1–3 s each), so each scenario runs once in a module-scoped fixture
and several tests read its outputs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import papermill
import psutil
import pytest
from jupyter_core.utils import run_sync

from cpts_analysis import cli
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.report.inputs import TEMPLATES, NotebookInputs
from cpts_analysis.report.sidecars import save_sidecars
from cpts_analysis.report.workbook import sheet_names
from cpts_analysis.runner import batch, jobs, manifest
from cpts_analysis.runner.batch import run_batch
from cpts_analysis.runner.display import display_value
from cpts_analysis.runner.errors import ReportInputError
from cpts_analysis.runner.execute import run_report
from cpts_analysis.runner.export import build_header
from cpts_analysis.runner.index import render_index
from cpts_analysis.runner.job import Job
from cpts_analysis.runner.location import make_slug, report_dir
from cpts_analysis.runner.params import check_parameters

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
OK, FAILS, EXITS, HANGS = (FIXTURES / f"{n}.ipynb" for n in ("ok", "fails", "exits", "hangs"))
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
URL = re.compile(r"https?://[^\s\"'<>)]*")


def cli_run(*argv: str) -> tuple[int, str, str]:
    """``cpts-analysis ARGV`` in process; returns (code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


# --- parameters, folder names, sidecars: no kernel ---------------------------------------------


def test_unknown_parameter_refused_with_accepted_names():
    with pytest.raises(ReportInputError, match="inconnu") as refused:
        check_parameters(OK, {"territoir": "84"})
    assert "territoir" in str(refused.value)
    assert "paramètres acceptés : territoire, nom" in str(refused.value)


@pytest.mark.parametrize(
    "value", [(1, 2), dt.date(2024, 1, 1), Path("x"), np.int64(3), ["a", {1, 2}], float("nan")]
)
def test_non_json_parameter_refused(value):
    with pytest.raises(ReportInputError, match="territoire"):
        check_parameters(OK, {"territoire": value})


def test_missing_template_refused(tmp_path):
    with pytest.raises(ReportInputError, match="introuvable"):
        run_report(tmp_path / "absent.ipynb", {}, tmp_path / "out", timeout=30)


def test_json_parameters_accepted():
    check_parameters(OK, {"territoire": "84", "nom": ["a", {"b": None, "c": 1.5, "d": True}]})


def test_output_dir_is_reserved_for_the_runner():
    with pytest.raises(ReportInputError, match="output_dir"):
        check_parameters(OK, {"output_dir": "/tmp"})


def test_template_without_output_dir_or_kernelspec_refused(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('territoire = "84"')])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, tmp_path / "no_kernel.ipynb")
    with pytest.raises(ReportInputError, match=r"no_kernel\.ipynb : modèle illisible"):
        check_parameters(tmp_path / "no_kernel.ipynb", {"territoire": "42"})
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nbformat.write(nb, tmp_path / "bare.ipynb")
    with pytest.raises(ReportInputError, match="output_dir"):
        check_parameters(tmp_path / "bare.ipynb", {"territoire": "42"})


def test_slugs():
    assert make_slug("2A") == "2a"
    assert make_slug("Côte d'Or") == "cote-d-or"
    for hostile in ("../../x", "a/b", "..", "a\\b", HOSTILE, ""):
        with pytest.raises(ReportInputError):
            make_slug(hostile)


def test_path_traversal_refused_and_nothing_written(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ReportInputError):
        run_report(OK, {"territoire": "../../x"}, out, timeout=30)
    with pytest.raises(ReportInputError):
        run_report(OK, {"territoire": "84"}, out, timeout=30, slug="../../x")
    assert list(tmp_path.iterdir()) == []


def test_symlinked_report_folder_outside_out_dir_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "ok").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ReportInputError, match="hors de"):
        report_dir(tmp_path / "out", OK, "84")


def test_save_sidecars_noop_without_output_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_sidecars("", {"n": 1}, {"t": pd.DataFrame({"a": [1]})}, {})
    assert list(tmp_path.iterdir()) == []


def test_save_sidecars_writes_json_and_workbook(tmp_path):
    table = pd.DataFrame({"population": [np.int64(10)]})
    headline = {"population": np.int64(12), "part": np.float64("nan"), "jour": pd.Timestamp(0)}
    save_sidecars(str(tmp_path), headline, {"a" * 40: table, "A" * 40: table}, {"rule_set": "r"})
    data = json.loads((tmp_path / "headline.json").read_text(encoding="utf-8"))
    assert data["headline"] == {"population": 12, "part": None, "jour": "1970-01-01T00:00:00"}
    assert data["meta"]["rule_set"] == "r" and "generated_at" in data["meta"]
    sheets = openpyxl.load_workbook(tmp_path / "tables.xlsx").sheetnames
    assert sheets == sheet_names(["À propos", "a" * 40, "A" * 40])
    assert sheets == ["À propos", "a" * 31, "A" * 29 + "~2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["headline.json", "tables.xlsx"]


def test_display_value_french():
    assert [display_value(v) for v in (1234567, 0.425, 1234567.8, None, True, -0.0001)] == [
        "1\u202f234\u202f567",
        "0,425",
        "1\u202f234\u202f567,8",
        "–",
        "oui",
        "0",
    ]


def test_header_labels_dates_and_subtitle():
    meta = {"title": "Comparaison — Loire (42)", "parameter_labels": {"registre": "Registre"}}
    parameters = {"territoire": "42", "registre": "/r", "date_reference": "2025-06-01", "x": 1.5}
    header = build_header("comparaison", "42", parameters, meta)
    assert header.parameters == [
        ("Territoire", "42"),
        ("Registre", "/r"),
        ("Date de référence", "01/06/2025"),
        ("x", "1,5"),
    ]
    assert header.subtitle == ""  # already in the title
    assert build_header("comparaison", "Loire", {}, {}).title == "comparaison"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", header.generated)


def test_input_hash_covers_folder_inputs(tmp_path):
    (tmp_path / "registre").mkdir()
    (tmp_path / "registre" / "cpts.csv").write_text("id\n1\n", encoding="utf-8")
    before = manifest.input_hash(FAILS, {"territoire": "84"}, "84", [tmp_path / "registre"])
    (tmp_path / "registre" / "cpts.csv").write_text("id\n22\n", encoding="utf-8")  # new size
    after = manifest.input_hash(FAILS, {"territoire": "84"}, "84", [tmp_path / "registre"])
    assert before != after
    with pytest.raises(ReportInputError, match="introuvable"):
        manifest.input_hash(FAILS, {}, "", [tmp_path / "absent.csv"])


# --- retry on kernel start failure: papermill replaced, no kernel ------------------------------


def fake_papermill(fail_times: int, cell_started: bool = False, meta: dict | None = None):
    calls = []

    def execute_notebook(input_path, output_path, parameters, on_cell_execute, **_):
        calls.append(parameters)
        nb = nbformat.read(input_path, as_version=4)
        if cell_started:
            on_cell_execute(cell=nb.cells[2], cell_index=3)
        if len(calls) <= fail_times:
            raise RuntimeError("Kernel died before replying to kernel_info")
        nbformat.write(nb, output_path)
        save_sidecars(parameters["output_dir"], {"n": 1}, {}, meta or {})
        return nb

    return execute_notebook, calls


def test_kernel_start_failure_retried_once(tmp_path, monkeypatch):
    fake, calls = fake_papermill(fail_times=1)
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    result = run_report(FAILS, {"territoire": "84"}, tmp_path, timeout=30)
    assert result.ok and len(calls) == 2
    assert (tmp_path / "fails" / "84" / "report.html").exists()


def test_kernel_start_failure_twice_fails(tmp_path, monkeypatch):
    fake, calls = fake_papermill(fail_times=2)
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    result = run_report(FAILS, {"territoire": "84"}, tmp_path, timeout=30)
    assert not result.ok and len(calls) == 2
    assert (result.error.ename, result.error.cell) == ("RuntimeError", None)
    assert "kernel_info" in result.error.evalue


def test_failure_after_a_cell_started_not_retried(tmp_path, monkeypatch):
    fake, calls = fake_papermill(fail_times=1, cell_started=True)
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    result = run_report(FAILS, {"territoire": "84"}, tmp_path, timeout=30)
    assert not result.ok and len(calls) == 1
    assert result.error.cell == 2  # executed index 3 = template index 2 (injected cell before)


def test_export_failure_publishes_no_page_and_blames_no_cell(tmp_path, monkeypatch):
    fake, _ = fake_papermill(fail_times=0, cell_started=True, meta={"data_vintages": ["2023"]})
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    result = run_report(FAILS, {"territoire": "84"}, tmp_path, timeout=30)
    assert not result.ok and (result.error.ename, result.error.cell) == ("AttributeError", None)
    assert sorted(result.outputs) == ["failure", "failure_notebook"]


# --- one successful report, its HTML page ------------------------------------------------------


@pytest.fixture(scope="module")
def ok_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = run_report(OK, {"territoire": "2A", "nom": HOSTILE}, out, timeout=120, label=HOSTILE)
    html = (result.folder / "report.html").read_text(encoding="utf-8") if result.ok else ""
    return SimpleNamespace(out=out, result=result, html=html)


@pytest.mark.slow
def test_ok_report_files(ok_report):
    result = ok_report.result
    assert result.ok, result.error
    assert result.folder == ok_report.out.resolve() / "ok" / "2a"
    assert sorted(result.outputs) == ["headline", "html", "notebook", "tables"]
    assert sorted(p.name for p in (ok_report.out / "ok").iterdir()) == ["2a"]  # no staging left
    executed = nbformat.read(result.outputs["notebook"], as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    headline = json.loads(result.outputs["headline"].read_text(encoding="utf-8"))
    assert headline["headline"]["population"] == 1234567
    sheets = openpyxl.load_workbook(result.outputs["tables"]).sheetnames
    assert sheets == ["À propos", "population", "un nom de feuille beaucoup trop"]


@pytest.mark.slow
def test_html_has_no_code_prompts_or_parameters(ok_report):
    html = ok_report.html
    for code in ("import matplotlib", "plt.subplots", "save_sidecars", "territoire: str"):
        assert code not in html
    prompts_or_editors = r'class="[^"]*\bjp-(?:InputPrompt|OutputPrompt|InputArea-editor)\b'
    assert not re.search(prompts_or_editors, html) and "In&nbsp;[" not in html
    assert "celltag_parameters" not in html and "celltag_injected-parameters" not in html
    assert "output_dir" not in html and not re.search(r"\.2a\.[0-9a-f]+\.tmp", html)


@pytest.mark.slow
def test_html_is_offline(ok_report):
    html = ok_report.html
    assert "<script" not in html  # no require.js, MathJax, Mermaid or widget loader
    assert "@import" not in html
    # The only URL left is the link written in the notebook's markdown, in an <a href>.
    loaded = re.findall(r"(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", html)
    assert loaded == ["https://www.legifrance.gouv.fr/"]
    assert URL.findall(html) == ["https://www.legifrance.gouv.fr/"]


@pytest.mark.slow
def test_html_inline_images_toc_and_language(ok_report):
    html = ok_report.html
    assert '<html lang="fr">' in html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    toc = re.search(r'<nav class="cpts-toc".*?</nav>', html, re.S)[0]
    assert re.findall(r'href="#([^"]+)"', toc) == [
        "Synth%C3%A8se-du-territoire",
        "Population",
        "Graphique",
    ]
    for anchor in ("Population", "Graphique"):
        assert f'<h2 id="{anchor}">' in html
    assert html.index('<nav class="cpts-toc"') < html.index("Répartition par commune")


@pytest.mark.slow
def test_html_header_escaped(ok_report):
    html = ok_report.html
    assert HOSTILE not in html
    header = re.search(r'<header class="cpts-header">.*?</header>', html, re.S)[0]
    assert "<h1>Comparaison territoriale</h1>" in header
    assert f'<p class="cpts-subtitle">{ESCAPED}</p>' in header
    assert f'<th scope="row">Nom de la CPTS</th><td>{ESCAPED}</td>' in header
    assert '<th scope="row">Territoire</th><td>2A</td>' in header
    assert "avenant-2" in header and "COG 2025" in header
    today = dt.date.today().strftime("%d/%m/%Y")
    assert f'<th scope="row">Généré le</th><td>{today}</td>' in header
    assert f"<title>Comparaison territoriale – {ESCAPED}</title>" in html


# --- failures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def failed_reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("failures")
    replaced = run_report(FAILS, {"territoire": "84"}, out, timeout=120, slug="same")
    was_complete = (replaced.folder / "report.html").exists()
    return SimpleNamespace(
        out=out,
        was_complete=was_complete,
        failed=run_report(FAILS, {"territoire": "42"}, out, timeout=120, slug="same"),
        exited=run_report(EXITS, {"territoire": "84"}, out, timeout=120),
        timed_out=run_report(HANGS, {"territoire": "84"}, out, timeout=2),
    )


@pytest.mark.slow
def test_failed_run_keeps_the_previous_report_and_writes_the_failure_beside_it(failed_reports):
    result = failed_reports.failed
    assert failed_reports.was_complete and not result.ok
    names = sorted(p.name for p in result.folder.iterdir())
    assert names == [
        ".publication.json",
        "echec.ipynb",
        "echec.txt",
        "headline.json",
        "report.html",
        "report.ipynb",
        "tables.xlsx",
    ]
    previous = json.loads((result.folder / "headline.json").read_text(encoding="utf-8"))
    assert previous["headline"]["territoire"] == "84"  # the report of the earlier success
    assert result.published["parameters"]["territoire"] == "84"
    assert (result.error.cell, result.error.source) == (3, 'if territoire == "42":')
    assert (result.error.ename, result.error.evalue) == ("ValueError", "territoire 42 sans données")
    failure = (result.folder / "echec.txt").read_text(encoding="utf-8")
    today = dt.date.today().strftime("%d/%m/%Y")
    assert "cellule 3" in failure and f"en échec le {today}" in failure
    assert f"Le rapport publié le {today} reste en place" in failure
    assert sorted(p.name for p in (failed_reports.out / "fails").iterdir()) == ["same"]


@pytest.mark.slow
def test_sys_exit_without_sidecars_is_a_failure(failed_reports):
    result = failed_reports.exited
    assert not result.ok
    assert (result.error.ename, result.error.cell, result.error.source) == (
        "SystemExit",
        1,
        "import sys",
    )
    assert "headline.json" in result.error.evalue
    assert sorted(p.name for p in result.folder.iterdir()) == ["echec.ipynb", "echec.txt"]
    assert "Aucun rapport valide" in (result.folder / "echec.txt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_cell_timeout_names_the_cell(failed_reports):
    result = failed_reports.timed_out
    assert not result.ok
    assert (result.error.ename, result.error.cell) == ("CellTimeoutError", 1)
    assert result.error.evalue == "cellule arrêtée au bout de 2 s (limite fixée par --timeout)"
    assert not (result.folder / "report.html").exists()


# --- batch: three reports, one failing; rerun; only the failed one ------------------------------


class FailsInputs(NotebookInputs):
    """The parameters of the fixture template ``fails``, as a report template declares them."""

    territoire: str = "84"

    def check_registry(self, registry) -> None:
        """Any territory: the fixture reads no registry."""

    def folder_name(self, registry: object) -> str:
        return self.subject


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    registry = out.parent / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, registry)
    argv = ["batch", "--by", "departement", "--registry", str(registry), "--date", "2025-06-01"]
    argv += ["--workers", "2", "--timeout", "120", "--out", str(out)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jobs, "NOTEBOOKS_DIR", FIXTURES)
        patch.setattr(jobs, "DEFAULT_NOTEBOOK", "fails")
        patch.setitem(TEMPLATES, "fails", FailsInputs)
        patch.setattr(
            jobs, "territory_codes", lambda by, registry: [(c, c) for c in ("84", "2A", "42")]
        )
        first = cli_run(*argv)
        first_manifest = manifest.load(out)
        index = (out / "index.html").read_text(encoding="utf-8")
        html_mtime = (out / "fails" / "84" / "report.html").stat().st_mtime_ns
        with contextlib.redirect_stderr(io.StringIO()):
            planned = jobs.batch_jobs(
                "departement", None, {"registry": registry, "date": "2025-06-01"}
            )
            rerun = run_batch(planned, out, 2, 120)
        rerun_manifest = manifest.load(out)
        only_failed = cli_run(*argv, "--only-failed")
    return SimpleNamespace(
        out=out,
        registry=registry,
        first=first,
        first_manifest=first_manifest,
        index=index,
        html_mtime=html_mtime,
        rerun=rerun,
        rerun_manifest=rerun_manifest,
        only_failed=only_failed,
        final_manifest=manifest.load(out),
    )


@pytest.mark.slow
def test_batch_failure_does_not_stop_the_others(batches):
    code, out, err = batches.first
    assert code == 1
    assert "3 rapport(s) exécuté(s), dont 1 en échec" in out
    assert "fails/42" in err and "cellule 3" in err and "ValueError" in err
    statuses = {key: r["status"] for key, r in batches.first_manifest.items()}
    assert statuses == {"fails/84": "ok", "fails/2a": "ok", "fails/42": "failed"}
    for slug in ("84", "2a"):
        assert (batches.out / "fails" / slug / "report.html").exists()
    assert not (batches.out / "fails" / "42" / "report.html").exists()


@pytest.mark.slow
def test_manifest_records(batches):
    failed = batches.first_manifest["fails/42"]
    assert failed["attempt"]["error"] == {
        "cell": 3,
        "source": 'if territoire == "42":',
        "ename": "ValueError",
        "evalue": "territoire 42 sans données",
    }
    assert failed["attempt"]["failure"] == "fails/42/echec.txt"
    assert failed["published"] is None
    ok = batches.first_manifest["fails/84"]
    published = ok["published"]
    assert published["parameters"]["territoire"] == "84" and ok["label"] == "84"
    assert published["parameters"]["registre"] == str(batches.registry.resolve())
    assert published["parameters"]["date_reference"] == "2025-06-01"
    assert set(published["versions"]) == {
        "python",
        "cpts_analysis",
        "papermill",
        "nbconvert",
        "pandas",
    }
    assert published["outputs"]["html"] == "fails/84/report.html"
    assert published["duration_s"] > 0 and ok["attempt"]["duration_s"] > 0
    assert len(published["input_hash"]) == 64
    assert published["input_hash"] == ok["attempt"]["input_hash"]


@pytest.mark.slow
def test_index_page(batches):
    index = batches.index
    assert '<html lang="fr">' in index and "<script" not in index and not URL.search(index)
    failures = re.search(r'<section class="echecs".*?</section>', index, re.S)[0]
    assert "Échecs et interruptions (1)" in failures and "ValueError" in failures
    assert 'href="fails/42/echec.ipynb"' in failures and 'href="fails/42/echec.txt"' in failures
    assert '<a href="fails/84/report.html">84</a>' in index
    assert "1\u202f234\u202f567" in index and "0,425" in index


@pytest.mark.slow
def test_rerun_skips_unchanged_reports(batches):
    rerun = batches.rerun
    assert sorted(job.key for job in rerun.skipped) == ["fails/2a", "fails/84"]
    assert [r.slug for r in rerun.results] == ["42"] and rerun.any_failed
    assert batches.rerun_manifest["fails/84"]["status"] == "skipped"
    assert (batches.out / "fails" / "84" / "report.html").stat().st_mtime_ns == batches.html_mtime


@pytest.mark.slow
def test_only_failed_reruns_just_the_failed_report(batches):
    code, out, _ = batches.only_failed
    assert code == 1 and "1 rapport(s) exécuté(s), dont 1 en échec ; 2 non relancé(s)" in out
    assert (
        batches.final_manifest["fails/42"]["attempt"]["finished_at"]
        >= (batches.rerun_manifest["fails/42"]["attempt"]["finished_at"])
    )
    assert {k: r["status"] for k, r in batches.final_manifest.items()} == {
        "fails/84": "skipped",
        "fails/2a": "skipped",
        "fails/42": "failed",
    }


@pytest.mark.slow
def test_changed_input_or_missing_output_means_rerun(batches, tmp_path):
    record = batches.first_manifest["fails/84"]
    digest = record["published"]["input_hash"]
    assert manifest.reusable(record, batches.out, digest)
    assert not manifest.reusable(record, tmp_path, digest)  # outputs not there
    registry = tmp_path / "registre.csv"
    registry.write_text("code\n84\n", encoding="utf-8")
    params = record["published"]["parameters"]
    same = manifest.input_hash(FAILS, params, record["label"], [batches.registry])
    other = manifest.input_hash(FAILS, params, record["label"], [registry])
    assert same == digest and other != digest


# --- batch time limit: a hung report is killed, the others complete ----------------------------


@pytest.mark.slow
def test_hung_report_killed_others_complete(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "KILL_GRACE_S", -25.0)  # kill 5 s after start, before the cell limit
    pid_file = tmp_path / "kernel.pid"
    hung = Job(HANGS, {"territoire": "84", "pid_file": str(pid_file)}, "bloque", "bloqué")
    quick = Job(FAILS, {"territoire": "84"}, "84", "84")
    started = time.monotonic()
    with contextlib.redirect_stderr(io.StringIO()):
        result = run_batch([hung, quick], tmp_path / "out", workers=2, timeout=30)
    assert time.monotonic() - started < 30
    by_slug = {r.slug: r for r in result.results}
    assert by_slug["84"].ok
    assert by_slug["bloque"].error.ename == "TimeoutError" and result.any_failed
    assert not (tmp_path / "out" / "hangs" / "bloque" / "report.html").exists()
    kernel = Path(f"/proc/{pid_file.read_text()}")
    deadline = time.monotonic() + 10
    while kernel.exists() and time.monotonic() < deadline:  # kernels exit when their parent dies
        time.sleep(0.2)
    assert not kernel.exists()


@pytest.mark.slow
@pytest.mark.parametrize("warm", [False, True])
def test_kernels_use_unix_sockets_not_tcp_ports(tmp_path, warm):
    """A TCP port picked free by the parent can be taken before the kernel binds it (CI, 2026)."""
    pid_file = tmp_path / "kernel.pid"
    connection: dict = {}

    def read_connection_file() -> None:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        arguments = Path(f"/proc/{pid_file.read_text()}/cmdline").read_bytes().split(b"\0")
        connection_file = Path(arguments[arguments.index(b"-f") + 1].decode())
        connection.update(json.loads(connection_file.read_text()))

    reader = threading.Thread(target=read_connection_file)
    reader.start()
    params = {"territoire": "84", "pid_file": str(pid_file)}
    result = run_report(HANGS, params, tmp_path / "out", timeout=5, reuse_kernel=warm)
    reader.join()
    assert result.error.ename == "CellTimeoutError"
    assert connection["transport"] == "ipc" and connection["ip"].startswith(tempfile.gettempdir())


# --- index escaping, CLI arguments --------------------------------------------------------------


def test_index_escapes_everything(tmp_path):
    record = {
        "slug": "x",
        "label": HOSTILE,
        "notebook": "/n/ok.ipynb",
        "status": "failed",
        "published": None,
        "attempt": {
            "error": {"cell": 2, "source": HOSTILE, "ename": "E", "evalue": HOSTILE},
            "failure": "ok/x/echec.txt",
        },
    }
    page = render_index(tmp_path, {"ok/x": record})
    assert HOSTILE not in page and page.count(ESCAPED) == 4  # label twice, source, evalue


@pytest.mark.parametrize(
    "argv",
    [
        ["batch", "--by", "commune"],
        ["batch", "--by", "region", "--workers", "0"],
        ["batch", "--by", "region", "--timeout", "nan"],
        ["report"],
    ],
)
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as exited:
        cli_run(*argv)
    assert exited.value.code == 2


def test_workers_with_an_existing_cluster_refused(tmp_path):
    argv = ["batch", "--by", "region", "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"]
    code, out, err = cli_run(*argv, "--out", str(tmp_path))
    assert (code, out) == (2, "") and "--workers ne s'applique qu'au cluster local" in err
    assert list(tmp_path.iterdir()) == []


def test_report_command_refuses_traversal_before_running(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs, "NOTEBOOKS_DIR", FIXTURES)
    monkeypatch.setitem(TEMPLATES, "fails", FailsInputs)
    cases = [
        (("--notebook", "fails", "--territory", "../../x"), "../../x"),
        (("--notebook", "absent", "--territory", "84"), "modèle de rapport inconnu"),
        (
            ("--notebook", "fails", "--territory", "84", "--registry", "/absent"),
            "registre introuvable",
        ),
    ]
    for argv, message in cases:
        code, out, err = cli_run("report", *argv, "--out", str(tmp_path))
        assert (code, out) == (2, "") and message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_refused_report_shuts_down_the_kernel_it_started_early(tmp_path, monkeypatch):
    """``report`` starts its kernel before reading its arguments (it boots meanwhile); a
    refusal must leave no kernel process behind."""
    from cpts_analysis.runner import kernels

    started = []
    prestart = kernels.prestart
    monkeypatch.setattr(kernels, "prestart", lambda **kw: started.append(prestart(**kw)))
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    code, out, err = cli_run("report", "--territory", "99", "--out", str(tmp_path))
    assert (code, out) == (2, "") and "99" in err and started
    left = [
        child
        for child in psutil.Process().children(recursive=True)
        if child.pid not in before and child.status() != psutil.STATUS_ZOMBIE
    ]
    assert left == [] and not any(kernels._idle.values())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_report_command_exit_codes(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs, "NOTEBOOKS_DIR", FIXTURES)
    monkeypatch.setitem(TEMPLATES, "fails", FailsInputs)
    # `report` validates the registry before any kernel starts: give it a valid one.
    common = ["report", "--notebook", "fails", "--registry", str(EXAMPLE_REGISTRY)]
    common += ["--date", "2024-06-01", "--out", str(tmp_path / "out")]
    code, out, _ = cli_run(*common, "--territory", "2A")
    assert code == 0 and out.strip().endswith(os.path.join("fails", "2a", "report.html"))
    code, _, err = cli_run(*common, "--territory", "42")
    assert code == 1 and "cellule 3" in err and "echec.ipynb" in err


# --- warm kernels: one per batch worker --------------------------------------------------------


@pytest.mark.slow
def test_warm_kernel_resets_state_and_matches_a_cold_run(tmp_path):
    from cpts_analysis.runner import kernels

    leak = FIXTURES / "leak.ipynb"
    try:
        first = run_report(leak, {"territoire": "84"}, tmp_path, 60, reuse_kernel=True)
        [manager] = kernels._idle["python3"]
        second = run_report(leak, {"territoire": "42"}, tmp_path, 60, reuse_kernel=True)
        assert first.ok and second.ok, (first.error, second.error)
        assert kernels._idle["python3"] == [manager]  # reused, yet `leftover` was gone
        cold = run_report(leak, {"territoire": "42"}, tmp_path / "cold", 60)
        warm_nb = nbformat.read(second.outputs["notebook"], as_version=4)
        cold_nb = nbformat.read(cold.outputs["notebook"], as_version=4)
        assert [c.get("outputs") for c in warm_nb.cells] == [
            c.get("outputs") for c in cold_nb.cells
        ]
        failed = run_report(FAILS, {"territoire": "42"}, tmp_path, 60, reuse_kernel=True)
        assert not failed.ok and kernels._idle["python3"] == []  # discarded after a failure
        assert not run_sync(manager.is_alive)()
    finally:
        kernels.shutdown_all()
