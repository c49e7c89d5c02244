"""Territory analysis: CPTS populations and tiers, coverage, white zones, overlaps, EPCI, contours.

Inputs are the registry's ``cpts`` (``cpts_id``, ``nom``, ``departement`` …) and ``communes``
(``cpts_id``, ``code_commune``, optional ``part``) tables. A "unit" is a commune, or an
arrondissement municipal where the registry draws Paris, Lyon or Marseille by arrondissement:
units cover each territory exactly once, so populations add up without counting a city twice.

Shared communes: ``part`` is the share of a unit's population that belongs to a CPTS (1 when
absent). A CPTS's population is Σ part × population; a unit's covered share is the sum of its
parts over every CPTS, capped at 1 (a commune listed by two CPTS without parts, allowed as an
overlap, is covered once). Rounding: shares are summed exactly and only the totals (per CPTS,
per department or region, per white-zone commune) are rounded to the nearest inhabitant,
halves up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from cpts_analysis.aci.rules import rules_at
from cpts_analysis.core.cache import cached, digest, frame_digest
from cpts_analysis.core.types import DateLike
from cpts_analysis.territory.communes import (
    load_communes,
    load_departements,
    load_epci,
    load_epci_communes,
    load_regions,
)


def round_population(values: pd.Series | np.ndarray | list[float] | float) -> np.ndarray:
    """Nearest whole inhabitant, halves up (0.5 → 1): the one rounding of every shared figure."""
    return np.floor(np.asarray(values, dtype="float64") + 0.5).astype("int64")


def with_parts(memberships: pd.DataFrame) -> pd.DataFrame:
    """``cpts_id, code_commune, part`` (part 1.0 where the table has none), once per pair."""
    parts = (
        memberships["part"].astype("float64").fillna(1.0)
        if "part" in memberships.columns
        else pd.Series(1.0, index=memberships.index)
    )
    table = memberships[["cpts_id", "code_commune"]].assign(part=parts)
    return table.drop_duplicates(["cpts_id", "code_commune"])


def covered_shares(memberships: pd.DataFrame) -> pd.Series:
    """Per member unit code: the share of its population in some CPTS (Σ parts, at most 1)."""
    return with_parts(memberships).groupby("code_commune")["part"].sum().clip(upper=1.0)


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
    """One row per CPTS and member unit: its population and department, the CPTS's ``part``
    and ``population_cpts`` = part × population (not rounded).

    ``populations`` (indexed by code) replaces the shipped INSEE 2023 figures, e.g. to use
    another vintage.
    """
    units = territory_units(memberships["code_commune"])
    table = with_parts(memberships).merge(
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
    table["population_cpts"] = table["part"] * table["population"].astype("float64")
    return table.drop(columns="code")


def cpts_summary(
    cpts: pd.DataFrame,
    memberships: pd.DataFrame,
    date: DateLike | None = None,
    populations: pd.Series | None = None,
) -> pd.DataFrame:
    """Per CPTS: population (Σ part × population, rounded once), communes (a shared one
    counts for each of its CPTS), tier under the rules in force on ``date``, distances.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> summary = cpts.cpts_summary(registry.cpts, registry.communes, "2025-01-01")
        >>> sorted(summary["tier"].unique().tolist())
        [1, 2, 3, 4]
    """
    members = member_units(memberships, populations)
    sums = members.groupby("cpts_id").agg(
        population=("population_cpts", "sum"), communes=("code_commune", "nunique")
    )
    table = cpts.set_index("cpts_id").join(sums, how="left")
    table["population"] = round_population(table["population"].fillna(0))
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

    Coverage is by commune, whatever department the CPTS is attached to: a commune of the Ain
    in a CPTS of the Rhône counts for the Ain, so pass every membership of the registry. A
    shared commune counts once, for the share of it its CPTS cover together
    (``population_couverte`` is rounded once per department, and a region's is the sum of its
    departments', so that departments always add up to their region). ``communes_couvertes``
    counts the communes with any covered share. ``codes`` limits the output; by default the
    departments (regions) the registry touches.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> table = cpts.coverage(registry.communes, level="region")
        >>> table[["region", "population"]].values.tolist()
        [['84', 8205557]]
    """
    column = {"departement": "dep", "region": "reg"}[level]
    units = territory_units(memberships["code_commune"])
    share = units["code"].map(covered_shares(memberships)).fillna(0.0)
    covered = share > 0
    if codes is None:
        codes = sorted(units.loc[covered, column].unique())
    scope = units[units[column].isin(codes)]
    per_departement = (
        scope.assign(
            population_couverte=scope["population"].astype("float64") * share[scope.index],
            couverte=covered[scope.index],
        )
        .groupby(["dep", "reg"])
        .agg(
            population=("population", "sum"),
            population_couverte=("population_couverte", "sum"),
            communes=("code", "size"),
            communes_couvertes=("couverte", "sum"),
        )
    )
    per_departement["population_couverte"] = round_population(
        per_departement["population_couverte"]
    )
    table = per_departement.groupby(level=column).sum().reindex(codes, fill_value=0)
    table["taux"] = (table["population_couverte"] / table["population"].replace(0, np.nan)).fillna(
        0.0
    )
    names = (load_departements() if level == "departement" else load_regions()).set_index("code")
    table.insert(0, "nom", names["nom"].reindex(table.index))
    return table.rename_axis(level).reset_index()


