"""``budget``, ``reform`` and ``territories --xlsx``: workbooks an analyst can forward."""

from __future__ import annotations

import openpyxl
import pytest
from visible_text import codes_in, workbook_cells

from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, EXAMPLE_VARIANTS
from cpts_analysis.core.vocabulary import SHEETS

VARIANT = str(EXAMPLE_VARIANTS / "part_variable_plus_20.yaml")
COMMANDS = {
    "budget": ["budget", "--territory", "42", "--date", "2026-06-01"],
    "reform": ["reform", "--territory", "42", "--variant", VARIANT],
    "territories": ["territories", str(EXAMPLE_REGISTRY)],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_workbook_is_written_in_french_with_its_about_sheet(tmp_path, capsys, name):
    path = tmp_path / f"{name}.xlsx"
    assert main([*COMMANDS[name], "--xlsx", str(path)]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == SHEETS["about"] and len(book.sheetnames) >= 2
    about = {row[0]: row[1] for row in book[SHEETS["about"]].iter_rows(values_only=True)}
    assert about["Registre des CPTS"] == "registre illustratif fourni avec cpts-analysis"
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
        headers = [cell.value for cell in sheet[1]]
        assert all(header and "_" not in header for header in headers), headers
        assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert codes_in(workbook_cells(path)) == set()


def test_an_existing_file_is_never_replaced(tmp_path, capsys):
    path = tmp_path / "mien.xlsx"
    path.write_bytes(b"not ours")
    assert main([*COMMANDS["budget"], "--xlsx", str(path)]) == 2
    assert "le fichier existe déjà" in capsys.readouterr().err
    assert path.read_bytes() == b"not ours"
