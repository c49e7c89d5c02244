"""The CPTS registry: which CPTS exist, their communes, missions, results and local amounts.

No official CPTS list is available offline (``data/README.md``), so the registry is the user's
own input and is read strictly: every cell as text first, then parsed and checked, and every
problem of every file is reported at once with its file (or sheet), row, column and a French
message, so that one round trip is enough to fix a spreadsheet.

A registry is a folder of CSV files (UTF-8, with or without BOM, ``,`` or ``;`` separated, as
Excel writes them in France) or one ``.xlsx`` workbook whose sheets have the same names. Rows
are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.
Blank rows (Excel's trailing ``;;;;`` lines) are skipped; their numbers are kept for the others.
"""

from cpts_analysis.territory.registry.loading import Registry, load_registry, validate_registry
from cpts_analysis.territory.registry.tables import MAX_PER_RULE, STATUTS, TABLES, TableSpec
from cpts_analysis.territory.registry.template import write_registry, write_template

__all__ = [
    "MAX_PER_RULE",
    "STATUTS",
    "TABLES",
    "Registry",
    "TableSpec",
    "load_registry",
    "validate_registry",
    "write_registry",
    "write_template",
]
