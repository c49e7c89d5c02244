"""Importing a flat CPTS list (CPTS, commune[, department][, part]) into a registry.

Analysts receive CPTS lists as one sheet from an ARS, a CPAM or a federation, with communes
given by current code, by a code from before a merger, or by name in the forms people type.
:func:`import_flat_table` reads such a sheet, resolves every commune it can without guessing,
and returns registry tables in the ``template`` format plus a report of what it did.
"""

from __future__ import annotations

from pathlib import Path

from cpts_analysis.territory.importing.composing import ImportResult, compose
from cpts_analysis.territory.importing.matching import CommuneMatcher, Resolution
from cpts_analysis.territory.importing.names import name_key, repair_encoding
from cpts_analysis.territory.importing.source import FlatTable, read_flat_table

__all__ = [
    "CommuneMatcher",
    "FlatTable",
    "ImportResult",
    "Resolution",
    "import_flat_table",
    "name_key",
    "read_flat_table",
    "repair_encoding",
]


def import_flat_table(
    source: str | Path,
    sheet: str | None = None,
    cpts_column: str | None = None,
    commune_column: str | None = None,
    departement_column: str | None = None,
    equal_parts: bool = False,
) -> ImportResult:
    """Read and resolve the flat list at ``source``; nothing is written (see ``write_registry``)."""
    table = read_flat_table(source, sheet, cpts_column, commune_column, departement_column)
    result = compose(table, CommuneMatcher(), equal_parts=equal_parts)
    result.warnings[:0] = list(table.warnings)
    return result
