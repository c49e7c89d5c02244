"""Territorial comparison: every table a comparison report shows, computed once, vectorised.

Notebooks call ``compare_territory`` and only display its tables; the headline figures it
returns are also what the report's JSON sidecar holds, so tests can check one against the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cpts_analysis.aci.funding import FUNDING_COLUMNS, compute_funding, round_cents
from cpts_analysis.aci.indicator_levels import mission_earned
from cpts_analysis.aci.parameter_files import ParameterTree
from cpts_analysis.aci.rules import RuleSet, rules_at
from cpts_analysis.aci.schedule import SCHEDULE_COLUMNS, payment_schedule
from cpts_analysis.analysis.contract_indicators import registry_indicator_levels
from cpts_analysis.analysis.display import FrenchTable
from cpts_analysis.core.formatting import sort_key
from cpts_analysis.core.types import DateLike
from cpts_analysis.territory.deployment import deployment_status
from cpts_analysis.territory.registry import Registry
from cpts_analysis.territory.resolution import Territory, cpts_in, resolve_territory
from cpts_analysis.territory.territories import (
    coverage,
    cpts_summary,
    overlaps,
    shared_communes,
    territory_units,
    white_zones,
)


@dataclass(frozen=True)
class FundingInputs:
    """The funding engine's inputs for the signed CPTS of a registry extract: typed rates
    (``achievements``) and amounts earned from the contract's indicators (``earned``) never
    cover the same mission-year (the registry's validation sees to it)."""

    contracts: pd.DataFrame
    missions: pd.DataFrame
    achievements: pd.DataFrame
    overrides: pd.DataFrame
    earned: pd.DataFrame = field(default_factory=pd.DataFrame)

    def funding(
        self,
        default_achievement: float = 1.0,
        tree: ParameterTree | None = None,
        rules_from: pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """``compute_funding`` on these inputs, under ``tree`` (default: the rules in force)."""
        return compute_funding(
            self.contracts,
            self.missions,
            achievements=self.achievements,
            overrides=self.overrides,
            default_achievement=default_achievement,
            tree=tree,
            rules_from=rules_from,
            earned=self.earned,
        )


def funding_inputs(
    registry: Registry, cpts: pd.DataFrame, populations: pd.Series, snp_supplement: bool = False
) -> FundingInputs:
    """Engine inputs of the signed CPTS among ``cpts``, mapped from the registry's French
    columns."""
    signed = cpts[cpts["date_signature"].notna()]
    ids = set(signed["cpts_id"])
    contracts = pd.DataFrame(
        {
            "cpts_id": signed["cpts_id"],
            "population": signed["cpts_id"].map(populations).fillna(0).astype("int64"),
            "signature": signed["date_signature"],
            "snp_supplement": snp_supplement,
        }
    )
    missions = registry.missions[registry.missions["cpts_id"].isin(ids)].rename(
        columns={"date_demarrage": "start"}
    )[["cpts_id", "mission", "start"]]
    achievements = registry.resultats[registry.resultats["cpts_id"].isin(ids)].rename(
        columns={"annee_contrat": "contract_year", "taux_atteinte": "achievement"}
    )
    overrides = registry.montants[registry.montants["cpts_id"].isin(ids)].rename(
        columns={"annee_contrat": "contract_year", "composante": "component", "montant": "amount"}
    )
    earned = mission_earned(registry_indicator_levels(registry, ids))
    return FundingInputs(contracts, missions, achievements, overrides, earned)


def registry_funding(
    registry: Registry,
    cpts: pd.DataFrame,
    populations: pd.Series,
    snp_supplement: bool = False,
    default_achievement: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Funding and payment schedule of the signed CPTS among ``cpts``."""
    if cpts["date_signature"].isna().all():  # no contract: no line, no payment
        return _empty(FUNDING_COLUMNS, "year_start", "year_end", "active_from"), _empty(
            SCHEDULE_COLUMNS, "date"
        )
    inputs = funding_inputs(registry, cpts, populations, snp_supplement)
    funding = inputs.funding(default_achievement)
    return funding, payment_schedule(funding, inputs.missions)


def _empty(columns: list[str], *dates: str) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame.astype(dict.fromkeys(dates, "datetime64[us]") | {"amount": "float64"})


@dataclass(frozen=True)
class Comparison(FrenchTable):
    territory: Territory
    date: pd.Timestamp
    rule_set: RuleSet
    cpts: pd.DataFrame  # one row per CPTS, display-ready columns
    memberships: pd.DataFrame  # cpts_id, code_commune of those CPTS
    funding: pd.DataFrame  # every contract year, long
    current: pd.DataFrame  # the contract year running on ``date``, long
    schedule: pd.DataFrame
    deployment: pd.DataFrame
    coverage: pd.DataFrame
    white_zones: pd.DataFrame
    overlaps: pd.DataFrame
    uncertain: pd.DataFrame  # amounts used whose status is not "confirmed"
    shared: pd.DataFrame  # communes split between CPTS by parts, one row per commune and CPTS
    neighbours: pd.DataFrame  # CPTS of other departments covering communes of the territory

    def headline(self) -> dict[str, float | int | str]:
        """Key figures (also the report's JSON sidecar)."""
        signed = self.cpts["date_signature"].notna()
        funded = self.cpts["financement_annuel"].fillna(0)
        population = int(self.coverage["population"].sum())
        covered = int(self.coverage["population_couverte"].sum())
        return {
            "territoire": self.territory.code,
            "niveau": self.territory.level,
            "nom": self.territory.name,
            "date_reference": self.date.date().isoformat(),
            "regles": self.rule_set.id,
            "nombre_cpts": len(self.cpts),
            "cpts_signees": int(signed.sum()),
            "population": population,
            "population_couverte": covered,
            "taux_couverture": round(covered / population, 4) if population else 0.0,
            "communes_zone_blanche": len(self.white_zones),
            "financement_annuel_total": float(round_cents(funded.sum())),
            "euros_par_habitant_couvert": round(float(funded.sum()) / covered, 2)
            if covered
            else 0.0,
            "missions_en_retard": int(self.deployment["etat"].isin(["en_retard"]).sum()),
            "cpts_en_renouvellement": int(
                self.current.loc[self.current["renewal"], "cpts_id"].nunique()
            ),
            "montants_non_confirmes": len(self.uncertain),
        }

    def to_frame(self) -> pd.DataFrame:
        """The CPTS of the territory, one row each (English columns, raw numbers)."""
        return self.cpts

    def display_title(self) -> str:
        return f"{self.territory.title} : CPTS au {self.date:%d/%m/%Y}"


NEIGHBOUR_COLUMNS = ["cpts_id", "nom", "departement", "communes", "noms"]
_NO_NEIGHBOURS = pd.DataFrame(columns=NEIGHBOUR_COLUMNS)


def neighbours(registry: Registry, attached: pd.DataFrame, scope: list[str]) -> pd.DataFrame:
    """The CPTS attached elsewhere that cover communes of the departments ``scope``: one row
    per CPTS with the number and the names of those communes (counted in coverage)."""
    outside = registry.communes[~registry.communes["cpts_id"].isin(attached["cpts_id"])]
    units = territory_units(outside["code_commune"]).set_index("code")
    local = outside.assign(
        dep=outside["code_commune"].map(units["dep"]),
        nom_commune=outside["code_commune"].map(units["nom"]),
    )
    local = local[local["dep"].isin(scope)]
    if local.empty:
        return _NO_NEIGHBOURS
    grouped = local.groupby("cpts_id").agg(
        communes=("code_commune", "nunique"),
        noms=("nom_commune", lambda n: ", ".join(sorted(set(n), key=sort_key))),
    )
    names = registry.cpts.set_index("cpts_id")[["nom", "departement"]]
    return grouped.join(names).reset_index()[NEIGHBOUR_COLUMNS]


def compare_territory(
    registry: Registry,
    territory: str,
    date: DateLike | None = None,
    snp_supplement: bool = False,
) -> Comparison:
    """All tables of the comparison report for ``territory`` on ``date`` (default today).

    ``territory`` is a department or region code, or ``departement:84`` / ``region:84`` where a
    code is both.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> loire = cpts.compare_territory(registry, "42", date="2025-01-01")
        >>> loire.territory.name, len(loire.cpts)
        ('Loire', 5)
    """
    day = pd.Timestamp(date if date is not None else dt.date.today()).normalize()
    where = resolve_territory(territory, registry)
    cpts = cpts_in(where, registry)
    memberships = registry.communes[registry.communes["cpts_id"].isin(cpts["cpts_id"])]
    summary = cpts_summary(cpts, memberships, day)
    populations = summary.set_index("cpts_id")["population"]
    funding, schedule = registry_funding(registry, cpts, populations, snp_supplement)
    running = (funding["year_start"] <= day) & (day < funding["year_end"])
    current = funding[running].reset_index(drop=True)
    deployment = deployment_status(cpts, registry.missions, day)

    per_cpts = current.groupby("cpts_id").agg(
        contract_year=("contract_year", "first"),
        renewal=("renewal", "first"),
        financement_annuel=("amount", "sum"),
    )
    states = (
        deployment.groupby(["cpts_id", "etat"])["mission"].agg(", ".join).unstack(fill_value="")
    )
    table = summary.join(per_cpts, on="cpts_id")
    table["euros_par_habitant"] = table["financement_annuel"] / table["population"].replace(
        0, np.nan
    )
    for state, column in (
        ("en_cours", "missions_en_cours"),
        ("demarree_en_retard", "missions_demarrees_en_retard"),
        ("en_retard", "missions_en_retard"),
    ):
        listed = states[state] if state in states else pd.Series(dtype=object)
        table[column] = table["cpts_id"].map(listed).astype(object).fillna("")
    table = table.sort_values(
        ["departement", "population"], ascending=[True, False], ignore_index=True
    )

    scope = list(where.departements)
    # Coverage is by commune: a CPTS attached to another department covers its communes here
    # too, so that a territory gets one figure everywhere (a single CPTS: its own communes).
    covering = memberships if where.level == "cpts" else registry.communes
    cover = coverage(covering, codes=scope)
    uncertain = (
        current[current["status"] != "confirmed"]
        .groupby(["mission", "component", "label", "tier", "status", "source"], as_index=False)
        .agg(cpts=("cpts_id", "nunique"), montant_total=("amount", "sum"))
    )
    return Comparison(
        territory=where,
        date=day,
        rule_set=rules_at(day),
        cpts=table,
        memberships=memberships,
        funding=funding,
        current=current,
        schedule=schedule,
        deployment=deployment,
        coverage=cover,
        white_zones=white_zones(covering, "departement", scope),
        neighbours=neighbours(registry, cpts, scope) if where.level != "cpts" else _NO_NEIGHBOURS,
        overlaps=overlaps(memberships),
        uncertain=uncertain,
        shared=shared_communes(memberships),
    )
