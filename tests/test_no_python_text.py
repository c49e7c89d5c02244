"""No Python text in a report, ever: no warning, stderr stream or traceback in the executed
notebooks, on the shipped registry and on a registry imported from a list of names only (no
state, no signing date: no signed CPTS), which must still give readable reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from cpts_analysis.analysis.comparison import compare_territory
from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.runner.batch import run_batch
from cpts_analysis.runner.jobs import report_inputs, report_job
from cpts_analysis.territory.registry import load_registry

pytestmark = pytest.mark.slow

GOLDENS = Path(__file__).parent / "notebooks"
PYTHON_TEXT = re.compile(r"Traceback|Warning|warnings\.warn|File \"/|\.py:\d+")


def python_text(notebook: Path) -> list[str]:
    """Every output of ``notebook`` that is Python talking, not the report."""
    found = []
    for index, cell in enumerate(json.loads(notebook.read_text("utf-8"))["cells"]):
        for output in cell.get("outputs", []):
            if output["output_type"] == "error" or output.get("name") == "stderr":
                found.append(f"cellule {index} : {output}")
            for text in output.get("data", {}).get("text/plain", []):
                if PYTHON_TEXT.search(text):
                    found.append(f"cellule {index} : {text}")
    return found


@pytest.mark.parametrize("notebook", sorted(GOLDENS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_shipped_registry_reports_hold_no_python_text(notebook):
    assert python_text(notebook) == []


def test_region_report_with_late_missions_holds_no_python_text(tmp_path):
    """Late and overdue missions draw marks in the deployment grid: on 01/12/2026 the region
    has both (the goldens' date has neither). Its marks once logged « findfont » lines."""
    options = {"date": "2026-12-01"}
    job = report_job(
        "comparaison_territoriale", report_inputs("comparaison_territoriale", "84", options)
    )
    batch = run_batch([job], tmp_path, workers=1, timeout=600)
    assert not batch.any_failed, [str(result.error) for result in batch.failed]
    registry = load_registry(EXAMPLE_REGISTRY)
    states = set(compare_territory(registry, "region:84", "2026-12-01").deployment["etat"])
    assert {"demarree_en_retard", "en_retard"} <= states
    assert python_text(batch.results[0].folder / "report.ipynb") == []


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The shipped registry's CPTS and communes as a published list gives them: names and
    codes only, imported with ``cpts-analysis import``."""
    folder = tmp_path_factory.mktemp("import")
    cpts = pd.read_csv(EXAMPLE_REGISTRY / "cpts.csv", dtype=str)
    communes = pd.read_csv(EXAMPLE_REGISTRY / "communes.csv", dtype=str)
    flat = communes.merge(cpts[["cpts_id", "nom"]], on="cpts_id")[["nom", "code_commune"]]
    flat.columns = ["CPTS", "Code commune"]
    flat.to_csv(folder / "liste.csv", index=False)
    assert (
        main(["import", str(folder / "liste.csv"), str(folder / "registre"), "--equal-parts"]) == 0
    )
    return folder / "registre"


@pytest.fixture(scope="module")
def imported_reports(imported, tmp_path_factory):
    asked = [
        ("comparaison_territoriale", "42"),
        ("comparaison_territoriale", "region:84"),
        ("profil_cpts", "CPTS-42-01"),
        ("reforme", "42"),
    ]
    options = {"registry": imported, "date": "2025-06-01"}
    jobs = [report_job(name, report_inputs(name, code, options)) for name, code in asked]
    batch = run_batch(jobs, tmp_path_factory.mktemp("rapports"), workers=2, timeout=600)
    assert not batch.any_failed, [str(result.error) for result in batch.failed]
    return batch.results


def test_imported_list_gives_reports_without_python_text(imported_reports):
    for result in imported_reports:
        assert python_text(result.outputs["notebook"]) == [], result.slug


def test_imported_list_report_says_why_there_is_no_money(imported_reports):
    comparison = next(r for r in imported_reports if r.slug == "departement-42-loire")
    html = comparison.outputs["html"].read_text("utf-8")
    assert "Aucune CPTS du territoire n'a signé l'ACI" in html
    assert "<img" in html  # the maps and coverage are drawn; the money charts are not
    assert html.count("Aucun financement à montrer") == 3
    assert "Fichier importé : liste.csv" in html and "Part supposée égale" in html
    assert "Hypothèse" in html


def test_templates_that_need_signed_cpts_refuse_before_running(imported, tmp_path, capsys):
    out = tmp_path / "rapports"
    common = ["--registry", str(imported), "--out", str(out)]
    assert main(["report", "--notebook", "scenarios", "--territory", "42", *common]) == 2
    assert "au moins deux CPTS signées sont nécessaires" in capsys.readouterr().err
    argv = ["report", "--notebook", "revue_annuelle", "--territory", "CPTS-42-01", *common]
    assert main(argv) == 2
    assert "n'a pas signé de contrat ACI" in capsys.readouterr().err
    assert not out.exists()