def white_zones(memberships: pd.DataFrame, level: str, codes: list[str]) -> pd.DataFrame:
    """Units of the given departments (regions) not wholly covered, most uncovered first.

    ``part_non_couverte`` is the share no CPTS covers (1 for a commune outside every CPTS, less
    for a shared commune whose parts add up to less than 1) and ``population_non_couverte``
    that share of ``population``, rounded.
    """
    column = {"departement": "dep", "region": "reg"}[level]
    units = territory_units(memberships["code_commune"])
    share = units["code"].map(covered_shares(memberships)).fillna(0.0)
    open_share = (1.0 - share).round(9)
    units = units.assign(
        part_non_couverte=open_share,
        population_non_couverte=round_population(
            units["population"].astype("float64") * open_share
        ),
    )
    uncovered = units[units[column].isin(codes) & (open_share > 0)]
    return uncovered.sort_values(
        ["population_non_couverte", "code"], ascending=[False, True], ignore_index=True
    )[["code", "nom", "dep", "reg", "population", "part_non_couverte", "population_non_couverte"]]


def overlaps(memberships: pd.DataFrame) -> pd.DataFrame:
    """Communes counted in full by two CPTS or more (listed without parts, allowed as an
    overlap), with the list of those CPTS. Shared communes are in :func:`shared_communes`."""
    parts = with_parts(memberships)
    counts = parts.groupby("code_commune").agg(
        cpts=("cpts_id", "nunique"), cpts_ids=("cpts_id", sorted), total=("part", "sum")
    )
    over = counts[(counts["cpts"] > 1) & (counts["total"] > 1 + 1e-9)]
    return over[["cpts", "cpts_ids"]].rename_axis("code_commune").reset_index()


def shared_communes(memberships: pd.DataFrame) -> pd.DataFrame:
    """Units split between CPTS by parts: one row per unit and CPTS, with its part and share of
    the population (rounded), sorted by unit then CPTS."""
    parts = with_parts(memberships)
    shared = parts[parts["part"] < 1.0]
    codes = shared["code_commune"].unique()
    members = member_units(memberships[memberships["code_commune"].isin(codes)])
    members = members[members["code_commune"].isin(shared["code_commune"])]
    members = members.assign(population_cpts=round_population(members["population_cpts"]))
    columns = ["code_commune", "nom", "dep", "cpts_id", "part", "population", "population_cpts"]
    return members.sort_values(["code_commune", "cpts_id"], ignore_index=True)[columns]


def epci_composition(memberships: pd.DataFrame) -> pd.DataFrame:
    """Per CPTS and EPCI: member communes, the share of the EPCI's communes it covers, and the
    inhabitants it holds there.

    Arrondissements count for their city's EPCI. ``communes`` counts a shared commune for
    each of its CPTS; ``part_epci`` counts it for its part (a city drawn by arrondissement
    counts for its largest part); ``population`` is Σ part × population,
    rounded, and ``part_population_epci`` its share of the EPCI's population.
    """
    communes = load_communes()
    parent = communes.set_index("code")["commune_parent"]
    members = member_units(memberships)
    city = members["code_commune"].map(parent).fillna(members["code_commune"])
    epci_members = load_epci_communes()
    sizes = epci_members.groupby("epci").size().rename("communes_epci")
    table = (
        members.assign(commune=city, poids=members["part"])
        .groupby(["cpts_id", "commune"], as_index=False)
        .agg(population=("population_cpts", "sum"), poids=("poids", "max"))
        .merge(
            epci_members,
            left_on="commune",
            right_on="code_commune",
            how="left",
        )
        .groupby(["cpts_id", "epci"], dropna=False)
        .agg(communes=("commune", "size"), poids=("poids", "sum"), population=("population", "sum"))
        .reset_index()
        .join(sizes, on="epci")
    )
    table["part_epci"] = table.pop("poids") / table["communes_epci"]
    epci = load_epci().set_index("code")
    table["population"] = round_population(table["population"])
    table["part_population_epci"] = table["population"] / table["epci"].map(epci["population"])
    table.insert(2, "nom_epci", table["epci"].map(epci["nom"]))
    return table.sort_values(["cpts_id", "communes"], ascending=[True, False], ignore_index=True)


def cpts_contours(memberships: pd.DataFrame, region: str | None = None) -> pd.DataFrame:
    """Each CPTS's territory as the union of its units' contours (WGS84).

    Unions cost ~0.5 s for a region: kept in the on-disk cache, keyed by the memberships drawn.
    """
    region = region or single_region(memberships["code_commune"])
    pairs = memberships[["cpts_id", "code_commune"]]
    key = digest(region, frame_digest(pairs))
    return cached("contours", key, lambda: _contours(pairs, region))


def _contours(memberships: pd.DataFrame, region: str | None) -> pd.DataFrame:
    units = territory_units(memberships["code_commune"], geometry=True, region=region)
    members = memberships.merge(
        units[["code", "geometry"]], left_on="code_commune", right_on="code"
    )
    shapes = {
        cpts_id: shapely.union_all(group["geometry"].to_numpy())
        for cpts_id, group in members.groupby("cpts_id", sort=True)
    }
    return pd.DataFrame({"cpts_id": list(shapes), "geometry": list(shapes.values())})
