"""Importing a flat CPTS list (CPTS, commune[, department][, part]) into a registry.

Analysts receive CPTS lists as one sheet from an ARS, a CPAM or a federation, with communes
given by current code, by a code from before a merger, or by name in the forms people type.
:func:`import_flat_table` reads such a sheet, resolves every commune it can without guessing,
and returns registry tables in the ``template`` format plus a report of what it did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from cpts_analysis.territory.importing.composing import ImportResult, compose
from cpts_analysis.territory.importing.matching import CommuneMatcher, Resolution
from cpts_analysis.territory.importing.names import name_key, repair_encoding
from cpts_analysis.territory.importing.provenance import provenance_table
from cpts_analysis.territory.importing.source import FlatTable, read_flat_table
from cpts_analysis.territory.importing.states import parse_list_date, status_of

__all__ = [
    "CommuneMatcher",
    "FlatTable",
    "ImportResult",
    "Resolution",
    "import_flat_table",
    "name_key",
    "parse_list_date",
    "read_flat_table",
    "repair_encoding",
    "status_of",
]


def import_flat_table(
    source: str | Path,
    sheet: str | None = None,
    cpts_column: str | None = None,
    commune_column: str | None = None,
    departement_column: str | None = None,
    equal_parts: bool = False,
    statut_column: str | None = None,
    date_column: str | None = None,
    choices: Sequence[str] = (),
    day: dt.date | None = None,
) -> ImportResult:
    """Read and resolve the flat list at ``source``; nothing is written (see ``write_registry``).

    The tables include ``provenance``: the file, sheet, ``day`` of import (today by default),
    ``choices`` (the options as the user gave them), and every match and assumption made.
    """
    table = read_flat_table(
        source,
        sheet,
        cpts_column,
        commune_column,
        departement_column,
        statut_column,
        date_column,
    )
    result = compose(table, CommuneMatcher(), equal_parts=equal_parts)
    result.warnings[:0] = list(table.warnings)
    result.tables["provenance"] = provenance_table(
        table, result, Path(source).name, choices, day or dt.date.today()
    )
    return result
