"""Yearly budget of a territory: what the payers (CPAM, ARS) disburse each calendar year.

The budget is the payment schedule of every signed CPTS of the territory (``aci.schedule``,
built from the registry's results, local amounts and tacit renewals exactly as the comparison
report does), summed by calendar year of the payment date, by mission and component.

``projected``: a payment is *projected* when its date falls after the reference date, *past*
otherwise (due on or before it). A year is projected when it holds at least one projected
payment, so only years whose every payment is already due count as past. Past amounts are
the amounts due under the rules and the registry (achievement rates, 100 % where none is
given), not accounting records of what was actually paid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from cpts_analysis.aci.funding import round_cents
from cpts_analysis.aci.missions import group_label, mission_order
from cpts_analysis.analysis.comparison import registry_funding
from cpts_analysis.analysis.display import FrenchTable, french_html
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.types import DateLike
from cpts_analysis.core.vocabulary import Kind, header
from cpts_analysis.territory.registry import Registry
from cpts_analysis.territory.resolution import Territory, cpts_in, resolve_territory
from cpts_analysis.territory.territories import cpts_summary

BUDGET_COLUMNS = ["year", "mission", "component", "amount", "projected", "renewal"]
YEAR_COLUMNS = ("year", "amount", "past", "projected", "renewal")
"""Columns of :func:`budget_by_mission` that are not missions."""


@dataclass(frozen=True)
class Budget(FrenchTable):
    territory: Territory
    date: pd.Timestamp
    lines: pd.DataFrame  # BUDGET_COLUMNS: one row per year, mission, component and flag

    def by_mission(self) -> pd.DataFrame:
        return budget_by_mission(self.lines)

    def payload(self, territory: str) -> dict:
        """The ``budget --format json`` contract (keys are public)."""
        return budget_payload(territory, self.lines)

    def to_frame(self) -> pd.DataFrame:
        """The budget lines: year, mission, component, amount and flags."""
        return self.lines

    def display_title(self) -> str:
        return f"{self.territory.title} : versements ACI par année civile"

    def display_table(self) -> tuple[pd.DataFrame, dict[str, str], dict[str, Kind]]:
        """One row per year as a reader reads it: the table, its mission labels, its kinds."""
        table = self.by_mission()
        missions = [c for c in table.columns if c not in YEAR_COLUMNS]
        labels = {m: group_label(m) for m in missions} | {
            "past": header("past"),
            "renewal": header("renewal_amount"),
        }
        amounts = [*missions, "amount", "past", "renewal"]
        return table.drop(columns="projected"), labels, dict.fromkeys(amounts, Kind.AMOUNT)

    def _repr_html_(self) -> str:  # one row per year reads better than the lines
        table, labels, kinds = self.display_table()
        return french_html(table, self.display_title(), labels, kinds)


def yearly_budget(
    schedule: pd.DataFrame,
    date: DateLike,
    first: int | None = None,
    last: int | None = None,
) -> pd.DataFrame:
    """Payments of ``schedule`` summed by calendar year, mission, component, ``projected``
    flag (payment dated after ``date``) and ``renewal`` flag (paid under the tacit renewal
    after the fifth contract year, an unconfirmed rule), for the years ``first``–``last``."""
    day = pd.Timestamp(date).normalize()
    payments = schedule.assign(
        year=schedule["date"].dt.year.astype("int64"), projected=schedule["date"] > day
    )
    if first is not None:
        payments = payments[payments["year"] >= first]
    if last is not None:
        payments = payments[payments["year"] <= last]
    lines = payments.groupby(
        ["year", "mission", "component", "projected", "renewal"], as_index=False, sort=False
    )["amount"].sum()
    lines["amount"] = round_cents(lines["amount"])
    rank = _mission_rank()
    return (
        lines.assign(_rank=lines["mission"].map(rank).fillna(len(rank)))
        .sort_values(
            ["year", "_rank", "mission", "component", "projected", "renewal"], ignore_index=True
        )
        .loc[:, BUDGET_COLUMNS]
    )


def budget_by_mission(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per year: a column per mission (in display order), ``amount`` (the year's total),
    ``projected`` (some payment after the reference date), ``past`` (amount already due) and
    ``renewal`` (the part paid under the tacit renewal, a hypothesis)."""
    if lines.empty:
        kinds = {
            "year": "int64",
            "amount": "float64",
            "past": "float64",
            "projected": "bool",
            "renewal": "float64",
        }
        return pd.DataFrame({c: pd.Series(dtype=kind) for c, kind in kinds.items()})
    rank = _mission_rank()
    missions = sorted(set(lines["mission"]), key=lambda m: (rank.get(m, len(rank)), m))
    table = lines.pivot_table(
        index="year", columns="mission", values="amount", aggfunc="sum", fill_value=0.0
    ).reindex(columns=missions, fill_value=0.0)
    table = table.apply(round_cents)
    by_year = lines.groupby("year")
    table["amount"] = round_cents(by_year["amount"].sum())
    table["past"] = round_cents(
        lines["amount"].where(~lines["projected"], 0.0).groupby(lines["year"]).sum()
    )
    table["projected"] = by_year["projected"].any()
    table["renewal"] = round_cents(
        lines["amount"].where(lines["renewal"].astype(bool), 0.0).groupby(lines["year"]).sum()
    )
    table.columns.name = None
    return table.reset_index()


def budget_payload(territory: str, lines: pd.DataFrame) -> dict:
    """``{"territory", "years": [{"year", "amount", "by_mission", "projected", "renewal"}],
    "total"}``; ``renewal`` is the part of the year paid under the tacit renewal.

    Every year lists the same missions (those paid in any year shown), zero where none.
    """
    table = budget_by_mission(lines)
    missions = [c for c in table.columns if c not in YEAR_COLUMNS]
    years = [
        {
            "year": int(row["year"]),
            "amount": float(row["amount"]),
            "by_mission": {m: float(row[m]) for m in missions},
            "projected": bool(row["projected"]),
            "renewal": float(row["renewal"]),
        }
        for _, row in table.iterrows()
    ]
    total = float(round_cents(lines["amount"].sum())) if len(lines) else 0.0
    return {"territory": territory, "years": years, "total": total}


def territory_budget(
    registry: Registry,
    territory: str,
    date: DateLike | None = None,
    first: int | None = None,
    last: int | None = None,
) -> Budget:
    """Yearly budget of a department, region or CPTS (resolved as ``report --territory``):
    payments by calendar year, mission and component, from ``first`` to ``last``.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> budget = cpts.territory_budget(registry, "42", "2025-06-01", first=2024, last=2025)
        >>> [(y["year"], y["amount"], y["projected"]) for y in budget.payload("42")["years"]]
        [(2024, 907775.0, False), (2025, 1052861.31, True)]
    """
    if first is not None and last is not None and first > last:
        raise InputError.single("années", f"année de début {first} postérieure à la fin {last}")
    day = pd.Timestamp(date if date is not None else dt.date.today()).normalize()
    where = resolve_territory(territory, registry)
    cpts = cpts_in(where, registry)
    memberships = registry.communes[registry.communes["cpts_id"].isin(cpts["cpts_id"])]
    populations = cpts_summary(cpts, memberships, day).set_index("cpts_id")["population"]
    _, schedule = registry_funding(registry, cpts, populations)
    return Budget(where, day, yearly_budget(schedule, day, first, last))


def _mission_rank() -> dict[str, int]:
    return {m: i for i, m in enumerate(["fonctionnement", *mission_order()])}
