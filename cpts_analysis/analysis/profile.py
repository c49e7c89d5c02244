"""One CPTS in detail: territory, tier per contract year, 5-year envelope, dated payments,
achievement and local overrides.

The five years shown are the contract running on the reference date: the initial one, or its
tacit renewal (years 6–10) once the first five years are over.

A CPTS that has not signed yet gets an *indicative* contract: signed on the reference date,
each socle mission starting at its calendar deadline — what it would receive if it signed now.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cpts_analysis.aci.missions import deadlines
from cpts_analysis.aci.rules import rules_at
from cpts_analysis.analysis.comparison import registry_funding
from cpts_analysis.analysis.display import FrenchTable
from cpts_analysis.core.types import DateLike
from cpts_analysis.territory.registry import Registry
from cpts_analysis.territory.resolution import registry_cpts
from cpts_analysis.territory.territories import cpts_summary, epci_composition, member_units


@dataclass(frozen=True)
class Profile(FrenchTable):
    cpts: pd.Series  # the registry row plus population, tier and distances
    indicative: bool  # True when the contract is simulated (CPTS not signed)
    communes: pd.DataFrame
    epci: pd.DataFrame
    missions: pd.DataFrame
    funding: pd.DataFrame
    schedule: pd.DataFrame
    years: pd.DataFrame  # one row per contract year: dates, rule set, tier, total
    variable: pd.DataFrame  # variable parts: achievement, amount, and the maximum
    overrides: pd.DataFrame

    def headline(self) -> dict[str, float | int | str]:
        return {
            "cpts": str(self.cpts["cpts_id"]),
            "nom": str(self.cpts["nom"]),
            "population": int(self.cpts["population"]),
            "taille": int(self.cpts["tier"]),
            "contrat_indicatif": self.indicative,
            "enveloppe_5_ans": round(float(self.funding["amount"].sum()), 2),
            "versements": len(self.schedule),
            "montants_locaux": len(self.overrides),
        }

    def to_frame(self) -> pd.DataFrame:
        """The contract years: dates, rule set, tier, total (English columns, raw numbers)."""
        return self.years

    def display_title(self) -> str:
        return f"{self.cpts['nom']} : années de contrat"


def cpts_profile(registry: Registry, cpts_id: str, date: DateLike) -> Profile:
    """Everything the profile report shows about one CPTS on ``date``.

    An unsigned CPTS gets an *indicative* contract (signed on ``date``, socle missions starting
    at their deadlines), flagged by ``indicative``.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> profile = cpts.cpts_profile(registry, "ARA-42-01", "2025-01-01")
        >>> profile.cpts["nom"], profile.indicative
        ('CPTS du Pays Roannais', False)
    """
    day = pd.Timestamp(date)
    rows = registry_cpts(cpts_id, registry)
    memberships = registry.communes[registry.communes["cpts_id"] == cpts_id]
    summary = cpts_summary(rows, memberships, day)
    row = summary.iloc[0]
    indicative = pd.isna(row["date_signature"])
    missions = registry.missions[registry.missions["cpts_id"] == cpts_id]
    if indicative:
        rows = rows.assign(date_signature=day)
        socle = [m.id for m in rules_at(day).missions.values() if m.mandatory]
        starts = deadlines(pd.Series([day] * len(socle)), pd.Series(socle))["start_deadline"]
        missions = pd.DataFrame(
            {"cpts_id": cpts_id, "mission": socle, "date_demarrage": starts.to_numpy()}
        )
        registry = Registry(
            source=registry.source,
            cpts=rows,
            communes=memberships,
            missions=missions,
            resultats=registry.resultats.iloc[0:0],
            montants=registry.montants.iloc[0:0],
        )
    funding, schedule = registry_funding(registry, rows, summary.set_index("cpts_id")["population"])
    renewed = funding.loc[funding["renewal"], "year_start"]
    period = bool(len(renewed)) and day >= renewed.min()
    funding = funding[funding["renewal"] == period].reset_index(drop=True)
    schedule = schedule[schedule["contract_year"].isin(funding["contract_year"])]
    years = (
        funding.groupby("contract_year")
        .agg(
            debut=("year_start", "first"),
            fin=("year_end", "first"),
            regles=("rule_set", "first"),
            taille=("tier", "first"),
            renewal=("renewal", "first"),
            total=("amount", "sum"),
        )
        .reset_index()
    )
    variable = funding[funding["nature"] == "variable"].assign(
        maximum=lambda f: f["envelope"] * f["prorata"]
    )[["contract_year", "renewal", "mission", "achievement", "amount", "maximum"]]
    overrides = registry.montants[registry.montants["cpts_id"] == cpts_id]
    return Profile(
        cpts=row,
        indicative=bool(indicative),
        communes=member_units(memberships).sort_values(
            "population", ascending=False, ignore_index=True
        ),
        epci=epci_composition(memberships),
        missions=missions.sort_values("date_demarrage", ignore_index=True),
        funding=funding,
        schedule=schedule,
        years=years,
        variable=variable.reset_index(drop=True),
        overrides=overrides.reset_index(drop=True),
    )
