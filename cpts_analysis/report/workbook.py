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

import numpy as np
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
        cells = _Cells(to_cells(frame.iloc[:, number]))
        cells.write(sheet, styles, number, kind)
        width = max(_width(header), cells.width(kind))
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
    _Cells([value], first_row=row).write(sheet, styles, column, kind)


class _Cells:
    """Cells of one column (:func:`to_cell` values) grouped by the xlsxwriter method that writes
    them, as ``(row, value)``: a cell's type is looked at once, a group's format once."""

    def __init__(self, cells: Iterable[Any], first_row: int = 1) -> None:
        self.texts: list[tuple[int, str]] = []
        self.unquoted: set[int] = set()  # rows of other objects' text, never quote-prefixed
        self.numbers: list[tuple[int, int | float]] = []
        self.dates: list[tuple[int, dt.datetime]] = []
        exact = {
            str: self.texts.append,
            float: self.numbers.append,
            int: self.numbers.append,
            dt.datetime: self.dates.append,
        }
        for row, value in enumerate(cells, start=first_row):
            if value is not None:
                exact.get(value.__class__, self._other)((row, value))

    def _other(self, cell: tuple[int, Any]) -> None:
        row, value = cell
        if isinstance(value, str):
            self.texts.append(cell)
        elif isinstance(value, dt.date):
            if not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value, dt.time())
            self.dates.append((row, value))
        elif isinstance(value, int | float):
            self.numbers.append(cell)
        else:  # another object: its text, as text
            self.texts.append((row, str(value)))
            self.unquoted.add(row)

    def write(self, sheet: Worksheet, styles: _Styles, column: int, kind: Kind | None) -> None:
        plain, quoted = styles.cell(kind), styles.cell(kind, quoted=True)
        for row, text in self.texts:
            style = quoted if formula_like(text) and row not in self.unquoted else plain
            sheet.write_string(row, column, text, style)
        for row, number in self.numbers:
            sheet.write_number(row, column, number, plain)
        dated = styles.cell(kind or Kind.DATE)
        for row, date in self.dates:
            sheet.write_datetime(row, column, date, dated)

    def width(self, kind: Kind | None) -> float:
        """The widest cell as a reader sees it: ``185 000 €``, ``57,4 %``, JJ/MM/AAAA, the
        longest line of a text."""
        numbers = [number for _, number in self.numbers]
        texts = {text for _, text in self.texts}
        return max(_number_width(numbers, kind), 10 if self.dates else 0, _text_width(texts))


def to_cells(values: pd.Series) -> list[Any]:
    """``[to_cell(v) for v in values]``, converted a column at a time where the dtype says
    what every value is (numbers, dates, text)."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        array = values.to_numpy()
        return _blanked(array.tolist(), ~np.isfinite(array))
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        stamps = pd.DatetimeIndex(values).to_pydatetime()  # an array in pandas 2 and 3 alike
        return _blanked(stamps.tolist(), values.isna().to_numpy())
    if isinstance(dtype, pd.StringDtype):
        return values.to_numpy(dtype=object, na_value=None).tolist()
    return [value if value.__class__ is str else to_cell(value) for value in values]


def _blanked(cells: list[Any], missing: np.ndarray) -> list[Any]:
    for position in np.flatnonzero(missing):
        cells[position] = None
    return cells


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


def _number_width(numbers: list[int | float], kind: Kind | None) -> float:
    """Width of the widest number as shown. Its text lengthens with its magnitude on either
    side of zero (rounding keeps the order, a minus sign only below zero), so the widest is
    the largest or the smallest: two numbers formatted, not the column."""
    if not numbers:
        return 0
    if kind is Kind.RATE:
        return 7
    decimals = 2 if kind is Kind.UNIT_AMOUNT else 0
    euros = 2 if kind in (Kind.AMOUNT, Kind.UNIT_AMOUNT) else 0
    return max(len(format_number(n, decimals)) for n in (max(numbers), min(numbers))) + euros


def _text_width(texts: Iterable[str]) -> float:
    """Width of the longest line; a text's length bounds its longest line, so texts are read
    longest first and only until none can be wider."""
    widest: float = 0
    for text in sorted(texts, key=len, reverse=True):
        if len(text) <= widest:
            break
        widest = max(widest, _width(text))
    return widest


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
