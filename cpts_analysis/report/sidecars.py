"""What a report notebook hands back besides its HTML: headline figures and tables, as files.

The batch index and comparison pages read ``headline.json`` instead of scraping cell outputs,
and users get the tables as a workbook. Imported inside notebook kernels: keep it light.

``meta`` keys the runner understands (all optional): ``title`` (report title), ``rule_set``,
``data_vintages`` (name → vintage), ``parameter_labels`` (parameter → French label) and
``parameters``. ``generated_at`` is added here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cpts_analysis.core.files import atomic_path, write_text_atomic
from cpts_analysis.core.vocabulary import to_french

HEADLINE_FILE = "headline.json"
TABLES_FILE = "tables.xlsx"
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def save_sidecars(
    output_dir: str,
    headline: dict,
    tables: dict[str, pd.DataFrame],
    meta: dict,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Write ``tables.xlsx`` then ``headline.json`` into ``output_dir``; no-op when it is ``""``.

    The workbook's headers are French (:func:`~cpts_analysis.core.vocabulary.to_french`;
    ``labels`` for columns only the caller can name, such as rule set ids).

    ``""`` is the template default, so a notebook opened by hand runs without writing anywhere.
    ``headline.json`` comes last: its presence tells the runner the notebook reached its end.
    Nothing is printed, so the generation time never lands in a cell output.
    """
    if not output_dir:
        return
    folder = Path(output_dir)
    if tables:
        with atomic_path(folder / TABLES_FILE) as temporary:
            write_workbook(temporary, tables, labels)
    payload = {
        "headline": to_json(headline),
        "meta": {**to_json(meta), "generated_at": dt.datetime.now().isoformat(timespec="seconds")},
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False)
    write_text_atomic(folder / HEADLINE_FILE, text + "\n")


def write_workbook(
    path: Path, tables: dict[str, pd.DataFrame], labels: Mapping[str, str] | None = None
) -> None:
    """One sheet per table, French headers, a bold header row, a meaningful index kept as
    first columns.

    Written column by column with xlsxwriter rather than through ``DataFrame.to_excel``, which
    formats every cell in Python: a region's tables (~100 000 cells) took 2.5 s with openpyxl,
    1 s with pandas over xlsxwriter. Missing values are left blank, dates are real dates.
    """
    import xlsxwriter  # only the runner writes workbooks; notebooks opened by hand do not

    workbook = xlsxwriter.Workbook(
        str(path), {"default_date_format": "dd/mm/yyyy", "remove_timezone": True}
    )
    bold = workbook.add_format({"bold": True})
    for name, table in zip(sheet_names(tables), tables.values(), strict=True):
        frame = table if isinstance(table.index, pd.RangeIndex) else table.reset_index()
        frame = to_french(frame, labels, strict=False)
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, [str(column) for column in frame.columns], bold)
        for number, (_, column) in enumerate(frame.items()):
            values = column.astype(object).where(column.notna(), None)
            sheet.write_column(1, number, [to_cell(value) for value in values])
    workbook.close()


def to_cell(value: Any) -> Any:
    """A value xlsxwriter writes as is: Python scalars, datetimes; anything else as text."""
    if value is None or isinstance(value, bool | int | float | str | dt.date | dt.timedelta):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return str(value)


def read_headline(folder: Path) -> dict:
    """``{"headline": {...}, "meta": {...}}`` as written by :func:`save_sidecars`."""
    return json.loads((folder / HEADLINE_FILE).read_text(encoding="utf-8"))


def sheet_names(names: Iterable[str]) -> list[str]:
    """Excel-valid sheet names: ≤ 31 characters, none of ``[]:*?/\\``, unique ignoring case."""
    result: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'")[:SHEET_NAME_MAX] or "tableau"
        candidate, number = base, 2
        while candidate.lower() in seen:
            suffix = f"~{number}"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
            number += 1
        seen.add(candidate.lower())
        result.append(candidate)
    return result


def to_json(value: Any) -> Any:
    """Plain JSON data from what notebooks compute (numpy scalars, timestamps, NaN → null)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return to_json(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"valeur non convertible en JSON : {value!r} ({type(value).__name__})")
