"""Territory analysis: CPTS populations and tiers, coverage, white zones, overlaps, EPCI, contours.

Inputs are the registry's ``cpts`` (``cpts_id``, ``nom``, ``departement`` …) and ``communes``
(``cpts_id``, ``code_commune``) tables. A "unit" is a commune, or an arrondissement municipal
where the registry draws Paris, Lyon or Marseille by arrondissement: units cover each territory
exactly once, so populations add up without counting a city twice.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from cpts_analysis.aci.rules import rules_at
from cpts_analysis.territory.communes import (
    load_communes,
    load_departements,
    load_epci,
    load_epci_communes,
    load_regions,
)


def territory_units(used_codes: pd.Series, geometry: bool = False, region: str | None = None):
    """Communes, with a city replaced by its arrondissements when the registry uses any of them."""
    communes = load_communes(geometry=geometry, region=region)
    used = set(pd.Series(used_codes, dtype=str))
    arm = communes[communes["type"] == "ARM"]
    split_cities = set(arm.loc[arm["code"].isin(used), "commune_parent"])
    keep = ((communes["type"] == "COM") & ~communes["code"].isin(split_cities)) | (
        (communes["type"] == "ARM") & communes["commune_parent"].isin(split_cities)
    )
    return communes[keep].reset_index(drop=True)


def single_region(codes: pd.Series) -> str | None:
    """The one region holding all ``codes`` (communes or ARM), else None: lets geometry be read
    for that region only, which is much lighter than all of France."""
    regions = load_communes().set_index("code")["reg"].reindex(pd.Series(codes, dtype=str))
    found = regions.dropna().unique()
    return str(found[0]) if len(found) == 1 and regions.notna().all() else None


def member_units(memberships: pd.DataFrame, populations: pd.Series | None = None):
    """One row per CPTS and member unit, with its population and department.

    ``populations`` (indexed by code) replaces the shipped INSEE 2023 figures, e.g. to use
    another vintage.
    """
    units = territory_units(memberships["code_commune"])
    table = memberships[["cpts_id", "code_commune"]].merge(
        units[["code", "nom", "dep", "reg", "population"]],
        left_on="code_commune",
        right_on="code",
        how="left",
        validate="many_to_one",
    )
    if table["code"].isna().any():
        unknown = sorted(table.loc[table["code"].isna(), "code_commune"].unique())
        raise ValueError(f"codes absent from the communes table: {unknown[:10]}")
    if populations is not None:
        table["population"] = table["code_commune"].map(populations).astype("Int64")
    return table.drop(columns="code")


def cpts_summary(
    cpts: pd.DataFrame,
    memberships: pd.DataFrame,
    date: dt.date | str | None = None,
    populations: pd.Series | None = None,
) -> pd.DataFrame:
    """Per CPTS: population, communes, tier under the rules in force on ``date``, distances.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> summary = cpts.cpts_summary(registry.cpts, registry.communes, "2025-01-01")
        >>> sorted(summary["tier"].unique().tolist())
        [1, 2, 3, 4]
    """
    members = member_units(memberships, populations)
    sums = members.groupby("cpts_id").agg(
        population=("population", "sum"), communes=("code_commune", "nunique")
    )
    table = cpts.set_index("cpts_id").join(sums, how="left")
    table["population"] = table["population"].fillna(0).astype("int64")
    table["communes"] = table["communes"].fillna(0).astype("int64")
    bounds = rules_at(date).tiers
    table["tier"] = bounds.tier(table["population"])
    table["distance_next_tier"] = bounds.distance_to_next(table["population"])
    table["distance_previous_tier"] = bounds.distance_to_previous(table["population"])
    return table.reset_index()


def coverage(
    memberships: pd.DataFrame, level: str = "departement", codes: list[str] | None = None
) -> pd.DataFrame:
    """Per department (or region): inhabitants and communes covered by at least one CPTS.

    ``codes`` limits the output; by default the departments (regions) the registry touches.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> table = cpts.coverage(registry.communes, level="region")
        >>> table[["region", "population"]].values.tolist()
        [['84', 8205557]]
    """
    column = {"departement": "dep", "region": "reg"}[level]
    units = territory_units(memberships["code_commune"])
    covered = units["code"].isin(memberships["code_commune"])
    if codes is None:
        codes = sorted(units.loc[covered, column].unique())
    scope = units[units[column].isin(codes)]
    in_scope = covered[scope.index]
    table = (
        scope.assign(
            population_couverte=scope["population"].where(in_scope, 0),
            couverte=in_scope,
        )
        .groupby(column)
        .agg(
            population=("population", "sum"),
            population_couverte=("population_couverte", "sum"),
            communes=("code", "size"),
            communes_couvertes=("couverte", "sum"),
        )
        .reindex(codes, fill_value=0)
    )
    table["taux"] = (table["population_couverte"] / table["population"].replace(0, np.nan)).fillna(
        0.0
    )
    names = (load_departements() if level == "departement" else load_regions()).set_index("code")
    table.insert(0, "nom", names["nom"].reindex(table.index))
    return table.rename_axis(level).reset_index()


def white_zones(memberships: pd.DataFrame, level: str, codes: list[str]) -> pd.DataFrame:
    """Units of the given departments (regions) that no CPTS covers, largest first."""
    column = {"departement": "dep", "region": "reg"}[level]
    units = territory_units(memberships["code_commune"])
    uncovered = units[units[column].isin(codes) & ~units["code"].isin(memberships["code_commune"])]
    return uncovered.sort_values(
        ["population", "code"], ascending=[False, True], ignore_index=True
    )[["code", "nom", "dep", "reg", "population"]]


def overlaps(memberships: pd.DataFrame) -> pd.DataFrame:
    """Communes that belong to two CPTS or more, with the list of those CPTS."""
    counts = memberships.groupby("code_commune")["cpts_id"].agg(["nunique", lambda s: sorted(s)])
    counts.columns = ["cpts", "cpts_ids"]
    return counts[counts["cpts"] > 1].rename_axis("code_commune").reset_index()


def epci_composition(memberships: pd.DataFrame) -> pd.DataFrame:
    """Per CPTS and EPCI: member communes, and the share of the EPCI's communes it covers.

    Arrondissements count for their city's EPCI.
    """
    communes = load_communes()
    parent = communes.set_index("code")["commune_parent"]
    city = memberships["code_commune"].map(parent).fillna(memberships["code_commune"])
    epci_members = load_epci_communes()
    sizes = epci_members.groupby("epci").size().rename("communes_epci")
    table = (
        memberships.assign(commune=city)
        .drop_duplicates(["cpts_id", "commune"])
        .merge(
            epci_members,
            left_on="commune",
            right_on="code_commune",
            how="left",
            suffixes=("", "_epci"),
        )
        .groupby(["cpts_id", "epci"], dropna=False)
        .size()
        .rename("communes")
        .reset_index()
        .join(sizes, on="epci")
    )
    table["part_epci"] = table["communes"] / table["communes_epci"]
    names = load_epci().set_index("code")["nom"]
    table.insert(2, "nom_epci", table["epci"].map(names))
    return table.sort_values(["cpts_id", "communes"], ascending=[True, False], ignore_index=True)


def cpts_contours(memberships: pd.DataFrame, region: str | None = None) -> pd.DataFrame:
    """Each CPTS's territory as the union of its units' contours (WGS84)."""
    region = region or single_region(memberships["code_commune"])
    units = territory_units(memberships["code_commune"], geometry=True, region=region)
    members = memberships.merge(
        units[["code", "geometry"]], left_on="code_commune", right_on="code"
    )
    shapes = {
        cpts_id: shapely.union_all(group["geometry"].to_numpy())
        for cpts_id, group in members.groupby("cpts_id", sort=True)
    }
    return pd.DataFrame({"cpts_id": list(shapes), "geometry": list(shapes.values())})
