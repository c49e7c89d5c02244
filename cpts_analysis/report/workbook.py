"""Workbooks people open and forward: French sheets, labels, number formats, « À propos ».

Written with xlsxwriter (a dependency already): it writes formats, frozen panes, filters and
column widths in one pass and is about twice as fast as openpyxl on a region's tables; openpyxl
stays the reader. Every text cell is written as text, never as a formula; text that a
spreadsheet would run (``=…``, ``+…``, ``-…``, ``@…``) carries Excel's quote prefix
(:mod:`cpts_analysis.core.cells`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cpts_analysis.analysis.readable import readable_frame
from cpts_analysis.core.cells import formula_like
from cpts_analysis.core.formatting import format_number
from cpts_analysis.core.vocabulary import ABOUT, SHEETS, YES_NO, Kind

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET = "history"  # Excel refuses a sheet named History
NUMBER_FORMATS = {
    Kind.AMOUNT: '#,##0 "€"',
    Kind.UNIT_AMOUNT: '#,##0.00 "€"',
    Kind.RATE: "0.0 %",
    Kind.DATE: "dd/mm/yyyy",
    Kind.DATETIME: "dd/mm/yyyy hh:mm",
    Kind.COUNT: "#,##0",
    Kind.INTEGER: "0",
    Kind.CODE: "@",
}
"""Excel number formats per column kind; Excel shows them with the reader's separators
(``185 000 €`` and ``57,4 %`` in a French Excel or LibreOffice)."""
WIDTH_MIN, WIDTH_MAX = 8, 60
AboutRows = Sequence[tuple[str, object]]


class _Styles:
    """The workbook's formats, made once per (kind, quoted) pair."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
        self._cache: dict[tuple[Kind | None, bool], Format | None] = {}

    def cell(self, kind: Kind | None, quoted: bool = False) -> Format | None:
        key = (kind, quoted)
        if key not in self._cache:
            spec: dict[str, Any] = {}
            if kind in NUMBER_FORMATS:
                spec["num_format"] = NUMBER_FORMATS[kind]
            if quoted:
                spec["quote_prefix"] = True
            self._cache[key] = self.workbook.add_format(spec) if spec else None
        return self._cache[key]


def write_workbook(
    path: Path,
    tables: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, Kind] | None = None,
    about: AboutRows = (),
) -> None:
    """One sheet per table (French name, French headers, labels for codes, number formats,
    frozen header row, filter, fitted widths), after an « À propos » sheet when ``about``
    has rows. ``labels`` and ``kinds`` name columns only the caller knows."""
    import xlsxwriter  # only the runner and the CLI write workbooks; a notebook opened by hand
    # does not

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    styles = _Styles(workbook)
    names = sheet_names([SHEETS["about"], *tables] if about else tables)
    if about:
        _write_about(workbook.add_worksheet(names.pop(0)), styles, about)
    for name, table in zip(names, tables.values(), strict=True):
        frame, column_kinds = readable_frame(table, labels, kinds)
        _write_table(workbook.add_worksheet(name), styles, frame, column_kinds)
    workbook.close()


def _write_table(
    sheet: Worksheet, styles: _Styles, frame: pd.DataFrame, kinds: list[Kind | None]
) -> None:
    headers = [str(column) for column in frame.columns]
    for number, (header, kind) in enumerate(zip(headers, kinds, strict=True)):
        sheet.write_string(0, number, header, styles.header)
        cells = [to_cell(value) for value in frame.iloc[:, number]]
        for row, value in enumerate(cells, start=1):
            write_cell(sheet, styles, row, number, value, kind)
        width = max([_width(header), *(_display_width(v, kind) for v in cells)])
        sheet.set_column(number, number, _fitted(width), styles.cell(kind))
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, len(frame), len(headers) - 1)


def _write_about(sheet: Worksheet, styles: _Styles, rows: AboutRows) -> None:
    sheet.write_string(0, 0, ABOUT["element"], styles.header)
    sheet.write_string(0, 1, ABOUT["value"], styles.header)
    for row, (label, value) in enumerate(rows, start=1):
        sheet.write_string(row, 0, label, styles.header)
        kind = Kind.DATETIME if isinstance(value, dt.datetime) else Kind.DATE
        write_cell(sheet, styles, row, 1, to_cell(value), kind)
    sheet.set_column(0, 0, _fitted(max(_width(label) for label, _ in rows)))
    sheet.set_column(1, 1, WIDTH_MAX)
    sheet.freeze_panes(1, 0)


def write_cell(
    sheet: Worksheet, styles: _Styles, row: int, column: int, value: Any, kind: Kind | None
) -> None:
    """One cell by its Python type; text always as text, quote-prefixed when it could run."""
    if value is None:
        return
    if isinstance(value, str):
        sheet.write_string(row, column, value, styles.cell(kind, quoted=formula_like(value)))
    elif isinstance(value, dt.date):
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        sheet.write_datetime(row, column, value, styles.cell(kind or Kind.DATE))
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, styles.cell(kind))
    else:
        sheet.write_string(row, column, str(value), styles.cell(kind))


def to_cell(value: Any) -> Any:
    """A value :func:`write_cell` knows: ``None`` for missing, Python scalars, datetimes."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool):
        return YES_NO[value]
    return value


def _display_width(value: Any, kind: Kind | None) -> float:
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
    return _width(str(value))


def _width(text: str) -> float:
    return max((len(line) for line in text.splitlines()), default=0)


def _fitted(width: float) -> float:
    return min(max(width + 2, WIDTH_MIN), WIDTH_MAX)


def sheet_names(names: Iterable[str]) -> list[str]:
    """Excel-valid sheet names: ≤ 31 characters, none of ``[]:*?/\\``, not starting or
    ending with ``'``, not « History », unique ignoring case. Accents are kept."""
    result: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'")[:SHEET_NAME_MAX].strip("'")
        if not base or base.lower() == _RESERVED_SHEET:
            base = f"{base or 'tableau'}_"
        candidate, number = base, 2
        while candidate.lower() in seen:
            suffix = f"~{number}"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
            number += 1
        seen.add(candidate.lower())
        result.append(candidate)
    return result
