"""Reading a registry as text grids: a folder of CSV files or one workbook.

Every cell is read as text first so that validation sees exactly what the user typed; rows are
numbered as a spreadsheet shows them (header = row 1).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from cpts_analysis.core.cells import unquoted
from cpts_analysis.core.errors import Problem
from cpts_analysis.core.files import decode_text
from cpts_analysis.territory.registry.tables import LINE, TABLES, TableSpec

_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def encoding_warning(label: str) -> Problem:
    return Problem(
        label,
        "fichier non encodé en UTF-8, lu en Windows-1252 (le « CSV » d'Excel) : vérifiez les "
        "accents ; pour l'éviter, enregistrez en « CSV UTF-8 »",
        severity="warning",
    )


def read_csv_grid(file: Path, label: str) -> tuple[pd.DataFrame | Problem, list[Problem]]:
    """All cells as text, header included as row 0; the separator is guessed from the header.

    Returns the grid (or the problem that stopped reading) and warnings (encoding).
    """
    try:
        text, legacy = decode_text(file.read_bytes())
    except UnicodeDecodeError:
        return Problem(
            label,
            "fichier ni en UTF-8 ni en Windows-1252 (dans Excel : enregistrer en « CSV UTF-8 »)",
        ), []
    except OSError as error:
        return Problem(label, f"fichier illisible ({error.strerror})"), []
    warnings = [encoding_warning(label)] if legacy else []
    header = text.split("\n", 1)[0]
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=max((",", ";", "\t"), key=header.count),  # Excel: « CSV », « CSV ; », « Texte »
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        return Problem(label, "fichier vide : la ligne d'en-tête manque", row=1), warnings
    except pd.errors.ParserError as error:
        ragged = _RAGGED.search(str(error))
        if ragged is None:
            return Problem(label, f"fichier CSV illisible ({error})"), warnings
        expected, line, seen = ragged.groups()
        hint = (
            " : une ligne de titre au-dessus des en-têtes ? la ligne 1 doit porter les noms "
            "des colonnes (supprimez les lignes au-dessus)"
            if int(expected) == 1
            else ""
        )
        message = f"{seen} valeurs pour {expected} colonnes{hint}"
        return Problem(label, message, row=int(line)), warnings
    # A cell the toolkit neutralised (``'=…``, see core.cells) reads back as it was.
    return grid.map(lambda v: unquoted(v) if isinstance(v, str) else v), warnings


def cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold (dates as AAAA-MM-JJ)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(
    path: Path, specs: Iterable[TableSpec] | None = None
) -> tuple[dict[str, pd.DataFrame | Problem], list[Problem]]:
    """The sheets of ``specs`` (default: the registry's tables) as text grids: the values
    Excel saved, never a formula run here (a formula without a saved value is warned about)."""
    import openpyxl  # 0.15 s: only registries kept as workbooks pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as error:
        return {}, [Problem(path.name, f"classeur .xlsx illisible ({error})")]
    grids: dict[str, pd.DataFrame | Problem] = {}
    problems = []
    try:
        for spec in TABLES.values() if specs is None else specs:
            label = table_label(path, spec.name, workbook=True)
            same = [name for name in book.sheetnames if name.strip().casefold() == spec.name]
            sheet = spec.name if spec.name in book.sheetnames else (same[0] if same else None)
            if len(same) > 1:
                problems.append(
                    Problem(label, f"plusieurs feuilles pour une table : {', '.join(same)}")
                )
                continue
            if sheet is None:
                if spec.required:
                    found = ", ".join(book.sheetnames)
                    problems.append(
                        Problem(label, f"feuille absente (feuilles du classeur : {found})")
                    )
                continue
            rows = list(book[sheet].iter_rows(values_only=True))
            grids[spec.name] = (
                pd.DataFrame(rows, dtype=object).map(cell_text)
                if rows
                else Problem(label, "feuille vide : la ligne d'en-tête manque", row=1)
            )
            problems += uncached_formulas(formulas[sheet], rows, label)
    finally:
        book.close()
        formulas.close()
    return grids, problems


def uncached_formulas(sheet: Any, values: list[tuple[Any, ...]], label: str) -> list[Problem]:
    """A warning per formula the workbook holds without its result: a formula is never run
    here (only the value Excel saved with it is read), so such a cell reads as empty. Files
    written by programs rather than saved by Excel or LibreOffice have none."""
    header = [str(v).strip() if v is not None else "" for v in (values[0] if values else ())]
    problems = []
    for number, row in enumerate(sheet.iter_rows(values_only=True)):
        for position, text in enumerate(row):
            cached = values[number][position] if position < len(values[number]) else None
            if isinstance(text, str) and text.startswith("=") and cached is None:
                column = header[position] if position < len(header) else ""
                problems.append(
                    Problem(
                        label,
                        f"formule sans valeur enregistrée ({text[:60]}), lue comme vide : "
                        "ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le, ou "
                        "remplacez la formule par sa valeur",
                        row=number + 1,
                        field=column or f"n° {position + 1}",
                        severity="warning",
                    )
                )
    return problems


def read_folder(path: Path) -> tuple[dict[str, pd.DataFrame | Problem], list[Problem]]:
    grids: dict[str, pd.DataFrame | Problem] = {}
    problems = []
    for spec in TABLES.values():
        file = path / f"{spec.name}.csv"
        label = table_label(path, spec.name, workbook=False)
        if file.is_file():
            grids[spec.name], warnings = read_csv_grid(file, label)
            problems += warnings
        elif spec.required:
            found = ", ".join(sorted(p.name for p in path.glob("*.csv"))) or "aucun"
            problems.append(Problem(label, f"fichier absent (fichiers CSV du dossier : {found})"))
    return grids, problems


def table_label(path: Path, table: str, workbook: bool) -> str:
    return f"{path.name}, feuille {table}" if workbook else f"{table}.csv"


def table_frame(
    grid: pd.DataFrame, spec: TableSpec, label: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Known columns of a text grid plus ``LINE``; unknown columns are warned about and dropped."""
    header = [v.strip() if isinstance(v, str) else "" for v in grid.iloc[0]]
    body = grid.iloc[1:].fillna("").astype(str)
    body = body.apply(lambda column: column.str.strip())
    body = body[(body != "").any(axis=1)]
    problems = []
    kept: dict[str, pd.Series] = {}
    for position, name in enumerate(header):
        values = body.iloc[:, position]
        if name in kept:
            problems.append(Problem(label, "colonne présente deux fois", row=1, field=name))
        elif name in spec.columns:
            kept[name] = values
        elif name or (values != "").any():
            problems.append(
                Problem(
                    label,
                    f"colonne inconnue, ignorée (colonnes attendues : {', '.join(spec.columns)})",
                    row=1,
                    field=name or f"sans nom (n° {position + 1})",
                    severity="warning",
                )
            )
    problems += [
        Problem(label, "colonne obligatoire absente", row=1, field=name)
        for name in spec.columns
        if name not in kept and name not in spec.optional_columns
    ]
    for name in spec.optional_columns:
        kept.setdefault(name, pd.Series("", index=body.index))
    frame = pd.DataFrame(kept, index=body.index)
    frame[LINE] = body.index.to_numpy() + 1
    return frame.reset_index(drop=True), problems
