"""What-if scenarios: a CPTS crossing a tier threshold, two CPTS merging, one splitting, and
the same territory under another rule set.

All scenarios compare *full-year envelopes*: the first contract year of a contract signed on
the reference date, with the CPTS's current missions running all year and full achievement —
the yardstick of ``cpts-analysis funding``. Timing effects (prorata, late starts) are left out
on purpose so that only the scenario's change shows.
"""

from __future__ import annotations

import pandas as pd
import shapely

from cpts_analysis.aci.funding import compute_funding
from cpts_analysis.aci.rules import RuleSet, rule_sets, rules_at
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.types import DateLike
from cpts_analysis.territory.registry import Registry
from cpts_analysis.territory.territories import (
    member_units,
    round_population,
    single_region,
    territory_units,
)


def full_year_envelopes(
    cpts: pd.DataFrame, date: DateLike, snp_supplement: bool = False
) -> pd.Series:
    """Full-year envelope per ``cpts_id`` from ``population`` and ``missions`` (list of ids).

    Missions not in force on ``date`` (e.g. the crisis mission before avenant 2) are dropped.
    """
    day = pd.Timestamp(date)
    in_force = set(rules_at(day).missions)
    contracts = pd.DataFrame(
        {
            "cpts_id": cpts["cpts_id"],
            "population": cpts["population"],
            "signature": day,
            "snp_supplement": snp_supplement,
        }
    )
    missions = cpts[["cpts_id", "missions"]].explode("missions").dropna()
    missions = missions[missions["missions"].isin(in_force)].rename(columns={"missions": "mission"})
    funding = compute_funding(contracts, missions.assign(start=day))
    year = funding[funding["contract_year"] == 1]
    return year.groupby("cpts_id")["amount"].sum().reindex(cpts["cpts_id"]).fillna(0.0)


def current_missions(registry: Registry, date: DateLike) -> pd.Series:
    """Missions each CPTS runs on ``date`` (list per cpts_id)."""
    day = pd.Timestamp(date)
    running = registry.missions[registry.missions["date_demarrage"] <= day]
    return running.groupby("cpts_id")["mission"].agg(list)


def _with_missions(frame: pd.DataFrame, missions: pd.Series) -> pd.DataFrame:
    """Add the ``missions`` list column (empty list for a CPTS running none)."""
    listed = frame["cpts_id"].map(missions)
    return frame.assign(missions=[v if isinstance(v, list) else [] for v in listed])


def threshold_crossing(summary: pd.DataFrame, missions: pd.Series, date) -> pd.DataFrame:
    """Gain if each CPTS reached the next tier, loss if it fell to the previous one."""
    base = _with_missions(summary[["cpts_id", "nom", "population", "tier"]], missions)
    now = full_year_envelopes(base, date)
    up = base.assign(population=base["population"] + summary["distance_next_tier"].fillna(0))
    down = base.assign(population=base["population"] - summary["distance_previous_tier"].fillna(0))
    table = base.drop(columns="missions").assign(
        enveloppe=now.to_numpy(),
        habitants_pour_monter=summary["distance_next_tier"].to_numpy(),
        gain_si_monte=(full_year_envelopes(up, date) - now).to_numpy(),
        habitants_avant_descente=summary["distance_previous_tier"].to_numpy(),
        perte_si_descend=(full_year_envelopes(down, date) - now).to_numpy(),
    )
    table.loc[table["habitants_pour_monter"].isna(), "gain_si_monte"] = float("nan")
    table.loc[table["habitants_avant_descente"].isna(), "perte_si_descend"] = float("nan")
    return table


def merger(summary: pd.DataFrame, missions: pd.Series, first: str, second: str, date):
    """Two CPTS apart vs merged (population summed, union of their missions)."""
    pair = summary.set_index("cpts_id").loc[[first, second]].reset_index()
    apart = _with_missions(pair[["cpts_id", "nom", "population"]], missions)
    merged = pd.DataFrame(
        {
            "cpts_id": [f"{first}+{second}"],
            "nom": ["Fusion des deux"],
            "population": [int(pair["population"].sum())],
            "missions": [sorted(set().union(*apart["missions"]))],
        }
    )
    both = pd.concat([apart, merged], ignore_index=True)
    return pd.DataFrame(
        {
            "configuration": both["nom"],
            "population": both["population"],
            "enveloppe": full_year_envelopes(both, date).to_numpy(),
        }
    )


