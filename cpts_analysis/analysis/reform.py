"""A territory under the rules in force and under a variant, side by side.

Both worlds run the same funding engine on the same registry inputs; only the parameter tree
differs. One convention is added for variants: a rule set the variant introduces applies from
its start date. A contract year that straddles that date is paid pro rata temporis — each line
of the year is computed under the rules of each part of the year and weighted by the share of
its active days that falls in that part (the engine alone would apply the rules in force on the
year's first day to the whole year, and a proposal dated mid-year would change nothing until
the next anniversary).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cpts_analysis.aci.funding import round_cents
from cpts_analysis.aci.parameter_files import ParameterTree
from cpts_analysis.aci.variants import Variant
from cpts_analysis.analysis.comparison import FundingInputs, funding_inputs
from cpts_analysis.analysis.display import FrenchTable
from cpts_analysis.core.types import DateLike
from cpts_analysis.territory.registry import Registry
from cpts_analysis.territory.resolution import Territory, cpts_in, resolve_territory
from cpts_analysis.territory.territories import cpts_summary

YEAR_KEYS = ["cpts_id", "contract_year", "year_start", "year_end"]


@dataclass(frozen=True)
class Reform(FrenchTable):
    territory: Territory
    date: pd.Timestamp
    variant: Variant
    cpts: pd.DataFrame  # one row per CPTS of the territory (signed or not)
    years: pd.DataFrame  # calendar-year totals over the contract horizon
    changes: pd.DataFrame  # every amount the variant changes (Variant.changes)
    memberships: pd.DataFrame  # cpts_id, code_commune (for the map)

    @property
    def current(self) -> float:
        return float(round_cents(self.cpts["current"].sum()))

    @property
    def variant_total(self) -> float:
        return float(round_cents(self.cpts["variant"].sum()))

    @property
    def prorated(self) -> pd.DataFrame:
        """CPTS whose contract year in force straddles the start of the variant's rules."""
        share = self.cpts["part_variante"]
        return self.cpts[(share > 0) & (share < 1)]

    def payload(self) -> dict[str, Any]:
        """The ``reform --format json`` contract (keys are public)."""
        return {
            "territory": self.territory.code,
            "date": self.date.date().isoformat(),
            "current": self.current,
            "variant": self.variant_total,
            "cpts": [
                {
                    "cpts_id": row.cpts_id,
                    "nom": row.nom,
                    "tier": int(row.tier),
                    "current": float(row.current),
                    "variant": float(row.variant),
                    "delta": float(row.delta),
                }
                for row in self.cpts.itertuples()
            ],
        }

    def headline(self) -> dict[str, float | int | str]:
        """Key figures (also the ``reforme`` report's JSON sidecar)."""
        delta = self.cpts["delta"]
        return {
            "territoire": self.territory.code,
            "niveau": self.territory.level,
            "date_reference": self.date.date().isoformat(),
            "variante": self.variant.description,
            "nombre_cpts": len(self.cpts),
            "total_en_vigueur": self.current,
            "total_variante": self.variant_total,
            "ecart": round(self.variant_total - self.current, 2),
            "cpts_gagnantes": int((delta > 0).sum()),
            "cpts_perdantes": int((delta < 0).sum()),
            "cpts_au_prorata": int((self.prorated["delta"] != 0).sum()),
            "valeurs_modifiees": len(self.changes),
        }

    def by_tier(self) -> pd.DataFrame:
        """Delta per tier: CPTS, population, total and per inhabitant."""
        table = self.cpts.groupby("tier").agg(
            cpts=("cpts_id", "size"),
            population=("population", "sum"),
            current=("current", "sum"),
            variant=("variant", "sum"),
            delta=("delta", "sum"),
        )
        table["delta_par_habitant"] = table["delta"] / table["population"].replace(0, np.nan)
        return table.reset_index()

    def to_frame(self) -> pd.DataFrame:
        """One row per CPTS: funding under the rules in force and under the variant."""
        return self.cpts

    def display_title(self) -> str:
        return f"{self.territory.title} : règles en vigueur et variante"


def compare_variant(
    registry: Registry, territory: str, variant: Variant, date: DateLike | None = None
) -> Reform:
    """Funding of the contract year in force on ``date`` (default today) for each CPTS of
    ``territory``, under the rules in force and under ``variant``.

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> variant = cpts.load_variant("examples/variantes/taille2_fonctionnement_plus_10000.yaml")
        >>> reform = cpts.compare_variant(registry, "63", variant, date="2026-06-01")
        >>> reform.cpts[["nom", "delta"]].values.tolist()[1:3]
        [['CPTS Riom Limagne et Volcans', 8383.56], ["CPTS du Pays d'Issoire", 10000.0]]
    """
    day = pd.Timestamp(date if date is not None else dt.date.today()).normalize()
    where = resolve_territory(territory, registry)
    cpts = cpts_in(where, registry)
    memberships = registry.communes[registry.communes["cpts_id"].isin(cpts["cpts_id"])]
    summary = cpts_summary(cpts, memberships, day)
    inputs = funding_inputs(registry, cpts, summary.set_index("cpts_id")["population"])
    current = world_pieces(inputs, variant.base, variant.new_starts, reprice=False)
    proposed = world_pieces(inputs, variant.tree, variant.new_starts, reprice=True)

    table = summary[["cpts_id", "nom", "departement", "population", "tier", "date_signature"]]
    now = _running(current, day).rename(columns={"amount": "current", "tier": "tier_current"})
    then = _running(proposed, day)[["cpts_id", "amount"]].rename(columns={"amount": "variant"})
    table = table.merge(now, on="cpts_id", how="left").merge(then, on="cpts_id", how="left")
    table["tier"] = table["tier_current"].fillna(table["tier"]).astype("int64")
    table[["current", "variant"]] = table[["current", "variant"]].fillna(0.0)
    table["delta"] = (table["variant"] - table["current"]).round(2)
    table["part_variante"] = _share_under_new_rules(table, variant.new_starts)
    table = table.drop(columns="tier_current").sort_values("cpts_id", ignore_index=True)
    return Reform(
        territory=where,
        date=day,
        variant=variant,
        cpts=table,
        years=_calendar_years(current, proposed),
        changes=variant.changes(),
        memberships=memberships[["cpts_id", "code_commune"]],
    )


