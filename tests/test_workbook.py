"""Workbooks people forward: French sheets and labels, formats, « À propos », no formula."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cpts_analysis.aci.missions import group_label
from cpts_analysis.analysis.readable import rule_set_labels
from cpts_analysis.core.formatting import format_number
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.core.vocabulary import (
    ABOUT,
    CPTS_STATES,
    HEADERS,
    SHEETS,
    STATUSES,
    YES_NO,
    Kind,
)
from cpts_analysis.report.about import DATA_VINTAGES, about_rows, package_version, registry_meta
from cpts_analysis.report.sidecars import save_sidecars
from cpts_analysis.report.workbook import (
    NUMBER_FORMATS,
    _Cells,
    sheet_names,
    to_cell,
    to_cells,
    write_workbook,
)
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
    from cpts_analysis.core.vocabulary import COLUMN_KINDS

    formatted = set(NUMBER_FORMATS)
    labelled = {Kind.YES_NO, Kind.MISSION, Kind.MISSIONS, Kind.RULE_SET, Kind.COMPONENT}
    assert set(COLUMN_KINDS.values()) <= formatted | labelled


def test_workbook_without_about(tmp_path):
    write_workbook(tmp_path / "t.xlsx", {"t": pd.DataFrame({"amount": [1.0]})})
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["t"]


def _display_width(value: object, kind: Kind | None) -> float:
    """The width of one cell as the workbook measured it cell by cell: the reference that
    the column-wide measure must equal."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, int | float):
        if kind is Kind.RATE:
            return 7
        decimals = 2 if kind is Kind.UNIT_AMOUNT else 0
        euros = kind in (Kind.AMOUNT, Kind.UNIT_AMOUNT)
        return len(format_number(value, decimals)) + (2 if euros else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _width_columns() -> list[list[object]]:
    rng = np.random.default_rng(84)
    return [
        list(rng.normal(0, 10.0 ** rng.integers(0, 10, 300))),  # every magnitude, both signs
        list(rng.integers(-(10**9), 10**9, 300)),
        list(rng.random(100)),  # rates
        list(np.round(rng.normal(0, 50, 100), 2)),  # euros per inhabitant
        [0.5, 1.5, 2.5, -0.5, 9.5, 99.5, -999.5, 999.499, 0.995, -0.005, 9.995, 99999.995],
        [-0.4, -0.2, 0.3, -0.0],  # negatives rounded to zero take no minus sign
        [-0.6, 0.3],
        [-1234.5, 999, 1000],  # ints and floats mixed
        [np.float64(-1e12), np.int64(7), True, np.nan, np.inf, None],
        [dt.datetime(2024, 1, 2, 10, 30), dt.date(2024, 1, 3), pd.Timestamp("2024-01-04"), None],
        [
            "court",
            "une ligne\nbien plus longue que la première",
            "a\r\nb",
            "x\u2028" + "y" * 30,
            "",
            "=SOMME(A1)",
        ],
        [1.5, "texte", dt.date(2024, 1, 1), None, Decimal("-12345.678"), -98765.4321],
        [],
    ]


@pytest.mark.parametrize("kind", [None, *Kind], ids=str)
def test_a_column_is_as_wide_as_its_widest_cell(kind):
    """The column is measured from its extremes and distinct texts, not cell by cell; the
    result must be the cell-by-cell measure, for every kind of column and value."""
    for column in _width_columns():
        cells = [to_cell(value) for value in column]
        expected = max([0, *(_display_width(cell, kind) for cell in cells)])
        assert _Cells(cells).width(kind) == expected, column
        for cell in cells:
            assert _Cells([cell]).width(kind) == _display_width(cell, kind), cell


SERIES = {
    "float": pd.Series([1.5, np.nan, -np.inf, np.inf, -0.0, 1e15, -2.25]),
    "float32": pd.Series([0.1, np.nan, -3], dtype="float32"),
    "int": pd.Series([1, -2, 3_000_000_000]),
    "uint8": pd.Series([1, 255], dtype="uint8"),
    "bool": pd.Series([True, False]),
    "datetime": pd.Series(pd.to_datetime(["2024-02-29 10:30", None, "1900-01-01 00:00"])),
    "datetime_s": pd.Series(pd.to_datetime(["2024-02-29", None])).astype("datetime64[s]"),
    "datetime_tz": pd.Series(pd.to_datetime(["2024-07-01 12:00", None])).dt.tz_localize(
        "Europe/Paris"
    ),
    "str": pd.Series(["a", None, "=b"], dtype="str"),
    "string": pd.Series(["a", None, "-c"], dtype="string"),
    "string_pyarrow": pd.Series(["a", None], dtype="string[pyarrow]"),
    "category": pd.Series(["a", None, "b"], dtype="category"),
    "Int64": pd.Series([1, None], dtype="Int64"),
    "Float64": pd.Series([1.5, None], dtype="Float64"),
    "boolean": pd.Series([True, None], dtype="boolean"),
    "empty": pd.Series([], dtype=float),
    "object": pd.Series(
        [
            None,
            pd.NA,
            pd.NaT,
            np.nan,
            float("inf"),
            np.float64(2.5),
            np.int64(-3),
            np.bool_(True),
            False,
            pd.Timestamp("2024-02-29 10:30"),
            dt.date(2024, 1, 2),
            Decimal("-1.5"),
            "=x",
            "texte",
        ],
        dtype=object,
    ),
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_a_column_converts_as_its_cells_one_by_one(name):
    values = SERIES[name]

    def typed(cells: list) -> list:
        return [(type(c), c, getattr(c, "tzinfo", None)) for c in cells]

    assert typed(to_cells(values)) == typed([to_cell(value) for value in values])


def test_every_kind_of_value_reads_back_with_its_format_prefix_and_width(tmp_path):
    """Values, number formats, quote prefixes and widths as a reader of the file sees them."""
    frame = pd.DataFrame(
        {
            "somme": [185000.0, -1234.5, np.nan, 0.4],
            "par_hab": [1.255, -0.004, 12.5, np.inf],
            "taux_x": [0.574, 1.0, None, -0.25],
            "jour": pd.to_datetime(["2024-02-29", None, "2021-04-22", "1999-12-31"]),
            "horodatage": pd.to_datetime(["2024-02-29 10:30", None, None, "2025-07-03 08:05"]),
            "habitants": [102001, 5, -1234567, 0],  # the widest is the smallest
            "millesime": [2024, 2025, 2026, 2027],
            "insee": ["01", "=1", None, "01024"],
            "texte": [
                "=HYPERLINK(x)",
                "ligne 1\nune deuxième ligne bien plus longue",
                "-Nord",
                None,
            ],
            "mixte": [-1.5, "+texte", dt.date(2024, 1, 1), None],
            "drapeau": [True, False, True, False],
        }
    )
    kinds = {
        "somme": Kind.AMOUNT,
        "par_hab": Kind.UNIT_AMOUNT,
        "taux_x": Kind.RATE,
        "jour": Kind.DATE,
        "horodatage": Kind.DATETIME,
        "habitants": Kind.COUNT,
        "millesime": Kind.INTEGER,
        "insee": Kind.CODE,
    }
    write_workbook(tmp_path / "t.xlsx", {"t": frame}, kinds=kinds)
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    euros, cents = NUMBER_FORMATS[Kind.AMOUNT], NUMBER_FORMATS[Kind.UNIT_AMOUNT]
    day, moment = NUMBER_FORMATS[Kind.DATE], NUMBER_FORMATS[Kind.DATETIME]
    blank = (None, "General", False)
    expected = {  # (value, number format, quote prefix) per row; the width set for the column
        "somme": (
            [(185000, euros, False), (-1234.5, euros, False), blank, (0.4, euros, False)],
            11,
        ),
        "par_hab": (
            [(1.255, cents, False), (-0.004, cents, False), (12.5, cents, False), blank],
            9,
        ),
        "taux_x": (
            [(0.574, "0.0 %", False), (1, "0.0 %", False), blank, (-0.25, "0.0 %", False)],
            9,
        ),
        "jour": (
            [
                (dt.datetime(2024, 2, 29), day, False),
                blank,
                (dt.datetime(2021, 4, 22), day, False),
                (dt.datetime(1999, 12, 31), day, False),
            ],
            12,
        ),
        "horodatage": (
            [
                (dt.datetime(2024, 2, 29, 10, 30), moment, False),
                blank,
                blank,
                (dt.datetime(2025, 7, 3, 8, 5), moment, False),
            ],
            12,
        ),
        "habitants": (
            [
                (102001, "#,##0", False),
                (5, "#,##0", False),
                (-1234567, "#,##0", False),
                (0, "#,##0", False),
            ],
            12,
        ),
        "millesime": (
            [(2024, "0", False), (2025, "0", False), (2026, "0", False), (2027, "0", False)],
            11,
        ),
        "insee": ([("01", "@", False), ("=1", "@", True), blank, ("01024", "@", False)], 8),
        "texte": (
            [
                ("=HYPERLINK(x)", "General", True),
                ("ligne 1\nune deuxième ligne bien plus longue", "General", False),
                ("-Nord", "General", True),
                blank,
            ],
            37,
        ),
        "mixte": (
            [
                (-1.5, "General", False),
                ("+texte", "General", True),
                (dt.datetime(2024, 1, 1), day, False),
                blank,
            ],
            12,
        ),
        "drapeau": ([(YES_NO[v], "General", False) for v in (True, False, True, False)], 9),
    }
    assert [cell.value for cell in sheet[1]] == list(expected)
    for number, (cells, width) in enumerate(expected.values(), start=1):
        read = [
            (cell.value, cell.number_format, bool(cell.quotePrefix))
            for cell in next(sheet.iter_cols(number, number, 2, 5))
        ]
        assert read == cells, sheet.cell(1, number).value
        letter = openpyxl.utils.get_column_letter(number)
        # xlsxwriter stores a width w as Excel does, w + 5/7 of a character rounded to 1/256
        assert sheet.column_dimensions[letter].width == width + 182 / 256, letter