def split(registry: Registry, summary: pd.DataFrame, missions: pd.Series, cpts_id: str, date):
    """One CPTS vs the same territory split west/east into two halves of similar population
    (communes ordered by the longitude of a point inside each)."""
    memberships = registry.communes[registry.communes["cpts_id"] == cpts_id]
    if memberships["code_commune"].nunique() < 2:
        raise InputError.single(
            "decoupage", f"la CPTS « {cpts_id} » compte moins de deux communes : rien à scinder"
        )
    members = member_units(memberships)
    region = single_region(memberships["code_commune"])
    units = territory_units(memberships["code_commune"], geometry=True, region=region)
    points = units.set_index("code")["geometry"].reindex(members["code_commune"])
    members = members.assign(x=shapely.get_x(shapely.point_on_surface(points.to_numpy())))
    members = members.sort_values(["x", "code_commune"], ignore_index=True)
    people = members["population_cpts"]  # a shared commune counts for this CPTS's part only
    west = people.cumsum() <= people.sum() / 2
    west.iloc[0] = True
    own = _with_missions(pd.DataFrame({"cpts_id": [cpts_id]}), missions)["missions"].item()
    name = summary.set_index("cpts_id").loc[cpts_id, "nom"]
    parts = pd.DataFrame(
        {
            "cpts_id": [cpts_id, f"{cpts_id}-ouest", f"{cpts_id}-est"],
            "population": round_population([people.sum(), people[west].sum(), people[~west].sum()]),
            "missions": [own, own, own],
        }
    )
    return pd.DataFrame(
        {
            "configuration": [name, f"{name} — partie ouest", f"{name} — partie est"],
            "communes": [len(members), int(west.sum()), int((~west).sum())],
            "population": parts["population"],
            "enveloppe": full_year_envelopes(parts, date).to_numpy(),
        }
    )


def under_each_rule_set(summary: pd.DataFrame, missions: pd.Series) -> pd.DataFrame:
    """Full-year envelope of each CPTS under every rule set (its first day as the date)."""
    base = _with_missions(summary[["cpts_id", "nom", "population"]], missions)
    table = base.drop(columns="missions")
    sets: list[RuleSet] = rule_sets()
    for rule_set in sets:
        table[rule_set.id] = full_year_envelopes(base, rule_set.start).to_numpy()
    if len(sets) >= 2:
        table["ecart"] = table[sets[-1].id] - table[sets[-2].id]
    return table


def require_signed_pair(cpts: pd.DataFrame) -> pd.DataFrame:
    """The signed CPTS of ``cpts`` (registry or summary rows), when there are two to merge."""
    signed = cpts[cpts["date_signature"].notna()]
    if len(signed) < 2:
        raise InputError.single(
            "scenarios",
            f"au moins deux CPTS signées sont nécessaires pour simuler une fusion ({len(signed)} "
            "sur le territoire) : complétez le statut et la date de signature des CPTS dans le "
            "registre",
        )
    return signed


def default_choices(summary: pd.DataFrame) -> tuple[str, str, str]:
    """Merger pair and split candidate when the user names none: the two smallest signed CPTS
    of the department with the most signed CPTS, and the most populated CPTS that has at least
    two communes to share."""
    signed = require_signed_pair(summary)
    department = signed["departement"].value_counts().sort_index().idxmax()
    smallest = signed[signed["departement"] == department].sort_values(["population", "cpts_id"])
    divisible = summary[summary["communes"] >= 2]
    largest = divisible.sort_values(["population", "cpts_id"], ascending=[False, True])
    return smallest["cpts_id"].iloc[0], smallest["cpts_id"].iloc[1], largest["cpts_id"].iloc[0]


def merger_gain(table: pd.DataFrame) -> float:
    """Merged envelope minus the two separate ones (``merger`` output)."""
    return float(table["enveloppe"].iloc[-1] - table["enveloppe"].iloc[:-1].sum())


def split_gain(table: pd.DataFrame) -> float:
    """The two halves' envelopes minus the whole CPTS's (``split`` output)."""
    return float(table["enveloppe"].iloc[1:].sum() - table["enveloppe"].iloc[0])
