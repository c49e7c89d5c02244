"""The registry template workbook: instructions, drop-down lists, checks, codes as text, example
rows; workbooks imported are read by their cached values, never run."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cpts_analysis.aci.missions import catalogue
from cpts_analysis.core.vocabulary import CPTS_STATES, SHEETS
from cpts_analysis.territory.registry import validate_registry, write_template
from cpts_analysis.territory.registry.tables import TABLES
from cpts_analysis.territory.registry.template import write_registry


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write_template(tmp_path_factory.mktemp("t") / "registre.xlsx"))


def _validations(sheet) -> dict[str, object]:
    """Column letter → its data validation."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[cell_range.coord.rstrip("0123456789").split(":")[0].rstrip("0123456789")] = (
                validation
            )
    return found


def _letter(sheet, column: str) -> str:
    headers = [cell.value for cell in sheet[1]]
    return openpyxl.utils.get_column_letter(headers.index(column) + 1)


def test_instructions_come_first_then_every_table(template):
    expected = [n for n, spec in TABLES.items() if spec.template]
    assert template.sheetnames == [SHEETS["instructions"], *expected]
    text = " ".join(str(c.value) for c in template[SHEETS["instructions"]]["A"] if c.value)
    assert "validate" in text and "01024" in text


def test_drop_down_lists_and_checks(template):
    cpts = _validations(template["cpts"])
    statut = cpts[_letter(template["cpts"], "statut")]
    assert statut.type == "list" and statut.formula1 == f'"{",".join(CPTS_STATES)}"'
    date = cpts[_letter(template["cpts"], "date_signature")]
    assert date.type == "date" and date.operator == "between" and date.showErrorMessage
    missions = _validations(template["missions"])[_letter(template["missions"], "mission")]
    assert set(catalogue()) <= set(missions.formula1.strip('"').split(","))
    results = _validations(template["resultats"])
    assert results[_letter(template["resultats"], "annee_contrat")].type == "whole"
    rate = results[_letter(template["resultats"], "taux_atteinte")]
    assert (rate.type, rate.formula1, rate.formula2) == ("decimal", "0", "1")
    indicators = _validations(template["indicateurs_contrat"])
    sheet = template["indicateurs_contrat"]
    assert indicators[_letter(sheet, "type")].formula1 == '"action,resultat"'
    assert indicators[_letter(sheet, "sens")].formula1 == '"hausse,baisse"'
    assert indicators[_letter(sheet, "montant_1")].operator == "greaterThanOrEqual"


def test_codes_are_text_and_one_example_per_sheet(template):
    for name in ("cpts", "communes", "missions"):
        sheet = template[name]
        assert sheet.max_row == 2 and sheet.freeze_panes == "A2"
        assert sheet.cell(2, 1).number_format == "@"
        assert sheet.column_dimensions["A"].number_format == "@"
    assert template["cpts"]["C2"].value == "01" and template["cpts"]["C2"].data_type == "s"
    assert template["communes"]["B2"].value == "01024"


def test_written_registry_has_no_formula_and_reads_back(tmp_path: Path):
    names = ['=HYPERLINK("http://x";"y")', "+Nord", "-Sud", "@Est"]
    cpts = TABLES["cpts"]
    import pandas as pd

    frame = pd.DataFrame(
        {
            "cpts_id": [f"X-{n}" for n in range(4)],
            "nom": names,
            "departement": ["01"] * 4,
            "date_signature": [""] * 4,
            "statut": ["projet"] * 4,
        }
    )[list(cpts.columns)]
    for target in (tmp_path / "r.xlsx", tmp_path / "r"):
        write_registry(target, {"cpts": frame})
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert [c.value for c in book["cpts"]["B"][1:]] == names
    csv = (tmp_path / "r" / "cpts.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv and "\n'-Sud" not in csv and ",'-Sud," in csv


def test_formula_without_cached_value_is_reported(tmp_path: Path):
    """openpyxl writes formulas without their result, as a program (not Excel) would."""
    target = write_template(tmp_path / "registre.xlsx")
    book = openpyxl.load_workbook(target)
    book["cpts"]["B2"] = '=CONCAT("CPTS ";"X")'
    book.save(target)
    problems = validate_registry(target)
    (warning,) = [p for p in problems if "formule" in p.message]
    assert warning.severity == "warning" and warning.row == 2 and warning.field == "nom"
    assert "feuille cpts" in warning.file


def test_import_reads_cached_values_and_reports_formulas_without_one(tmp_path: Path):
    from cpts_analysis.territory.importing.source import read_grid

    source = tmp_path / "liste.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["CPTS", "Commune"])
    book.active.append(['=HYPERLINK("http://x";"y")', "01024"])
    book.save(source)
    grid, _, warnings, _ = read_grid(source, None)
    assert grid.iloc[1, 0] == ""  # never evaluated, never taken as text
    (warning,) = warnings
    assert (warning.row, warning.field, warning.severity) == (2, "CPTS", "warning")
