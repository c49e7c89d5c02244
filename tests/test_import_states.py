"""``import`` of lists that carry their state (issue 19, point 3) and record their provenance
(point 6): statuses as lists word them, JJ/MM/AAAA and Excel dates, mission columns, what could
not be used reported by row, and the ``provenance`` table the registry reader exposes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cpts_analysis.cli import main
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.territory.importing import parse_list_date, status_of
from cpts_analysis.territory.registry import load_registry, validate_registry, write_template

HEADER = ["Nom de la CPTS", "Code INSEE", "Statut", "Date de signature ACI"]
HEADER += ["Accès aux soins", "Prévention"]
ROWS = [  # spreadsheet rows 3… (a title line and the header above)
    ["CPTS du Roannais", "42187", "ACI signé", dt.datetime(2021, 4, 22), "oui", "15/01/2022"],
    ["CPTS du Forez", "42147", "Contrat ACI signé", 44650, "x", "non"],  # Excel serial
    ["CPTS du Forez", "42005", "Projet de santé validé", None, None, None],  # contradicts
    ["CPTS du Gier", "42207", "Projet de santé validé", None, None, None],
    ["CPTS du Pilat", "Saint-Étienne", "Lettre d'intention validée", None, None, None],
    ["CPTS de l'Ondaine", "42095", "ACI signé", None, None, None],  # signed, no date
    ["CPTS des Monts", "42044", "En stand-by", None, None, None],  # unknown wording
]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("ACI signé", "signe"),
        ("Contrat ACI signé", "signe"),
        ("signée", "signe"),
        ("En fonctionnement", "signe"),
        ("ACI en cours de signature", "projet"),
        ("Projet de santé validé", "projet"),
        ("projet", "projet"),
        ("Lettre d'intention validée", "pre-projet"),
        ("Pré-projet", "pre-projet"),
        ("En émergence", "pre-projet"),
        ("En ingénierie de projet", "pre-projet"),
        ("Dépôt de la lettre d'intention", "pre-projet"),
        ("En stand-by", None),
        ("ACI", None),  # the agreement named, not its state: no guess
    ],
)
def test_status_wordings(text, status):
    assert status_of(text) == status


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("22/04/2021", dt.date(2021, 4, 22)),
        ("2/4/2021", dt.date(2021, 4, 2)),
        ("22/04/21", dt.date(2021, 4, 22)),
        ("2021-04-22", dt.date(2021, 4, 22)),
        ("2021-04-22T00:00:00", dt.date(2021, 4, 22)),
        ("44308", dt.date(2021, 4, 22)),  # Excel serial date
        ("44308.0", dt.date(2021, 4, 22)),
        ("31/02/2021", None),
        ("avril 2021", None),
    ],
)
def test_list_dates(text, day):
    assert parse_list_date(text) == day


def write_list(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Liste"
    sheet.append(["CPTS de la Loire – état au 1er janvier 2026"])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    book.save(path)
    return path


def test_states_dates_and_missions_are_mapped(tmp_path, capsys):
    source = write_list(tmp_path / "cpts_loire.xlsx")
    out = tmp_path / "registre"
    assert main(["import", str(source), str(out), "--format", "json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["statuts"] == {"projet": 3, "signe": 2, "pre-projet": 1}
    assert [(u["row"], u["column"], u["value"]) for u in report["unmapped"]] == [
        (5, "Statut", "Projet de santé validé"),  # Forez said « signé » on row 4
        (8, "Statut", "ACI signé"),
        (9, "Statut", "En stand-by"),
    ]
    assert "signée sans date de signature lisible" in report["unmapped"][1]["reason"]
    assert "ligne 9, colonne Statut : avertissement : « En stand-by » non repris" in captured.err
    assert "démarrage supposé à la date de signature" in captured.err
    registry = load_registry(out)
    cpts = registry.cpts.set_index("nom")
    assert cpts.loc["CPTS du Roannais", "date_signature"] == pd.Timestamp("2021-04-22")
    assert cpts.loc["CPTS du Forez", "date_signature"] == pd.Timestamp("2022-03-30")
    assert cpts.loc["CPTS du Pilat", "statut"] == "pre-projet"
    assert cpts.loc["CPTS de l'Ondaine", "statut"] == "projet"
    ids = cpts["cpts_id"]
    missions = {
        (r.cpts_id, r.mission): r.date_demarrage.date() for r in registry.missions.itertuples()
    }
    assert missions == {
        (ids["CPTS du Roannais"], "acces_soins"): dt.date(2021, 4, 22),  # « oui »: signing date
        (ids["CPTS du Roannais"], "prevention"): dt.date(2022, 1, 15),
        (ids["CPTS du Forez"], "acces_soins"): dt.date(2022, 3, 30),
    }
    assert not [p for p in validate_registry(out) if p.severity == "error"]


def test_an_imported_signed_list_gets_money_in_budget(tmp_path, capsys):
    source = write_list(tmp_path / "cpts_loire.xlsx")
    out = tmp_path / "registre"
    assert main(["import", str(source), str(out)]) == 0
    capsys.readouterr()
    argv = ["budget", "--territory", "42", "--registry", str(out), "--date", "2026-06-30"]
    assert main([*argv, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["total"] > 0
    by_year = {y["year"]: y for y in payload["years"]}
    assert by_year[2021]["amount"] > 0  # the Roannais, signed on 22/04/2021
    assert by_year[2022]["by_mission"].get("acces_soins", 0) > 0


def test_a_list_without_states_says_so_in_its_provenance(tmp_path, capsys):
    source = tmp_path / "liste.csv"
    source.write_text("CPTS,Commune,Dep\nCPTS A,Montignac,24\nCPTS A,Sarlat-la-Canéda,24\n")
    out = tmp_path / "registre"
    assert main(["import", str(source), str(out), "--equal-parts"]) == 0
    capsys.readouterr()
    provenance = load_registry(out).provenance
    rows = list(provenance.itertuples(index=False, name=None))
    assert rows[:3] == [
        ("source", "liste.csv"),
        ("date_import", format_date(dt.date.today())),
        ("choix", "--equal-parts"),
    ]
    elements = dict(rows)
    assert elements["colonnes"] == (
        "CPTS : « CPTS » ; commune : « Commune » ; département : « Dep »"
    )
    assert elements["nom_historique"] == (
        "ligne 2 : « Montignac » → 24291 Montignac-Lascaux (24) (ancien nom « Montignac »)"
    )
    assert "les 1 CPTS sont écrites au statut « projet »" in elements["hypothese"]


def test_provenance_of_a_workbook_list(tmp_path, capsys):
    source = write_list(tmp_path / "cpts_loire.xlsx")
    out = tmp_path / "registre.xlsx"
    assert main(["import", str(source), str(out), "--sheet", "Liste"]) == 0
    capsys.readouterr()
    registry = load_registry(out)
    assert not [p for p in registry.warnings if "provenance" in p.file]
    provenance = registry.provenance
    values = provenance.groupby("element")["valeur"].apply(list).to_dict()
    assert values["source"] == ["cpts_loire.xlsx"] and values["feuille"] == ["Liste"]
    assert values["choix"] == ["--sheet Liste"]
    assert values["colonnes_etat"] == [
        "« Statut », « Date de signature ACI », « Accès aux soins », « Prévention »"
    ]
    assert values["non_repris"][2] == (
        "ligne 9, colonne Statut : « En stand-by » : statut non reconnu (par exemple « ACI "
        "signé », « Projet de santé validé », « Lettre d'intention ») : CPTS laissée au "
        "statut « projet »"
    )
    assert values["hypothese"] == [
        "2 mission(s) marquées sans date : démarrage supposé à la date de signature (ou à "
        "l'entrée en vigueur de la mission si elle est postérieure)"
    ]


def test_hand_written_registries_have_no_provenance(tmp_path):
    folder = write_template(tmp_path / "vierge")
    assert not (folder / "provenance.csv").exists()
    assert load_registry(EXAMPLE_REGISTRY).provenance.empty


def test_csv_state_headers_with_apostrophes(tmp_path, capsys):
    """« État d'avancement » and « Date de signature » as a CSV writes them (Windows-1252)."""
    source = tmp_path / "liste.csv"
    text = "CPTS;Commune;Dép.;État d'avancement;Date de signature\n"
    text += "CPTS Pantin;Pantin;93;En fonctionnement;22/04/2021\n"
    text += "CPTS BLLR;Bagnolet;93;Dépôt de la lettre d'intention;\n"
    source.write_bytes(text.encode("cp1252"))
    out = tmp_path / "registre"
    argv = ["import", str(source), str(out), "--departement-column", "Dép."]
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["statuts"] == {"signe": 1, "pre-projet": 1}
    cpts = load_registry(out).cpts.set_index("nom")
    assert cpts.loc["CPTS Pantin", "date_signature"] == pd.Timestamp("2021-04-22")
