"""French input accepted where a French user types it; ambiguous input refused in French."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from cpts_analysis.cli import main
from cpts_analysis.core.french_input import (
    parse_code,
    parse_count,
    parse_date,
    parse_numbers,
    parse_rate,
)
from cpts_analysis.core.vocabulary import CPTS_STATES
from cpts_analysis.report.inputs import ComparisonInputs


@pytest.mark.parametrize("text", ["2021-03-15", "15/03/2021", "15/3/2021", " 15/03/2021 "])
def test_dates(text):
    assert parse_date(text) == dt.date(2021, 3, 15)


@pytest.mark.parametrize(
    ("text", "message"),
    [("01/02/03", "ambiguë"), ("31/02/2021", "impossible"), ("mars 2021", "invalide")],
)
def test_bad_dates_are_refused_in_french(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text)


@pytest.mark.parametrize("text", ["0,75", "0.75", "75 %", "75%", "75\u202f%"])
def test_rates(text):
    assert parse_rate(text) == pytest.approx(0.75)


def test_amounts_and_counts():
    amounts = parse_numbers(pd.Series(["185 000 €", "185\u202f000\u00a0€", "12 500,50", "x"]))
    assert amounts.iloc[:3].tolist() == [185000, 185000, 12500.5] and pd.isna(amounts.iloc[3])
    assert parse_count("52 000") == 52000
    with pytest.raises(ValueError, match="entier"):
        parse_count("52,5")


@pytest.mark.parametrize("text", ["signé", "Signe", "SIGNÉ", "ACI signé", "signe"])
def test_states_in_french(text):
    assert parse_code(text, CPTS_STATES) == "signe"
    assert parse_code("pré-projet", CPTS_STATES) == "pre-projet"


def _json(capsys, *argv: str) -> dict:
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_options_take_french_input(capsys):
    iso = _json(
        capsys, "funding", "--population", "30000", "--date", "2020-06-01",
        "--missions", "acces_soins,parcours", "--achievement", "0.75",
    )  # fmt: skip
    french = _json(
        capsys, "funding", "--population", "30 000", "--date", "01/06/2020",
        "--missions", "Accès aux soins, PARCOURS", "--achievement", "75 %",
    )  # fmt: skip
    assert french == iso
    schedule = ["schedule", "--population", "30000"]
    iso = _json(capsys, *schedule, "--signed", "2021-03-15", "--mission", "acces_soins=2021-09-01")
    french = _json(
        capsys, *schedule, "--signed", "15/03/2021", "--mission", "Accès aux soins=01/09/2021"
    )
    assert french == iso


def test_cli_refuses_an_ambiguous_date(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["funding", "--population", "30000", "--date", "01/02/03"])
    assert stop.value.code == 2
    assert "date ambiguë « 01/02/03 »" in capsys.readouterr().err


def test_report_date_parameter_accepts_french_dates():
    assert ComparisonInputs.checked(date_reference="01/06/2025").date_reference == "2025-06-01"


def test_registry_takes_states_and_missions_in_french(tmp_path):
    import shutil

    from cpts_analysis.core.paths import EXAMPLE_REGISTRY
    from cpts_analysis.territory.registry import load_registry

    registry = tmp_path / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, registry)
    cpts = pd.read_csv(registry / "cpts.csv", dtype=str, keep_default_na=False)
    cpts["statut"] = (
        cpts["statut"].map({"signe": "Signé", "projet": "projet de santé"}).fillna(cpts["statut"])
    )
    cpts["date_signature"] = pd.to_datetime(cpts["date_signature"]).dt.strftime("%d/%m/%Y")
    cpts.to_csv(registry / "cpts.csv", index=False, na_rep="")
    missions = pd.read_csv(registry / "missions.csv", dtype=str)
    missions["mission"] = missions["mission"].replace({"acces_soins": "Accès aux soins"})
    missions.to_csv(registry / "missions.csv", index=False)
    french, example = load_registry(registry), load_registry(EXAMPLE_REGISTRY)
    pd.testing.assert_frame_equal(french.cpts, example.cpts)
    pd.testing.assert_frame_equal(french.missions, example.missions)
