"""Workbooks people forward: French sheets and labels, formats, « À propos », no formula."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from cpts_analysis.aci.missions import group_label
from cpts_analysis.analysis.readable import rule_set_labels
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.core.vocabulary import (
    ABOUT,
    CPTS_STATES,
    HEADERS,
    SHEETS,
    STATUSES,
    YES_NO,
)
from cpts_analysis.report.about import DATA_VINTAGES, about_rows, package_version, registry_meta
from cpts_analysis.report.sidecars import save_sidecars
from cpts_analysis.report.workbook import NUMBER_FORMATS, sheet_names, write_workbook
from cpts_analysis.territory.registry import load_registry

HOSTILE = ['=HYPERLINK("http://x";"y")', "+33 CPTS", "-Nord", "@Sud", "\tTab", "\rRetour"]


def _cpts_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cpts_id": ["01-A", "01-B", "01-C", "01-D", "01-E", "01-F"],
            "nom": HOSTILE,
            "departement": ["01"] * 6,
            "date_signature": pd.to_datetime(["2021-04-22"] * 5 + [None]),
            "statut": ["signe", "projet", "pre-projet", "signe", "signe", "projet"],
            "population": [102001, 5, 6, 7, 8, 9],
            "financement_annuel": [287500.4, 1, 2, 3, 4, 5],
            "taux": [0.5735267712395674, 1, 0, 0.5, 0.25, None],
            "renewal": [True, False, True, False, True, False],
        }
    )


def _funding_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mission": ["fonctionnement", "acces_soins"],
            "component": ["fonctionnement", "fixe"],
            "label": ["Fonctionnement de la communauté", "Volet fixe (moyens)"],
            "rule_set": ["avenant_2", "aci_2019"],
            "status": ["confirmed", "unconfirmed"],
            "amount": [75000.0, 25000.0],
        }
    )


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("classeur") / "tables.xlsx"
    meta = {
        "title": "Comparaison territoriale des CPTS — Loire",
        "reference_date": "2025-06-01",
        "rule_set": "ACI CPTS modifié par l'avenant 2 (en vigueur du 01/04/2022)",
        "rule_set_status": STATUSES["confirmed"],
        "data_vintages": DATA_VINTAGES,
        "registry": registry_meta(load_registry(EXAMPLE_REGISTRY)),
    }
    save_sidecars(
        str(path.parent),
        {"n": 1},
        {"cpts": _cpts_table(), SHEETS["shared"]: _funding_table()},
        meta,
    )
    return openpyxl.load_workbook(path)


def test_sheets_are_french_and_about_comes_first(book):
    assert book.sheetnames == [SHEETS["about"], "cpts", SHEETS["shared"]]
    assert SHEETS["shared"] == "Communes partagées"  # accents kept


def test_headers_labels_and_formats(book):
    sheet = book["cpts"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [HEADERS[c] for c in _cpts_table().columns]
    column = {header: index + 1 for index, header in enumerate(headers)}

    def cell(name: str, row: int = 2) -> openpyxl.cell.Cell:
        return sheet.cell(row, column[HEADERS[name]])

    assert cell("statut").value == CPTS_STATES["signe"]
    assert cell("renewal").value == YES_NO[True] and cell("renewal", 3).value == YES_NO[False]
    assert cell("financement_annuel").value == 287500.4
    assert cell("financement_annuel").number_format == '#,##0 "€"'
    assert cell("taux").number_format == "0.0 %" and cell("taux").value == 0.5735267712395674
    assert cell("population").number_format == "#,##0"
    assert cell("date_signature").value == dt.datetime(2021, 4, 22)
    assert cell("date_signature").number_format == "dd/mm/yyyy"
    assert cell("departement").value == "01" and cell("departement").number_format == "@"
    assert cell("date_signature", 7).value is None  # missing stays blank
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}7"
    widths = {sheet.column_dimensions[letter].width for letter in "ABCDEFGHI"}
    assert min(widths) >= 8 and sheet.column_dimensions["B"].width > len(HOSTILE[0])


def test_codes_become_labels(book):
    sheet = book[SHEETS["shared"]]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [HEADERS[c] for c in ("mission", "label", "rule_set", "status", "amount")]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:4] == (
        group_label("fonctionnement"),
        "Fonctionnement de la communauté",
        rule_set_labels()["avenant_2"],
        STATUSES["confirmed"],
    )
    assert rows[1][0] == group_label("acces_soins") != "acces_soins"


def test_no_formula_cell_and_text_kept(book):
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = [cell.value for cell in book["cpts"]["B"][1:]]
    # xlsxwriter stores a carriage return as Excel's escape _x000D_, which openpyxl leaves as is
    assert [name.replace("_x000D_", "\r") for name in names] == HOSTILE
    assert all(cell.quotePrefix for cell in book["cpts"]["B"][1:])


def test_about_sheet(book):
    rows = dict(book[SHEETS["about"]].iter_rows(min_row=2, values_only=True))
    assert rows[ABOUT["registry"]] == ABOUT["example_registry"]
    assert rows[ABOUT["registry_file"]] == EXAMPLE_REGISTRY.name
    assert rows[ABOUT["reference_date"]] == dt.datetime(2025, 6, 1)
    assert rows[ABOUT["rule_set_status"]] == STATUSES["confirmed"]
    assert rows[ABOUT["version"]] == package_version() != "?"
    assert isinstance(rows[ABOUT["produced"]], dt.datetime)
    for name, vintage in DATA_VINTAGES.items():
        assert rows[f"{ABOUT['data']} : {name}"] == vintage
    assert book[SHEETS["about"]]["B5"].number_format == "dd/mm/yyyy"


def test_about_lists_the_provenance_of_an_imported_registry():
    provenance = [["fichier importé", "liste.xlsx"], ["feuille lue", "CPTS"]]
    rows = dict(about_rows({"registry": {"name": "r", "file": "r", "provenance": provenance}}))
    assert rows[f"{ABOUT['provenance']} : feuille lue"] == "CPTS"


def test_sheet_names_follow_excel_rules():
    names = sheet_names(["Financement de l'année en cours — détail", "a/b:c", "History", "'x'"])
    assert names == ["Financement de l'année en cours", "a_b_c", "History_", "x"]
    assert sheet_names(["É" * 40, "é" * 40]) == ["É" * 31, "é" * 29 + "~2"]


def test_every_kind_has_a_format_or_a_label():
    """A kind without an Excel format is turned into text upstream (labels, codes)."""
    from cpts_analysis.core.vocabulary import COLUMN_KINDS, Kind

    formatted = set(NUMBER_FORMATS)
    labelled = {Kind.YES_NO, Kind.MISSION, Kind.MISSIONS, Kind.RULE_SET, Kind.COMPONENT}
    assert set(COLUMN_KINDS.values()) <= formatted | labelled


def test_workbook_without_about(tmp_path):
    write_workbook(tmp_path / "t.xlsx", {"t": pd.DataFrame({"amount": [1.0]})})
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["t"]
