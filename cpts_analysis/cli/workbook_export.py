"""``--xlsx FICHIER``: the tables a command prints, as a workbook an analyst can forward.

The same workbook as a report's ``tables.xlsx``: French sheets and headers, labels for codes,
number formats, and an « À propos » sheet saying which registry, date, rules and data produced
it. A file that already exists is never replaced: it may be someone's own.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cpts_analysis.core.errors import CptsError
from cpts_analysis.core.types import DateLike
from cpts_analysis.core.vocabulary import Kind
from cpts_analysis.territory.registry import Registry


def add_xlsx_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--xlsx",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="écrire aussi les tableaux dans un classeur Excel (en-têtes français, formats, "
        "feuille « À propos ») ; le fichier ne doit pas exister",
    )


def write_xlsx(
    path: Path | None,
    title: str,
    registry: Registry,
    date: DateLike,
    tables: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, Kind] | None = None,
) -> None:
    """Write ``tables`` to ``path`` (nothing when None), atomically."""
    if path is None:
        return
    from cpts_analysis.aci.rules import rules_at
    from cpts_analysis.core.files import atomic_path
    from cpts_analysis.report.about import about_rows, registry_meta
    from cpts_analysis.report.content import DATA_VINTAGES
    from cpts_analysis.report.workbook import write_workbook

    if path.suffix.lower() != ".xlsx":
        raise CptsError(f"--xlsx {path} : un nom de fichier en .xlsx est attendu")
    if path.exists():
        raise CptsError(f"--xlsx {path} : le fichier existe déjà (choisissez un autre nom)")
    rules = rules_at(date)
    meta = {
        "title": title,
        "registry": registry_meta(registry),
        "reference_date": pd.Timestamp(date).date().isoformat(),
        "rule_set": rules.describe_period(),
        "data_vintages": DATA_VINTAGES,
    }
    with atomic_path(path) as temporary:
        write_workbook(temporary, tables, labels, kinds, about=about_rows(meta))
