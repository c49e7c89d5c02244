"""Validating and loading a registry: the entry points every command and notebook uses."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cpts_analysis.core.cache import cached, digest, files_digest
from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.territory.registry.checks import RegistryChecks
from cpts_analysis.territory.registry.history import map_former_codes
from cpts_analysis.territory.registry.reading import (
    read_folder,
    read_workbook,
    table_frame,
    table_label,
)
from cpts_analysis.territory.registry.tables import ORDER, TABLES, coded, typed


@dataclass(frozen=True, eq=False)
class Registry:
    """A registry that passed validation, with parsed columns.

    Dates are ``datetime64`` (``NaT`` for a CPTS not yet signed), ``annee_contrat`` is
    ``int64``, ``taux_atteinte``, ``montant`` and ``valeur`` (of ``indicateurs``) are
    ``float64``, as are the starting values, thresholds and amounts of
    ``indicateurs_contrat``; ``resultats_indicateurs.valeur`` stays text (a number or
    ``oui``/``non``). Absent optional tables are empty frames with the same columns.
    ``warnings`` are the non-blocking problems found. ``provenance`` (``element``, ``valeur``:
    text) is what ``import`` recorded of the list the registry came from (source, sheet, date,
    choices, names matched, assumptions); empty for a registry written by hand.
    """

    source: Path
    cpts: pd.DataFrame
    communes: pd.DataFrame
    missions: pd.DataFrame
    resultats: pd.DataFrame
    montants: pd.DataFrame
    warnings: tuple[Problem, ...] = ()
    indicateurs: pd.DataFrame = field(default_factory=lambda: typed(TABLES["indicateurs"], None))
    catalogue_indicateurs: pd.DataFrame = field(
        default_factory=lambda: typed(TABLES["catalogue_indicateurs"], None)
    )
    indicateurs_contrat: pd.DataFrame = field(
        default_factory=lambda: typed(TABLES["indicateurs_contrat"], None)
    )
    resultats_indicateurs: pd.DataFrame = field(
        default_factory=lambda: typed(TABLES["resultats_indicateurs"], None)
    )
    provenance: pd.DataFrame = field(default_factory=lambda: typed(TABLES["provenance"], None))


def validate_registry(path: str | Path, allow_overlap: bool = False) -> list[Problem]:
    """Every problem of the registry at ``path`` (errors and warnings, see ``severity``).

    Each problem names its file (or sheet), row and column, in French, so that one round trip
    is enough to fix a spreadsheet.

    Examples:
        >>> import cpts_analysis as cpts
        >>> cpts.validate_registry("data/exemple_ara")
        []
    """
    return _validate(Path(path), allow_overlap)[0]


def load_registry(path: str | Path, allow_overlap: bool = False) -> Registry:
    """The parsed registry; ``InputError`` listing every problem if any of them is an error.

    ``allow_overlap`` turns "commune in two CPTS" into a warning (territories being redrawn).
    A registry whose files are unchanged (same paths, sizes and modification times) is
    validated once per process — a batch worker's warm kernel reuses it — and a valid one is
    kept in the on-disk cache (:mod:`~cpts_analysis.core.cache`), keyed by its files' bytes,
    for the next process; every call gets its own copies of the tables.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> len(registry.cpts), registry.cpts.columns.tolist()
        (56, ['cpts_id', 'nom', 'departement', 'date_signature', 'statut'])
    """
    source = Path(path)
    cached = _load_validated(source.resolve(), allow_overlap, _stamps(source))
    tables = {name: getattr(cached, name).copy() for name in TABLES}
    return Registry(source=source, warnings=cached.warnings, **tables)


def _stamps(source: Path) -> tuple[tuple[str, int, int], ...]:
    if not source.exists():
        return ()
    files = sorted(source.iterdir()) if source.is_dir() else [source]
    stats = [(f.name, f.stat()) for f in files if f.is_file()]
    return tuple((name, stat.st_size, stat.st_mtime_ns) for name, stat in stats)


@functools.lru_cache(maxsize=4)
def _load_validated(
    source: Path, allow_overlap: bool, _stamps: tuple[tuple[str, int, int], ...]
) -> Registry:
    if not _stamps:  # absent: _validate names the problem
        return _validated(source, allow_overlap)
    files = sorted(source.iterdir()) if source.is_dir() else [source]
    key = digest(str(source), allow_overlap, files_digest(f for f in files if f.is_file()))
    return cached("registry", key, lambda: _validated(source, allow_overlap))


def _validated(source: Path, allow_overlap: bool) -> Registry:
    """Validation proper (~0.4 s for the shipped example): errors raise, never stored."""
    problems, frames = _validate(source, allow_overlap)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    tables = {name: typed(spec, frames.get(name)) for name, spec in TABLES.items()}
    return Registry(source=source, warnings=tuple(problems), **tables)


def _validate(path: Path, allow_overlap: bool) -> tuple[list[Problem], dict[str, pd.DataFrame]]:
    if path.is_dir():
        grids, problems = read_folder(path)
    elif path.is_file() and path.suffix.lower() == ".xlsx":
        grids, problems = read_workbook(path)
    else:
        what = "introuvable" if not path.exists() else "ni dossier de CSV ni classeur .xlsx"
        return [Problem(str(path), f"registre {what}")], {}
    workbook = not path.is_dir()
    frames = {}
    for name, grid in grids.items():
        label = table_label(path, name, workbook)
        if isinstance(grid, Problem):
            problems.append(grid)
        else:
            frames[name], found = table_frame(grid, TABLES[name], label)
            frames[name] = coded(frames[name])
            problems += found
    if "communes" in frames:
        frames["communes"], found = map_former_codes(
            frames["communes"], table_label(path, "communes", workbook)
        )
        problems += found
    checks = RegistryChecks(
        frames, {n: table_label(path, n, workbook) for n in TABLES}, allow_overlap
    )
    checks.run()
    order = {table_label(path, n, workbook): i for n, i in ORDER.items()}
    keyed: list[tuple[int, float, Problem]] = [
        (order.get(p.file, -1), -1 if p.row is None else p.row, p) for p in problems
    ]
    keyed += checks.found
    keyed.sort(key=lambda item: item[:2])
    return [p for *_, p in keyed], frames
