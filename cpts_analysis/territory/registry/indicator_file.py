"""Indicators kept outside the registry (``--indicateurs PATH``), checked like the registry.

``PATH`` is either a ``.xlsx`` workbook with the sheets ``indicateurs`` and
``catalogue_indicateurs``, or a ``.csv`` file of values whose catalogue is the file
``catalogue_indicateurs.csv`` of the same folder. The registry must then have no indicator
table of its own: two sources for the same values would leave one of them unused.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.territory.registry.check_indicators import IndicatorChecks
from cpts_analysis.territory.registry.check_tables import TableChecks
from cpts_analysis.territory.registry.loading import Registry
from cpts_analysis.territory.registry.reading import (
    read_csv_grid,
    read_workbook,
    table_frame,
    table_label,
)
from cpts_analysis.territory.registry.tables import INDICATOR_TABLES, TABLES, typed

CATALOGUE_FILE = "catalogue_indicateurs.csv"


class _Checks(TableChecks, IndicatorChecks):
    def run(self) -> None:
        self.check_empty_values()
        for table in INDICATOR_TABLES:
            self.check_duplicate_keys(table)
        self.check_indicators()


def load_indicator_file(path: str | Path) -> dict[str, pd.DataFrame]:
    """``indicateurs`` and ``catalogue_indicateurs`` tables, parsed; ``InputError`` listing
    every problem (file, row, column) otherwise."""
    source = Path(path)
    specs = [dataclasses.replace(TABLES[name], required=True) for name in INDICATOR_TABLES]
    workbook = source.suffix.lower() == ".xlsx"
    if workbook and source.is_file():
        grids, problems = read_workbook(source, specs)
        labels = {name: table_label(source, name, workbook=True) for name in INDICATOR_TABLES}
    elif source.suffix.lower() == ".csv" and source.is_file():
        catalogue = source.parent / CATALOGUE_FILE
        labels = {"indicateurs": source.name, "catalogue_indicateurs": CATALOGUE_FILE}
        grids, problems = {}, []
        for name, file in (("indicateurs", source), ("catalogue_indicateurs", catalogue)):
            if file.is_file():
                grids[name], warnings = read_csv_grid(file, labels[name])
                problems += warnings
        if not catalogue.is_file():
            problems.append(Problem(CATALOGUE_FILE, f"fichier absent du dossier {source.parent}"))
    else:
        what = "introuvable" if not source.exists() else "ni fichier .csv ni classeur .xlsx"
        raise InputError.single(str(source), f"fichier d'indicateurs {what}")
    frames = {}
    for name, grid in grids.items():
        if isinstance(grid, Problem):
            problems.append(grid)
        else:
            frames[name], found = table_frame(grid, TABLES[name], labels[name])
            problems += found
    checks = _Checks(frames, labels, overlap=False)
    checks.run()
    problems += [problem for *_, problem in sorted(checks.found, key=lambda f: f[:2])]
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return {name: typed(TABLES[name], frames.get(name)) for name in INDICATOR_TABLES}


def with_indicator_file(registry: Registry, path: str | Path | None) -> Registry:
    """``registry`` with the indicators of ``path`` (see the module docstring); unchanged when
    ``path`` is empty (no separate file)."""
    if not path:
        return registry
    if not (registry.indicateurs.empty and registry.catalogue_indicateurs.empty):
        raise InputError.single(
            str(path),
            f"le registre {registry.source} contient déjà des indicateurs : gardez-les dans "
            "le registre ou dans ce fichier, pas dans les deux",
        )
    return dataclasses.replace(registry, **load_indicator_file(path))