def world_pieces(
    inputs: FundingInputs, tree: ParameterTree, starts: list[dt.date], reprice: bool
) -> pd.DataFrame:
    """Amounts per CPTS, contract year and part of the year cut at ``starts`` (the variant's
    new rule sets). ``reprice``: price each part under the rules in force on its first day (the
    variant); otherwise every part keeps its year's rules (the rules in force), so that both
    worlds are cut, and spread over calendar years, the same way."""
    lines = inputs.funding(tree=tree)
    parts = [_pieces(lines, starts, None)]
    for start in starts:
        stamp = pd.Timestamp(start)
        priced = inputs.funding(tree=tree, rules_from=stamp) if reprice else lines
        straddling = (priced["year_start"] < stamp) & (stamp < priced["year_end"])
        parts.append(_pieces(priced[straddling], starts, stamp))
    return pd.concat(parts, ignore_index=True)


def _pieces(lines: pd.DataFrame, starts: list[dt.date], since: pd.Timestamp | None) -> pd.DataFrame:
    """Per contract year, the lines' share of their active days in [since, next start)."""
    begin = lines["year_start"] if since is None else pd.Series(since, index=lines.index)
    marks = np.array([np.datetime64(d, "ns") for d in starts], dtype="datetime64[ns]")
    following = np.searchsorted(marks, begin.to_numpy(dtype="datetime64[ns]"), side="right")
    cap = pd.Series(np.append(marks, np.datetime64("NaT"))[following], index=lines.index)
    end = lines["year_end"].where(cap.isna() | (lines["year_end"] <= cap), cap)
    active = (lines["year_end"] - lines["active_from"]).dt.days
    since_day = begin.where(begin > lines["active_from"], lines["active_from"])
    inside = (end - since_day).dt.days.clip(lower=0)
    weight = (inside / active.replace(0, np.nan)).fillna(0.0)
    # Not rounded here: parts of one line must add up to it; totals are rounded.
    # Each part is spread over its own active days, so that cutting never moves money in time.
    pieces = lines.assign(amount=lines["amount"] * weight, start=since_day, end=end)
    return (
        pieces.groupby([*YEAR_KEYS, "start", "end"], as_index=False)
        .agg(amount=("amount", "sum"), tier=("tier", "first"))
        .astype({"tier": "int64"})
    )


def _running(pieces: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    running = pieces[(pieces["year_start"] <= day) & (day < pieces["year_end"])]
    return (
        running.groupby("cpts_id", as_index=False)
        .agg(
            amount=("amount", "sum"),
            tier=("tier", "first"),
            year_start=("year_start", "first"),
            year_end=("year_end", "first"),
            contract_year=("contract_year", "first"),
        )
        .assign(amount=lambda t: round_cents(t["amount"]))
    )


def _share_under_new_rules(table: pd.DataFrame, starts: list[dt.date]) -> pd.Series:
    """Share of the contract year in force under a rule set the variant adds (NaN: none)."""
    if not starts:
        return pd.Series(np.nan, index=table.index)
    first = pd.Timestamp(starts[0])
    begin = table["year_start"].where(table["year_start"] > first, first)
    days = (table["year_end"] - table["year_start"]).dt.days
    return ((table["year_end"] - begin).dt.days / days).clip(0, 1)


def _calendar_years(current: pd.DataFrame, proposed: pd.DataFrame) -> pd.DataFrame:
    """Totals per calendar year, each piece spread evenly over its days (accrual)."""
    both = pd.concat([current.assign(world="current"), proposed.assign(world="variant")])
    if both.empty:
        return pd.DataFrame(columns=["annee", "current", "variant", "delta"])
    first, last = both["start"].min().year, (both["end"].max() - pd.Timedelta(days=1)).year
    years = pd.DataFrame({"annee": np.arange(first, last + 1)})
    spread = both.merge(years, how="cross")
    jan1 = pd.to_datetime(spread["annee"].astype(str) + "-01-01")
    next_jan1 = jan1 + pd.DateOffset(years=1)
    overlap = (spread["end"].clip(upper=next_jan1) - spread["start"].clip(lower=jan1)).dt.days
    length = (spread["end"] - spread["start"]).dt.days.replace(0, np.nan)
    spread["amount"] = spread["amount"] * (overlap.clip(lower=0) / length).fillna(0.0)
    table = spread.pivot_table(
        index="annee", columns="world", values="amount", aggfunc="sum", fill_value=0.0
    ).reindex(columns=["current", "variant"], fill_value=0.0)
    table = table.apply(round_cents).reset_index()
    table["delta"] = (table["variant"] - table["current"]).round(2)
    table.columns.name = None
    return table
