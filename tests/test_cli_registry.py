"""CLI over registries: validate, template, territories (names and JSON keys are a contract)."""

import json
from pathlib import Path

import pytest

from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY

BROKEN = Path(__file__).parent / "fixtures" / "registre_casse"


def test_validate_example_registry(capsys):
    assert main(["validate", str(EXAMPLE_REGISTRY)]) == 0
    assert "0 erreur(s)" in capsys.readouterr().out


def test_validate_broken_registry_lists_every_problem(capsys):
    assert main(["validate", str(BROKEN)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) > 30
    assert all(
        ", ligne " in line
        or "feuille" in line
        or line.startswith(("cpts", "communes", "missions", "resultats", "montants"))
        for line in err
    )
    assert "Traceback" not in "\n".join(err)


def test_territories_json_contract(capsys):
    assert main(["territories", str(EXAMPLE_REGISTRY), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"cpts", "coverage"}
    assert set(payload["cpts"][0]) == {"cpts_id", "nom", "population", "tier", "communes"}
    assert set(payload["coverage"][0]) == {
        "departement",
        "population",
        "population_couverte",
        "taux",
    }
    assert {c["departement"] for c in payload["coverage"]} == {
        "01",
        "03",
        "07",
        "15",
        "26",
        "38",
        "42",
        "43",
        "63",
        "69",
        "73",
        "74",
    }
    assert all(0 <= c["taux"] <= 1 for c in payload["coverage"])
    assert {c["tier"] for c in payload["cpts"]} == {1, 2, 3, 4}


def test_territories_on_broken_registry_exits_1(capsys):
    assert main(["territories", str(BROKEN)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err


@pytest.mark.parametrize("name", ["vierge", "vierge.xlsx"])
def test_template_then_refuses_to_overwrite(tmp_path, capsys, name):
    target = tmp_path / name
    assert main(["template", str(target)]) == 0
    assert target.exists()
    assert main(["template", str(target)]) == 1
    assert "rien n'est écrasé" in capsys.readouterr().err
