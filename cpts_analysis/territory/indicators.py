"""Territory indicators: commune values aggregated per CPTS, and the ones the package ships.

User indicators come as ``code_commune, indicateur, valeur`` rows with a catalogue
``indicateur, libelle, unite, agregation``; ``agregation`` says how communes make a CPTS:

* ``somme``: Σ part × valeur (a count: professionals, visits, inhabitants over 75 …);
* ``moyenne_ponderee_population``: Σ part × population × valeur / Σ part × population (a rate
  or a mean: share of inhabitants over 75, median income …).

``part`` is the share of a commune's population that belongs to the CPTS when the registry's
``communes`` table gives it (a commune shared by two CPTS), 1 otherwise. A CPTS commune without
a value is left out of the aggregate and counted in ``communes_renseignees``, so a partial sum is
visible rather than silently lower.

Shipped indicators, from the reference data alone (``data/README.md``):

* ``surface`` (km²): Σ part × area of the member units, areas measured on the WGS 84 /
  NSIDC EASE-Grid 2.0 Global projection (EPSG:6933, cylindrical equal-area: exact areas for
  mainland France and the overseas departments alike);
* ``densite`` (inhabitants/km²): population / surface of the CPTS — a ratio of sums, not an
  average of commune densities (which neither aggregation above would give).

The reference data hold nothing else per commune but names, codes, EPCI and population, so no
other indicator can honestly be derived (no age, income, health workforce, or INSEE density
grid, which is computed on 1 km squares, not communes).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyproj
import shapely

from cpts_analysis.territory.territories import single_region, territory_units

AGGREGATIONS = {
    "somme": "somme des communes",
    "moyenne_ponderee_population": "moyenne des communes pondérée par la population",
}
EQUAL_AREA_CRS = "EPSG:6933"
SHIPPED_CATALOGUE = pd.DataFrame(
    {
        "indicateur": ["densite", "surface"],
        "libelle": ["Densité de population", "Surface"],
        "unite": ["hab./km²", "km²"],
        "agregation": ["population / surface", "somme"],
        "source": [
            "Insee, populations légales 2023 ; IGN ADMIN EXPRESS (surfaces en projection "
            "équivalente EPSG:6933)",
            "IGN ADMIN EXPRESS (surfaces en projection équivalente EPSG:6933)",
        ],
    }
)
INDICATOR_COLUMNS = ["cpts_id", "indicateur", "valeur", "communes", "communes_renseignees"]


@functools.lru_cache(maxsize=1)
def _to_equal_area() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)


def equal_area_km2(geometries: np.ndarray | pd.Series) -> np.ndarray:
    """Areas in km² of lon/lat (EPSG:4326) geometries, on an equal-area projection."""
    transformer = _to_equal_area()
    projected = shapely.transform(
        np.asarray(geometries, dtype=object),
        lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
    )
    return shapely.area(projected) / 1e6


def _weighted_members(memberships: pd.DataFrame) -> pd.DataFrame:
    """Members with their unit's population and ``part`` (1 where the registry gives none)."""
    units = territory_units(memberships["code_commune"])
    population = units.set_index("code")["population"].astype("float64")
    weight = (
        pd.to_numeric(memberships["part"], errors="coerce").fillna(1.0)
        if "part" in memberships.columns
        else pd.Series(1.0, index=memberships.index)
    )
    return pd.DataFrame(
        {
            "cpts_id": memberships["cpts_id"].to_numpy(),
            "code_commune": memberships["code_commune"].to_numpy(),
            "part": weight.to_numpy(dtype="float64"),
            "population": memberships["code_commune"].map(population).to_numpy(dtype="float64"),
        }
    )


def aggregate_indicators(
    memberships: pd.DataFrame, values: pd.DataFrame, catalogue: pd.DataFrame
) -> pd.DataFrame:
    """Per CPTS and catalogue indicator: the aggregate and how many communes had a value."""
    members = _weighted_members(memberships)
    sizes = members.groupby("cpts_id").size().rename("communes")
    rows = members.merge(
        values[["code_commune", "indicateur", "valeur"]], on="code_commune", how="inner"
    ).merge(catalogue[["indicateur", "agregation"]], on="indicateur", how="inner")
    mean = rows["agregation"] == "moyenne_ponderee_population"
    weight = rows["part"] * np.where(mean, rows["population"], 1.0)
    rows = rows.assign(numerator=weight * rows["valeur"], denominator=weight)
    grouped = rows.groupby(["cpts_id", "indicateur"], as_index=False).agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        communes_renseignees=("code_commune", "nunique"),
        agregation=("agregation", "first"),
    )
    is_mean = grouped["agregation"] == "moyenne_ponderee_population"
    grouped["valeur"] = grouped["numerator"].where(
        ~is_mean, grouped["numerator"] / grouped["denominator"].replace(0, np.nan)
    )
    grouped["communes"] = grouped["cpts_id"].map(sizes)
    return grouped[INDICATOR_COLUMNS]


def shipped_indicators(memberships: pd.DataFrame) -> pd.DataFrame:
    """``surface`` and ``densite`` of every CPTS of ``memberships``, from the reference data."""
    members = _weighted_members(memberships)
    region = single_region(memberships["code_commune"])
    units = territory_units(memberships["code_commune"], geometry=True, region=region)
    areas = pd.Series(equal_area_km2(units["geometry"]), index=units["code"])
    members["surface"] = members["part"] * members["code_commune"].map(areas).to_numpy()
    members["habitants"] = members["part"] * members["population"]
    sums = members.groupby("cpts_id").agg(
        surface=("surface", "sum"),
        habitants=("habitants", "sum"),
        communes=("code_commune", "size"),
    )
    sums["densite"] = sums["habitants"] / sums["surface"].replace(0, np.nan)
    long = (
        sums[["densite", "surface"]]
        .rename_axis(columns="indicateur")
        .stack()
        .rename("valeur")
        .reset_index()
    )
    long["communes"] = long["cpts_id"].map(sums["communes"])
    long["communes_renseignees"] = long["communes"]
    return long[INDICATOR_COLUMNS]
