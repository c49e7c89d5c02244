"""The ACI rule set in force on a date: tiers, payment rules, missions and amounts.

Each dated value in the parameter files holds until the next date of the same quantity, so a
rule set is "the latest value of every quantity on its start date". Amounts come out as one
tidy table (rule set × group × component × tier) that the funding engine joins on.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpts_analysis.aci.missions import Mission, catalogue
from cpts_analysis.aci.parameter_files import (
    TIER_KEYS,
    ParameterTree,
    TierAmount,
    TierThreshold,
    default_tree,
)
from cpts_analysis.aci.tiers import TierBounds
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.types import DateLike

AMOUNT_COLUMNS = [
    "rule_set",
    "group",
    "component",
    "label",
    "nature",
    "nature_status",
    "option",
    "applies_to",
    "tier",
    "amount",
    "status",
    "source",
    "note",
    "effective_date",
]


@dataclass(frozen=True)
class PaymentRules:
    contract_years: int
    fonctionnement_advance_rate: float
    fixe_advance_rate: float
    status: str
    source: str
    tacit_renewal: bool
    renewal_status: str
    renewal_source: str


@dataclass(frozen=True)
class RuleSet:
    """One version of the ACI, with every figure resolved for its period."""

    id: str
    label: str
    start: dt.date
    end: dt.date | None  # last day in force; None while in force
    status: str
    source: str
    note: str | None
    tiers: TierBounds
    tiers_status: str
    tiers_source: str
    payment: PaymentRules
    missions: dict[str, Mission]
    amounts: pd.DataFrame

    def amount(self, group: str, component: str, tier: int) -> float:
        """One amount; NaN where the figure is unknown (e.g. an unpublished ceiling)."""
        rows = self.amounts.query("group == @group and component == @component and tier == @tier")
        if rows.empty:
            raise KeyError(f"{self.id}: no amount for {group}/{component}/taille {tier}")
        return float(rows["amount"].iloc[0])

    def describe_period(self) -> str:
        end = f" au {format_date(self.end)}" if self.end else ""
        return f"{self.label} (en vigueur du {format_date(self.start)}{end})"


def rule_sets(tree: ParameterTree | None = None) -> list[RuleSet]:
    """Every rule set, oldest first (each is in force until the next one starts).

    Examples:
        >>> import cpts_analysis as cpts
        >>> [(r.id, r.start.isoformat()) for r in cpts.rule_sets()]
        [('aci_2019', '2019-08-25'), ('avenant_2', '2022-04-01')]
    """
    return list(_rule_sets(tree or default_tree()))


def rules_at(date: DateLike | None = None, tree: ParameterTree | None = None) -> RuleSet:
    """The rule set in force on ``date`` (default: today): tiers, missions, amounts, payments.

    Examples:
        >>> import cpts_analysis as cpts
        >>> rules = cpts.rules_at("2023-01-01")
        >>> rules.id, rules.start.isoformat()
        ('avenant_2', '2022-04-01')
    """
    day = pd.Timestamp(date if date is not None else dt.date.today()).date()
    candidates = [r for r in rule_sets(tree) if r.start <= day]
    if not candidates:
        first = rule_sets(tree)[0]
        raise InputError.single(
            "date",
            f"aucune règle ACI en vigueur le {format_date(day)} "
            f"(premier jeu de règles : {format_date(first.start)})",
        )
    return candidates[-1]


def tier(population: int, date: DateLike | None = None, tree: ParameterTree | None = None) -> int:
    """ACI size tier (1 to 4) of a population under the thresholds in force on ``date``.

    Examples:
        >>> import cpts_analysis as cpts
        >>> cpts.tier(52_000)
        2
        >>> cpts.tier(175_001)
        4
    """
    return int(rules_at(date, tree).tiers.tier(population))


def rule_set_ids_at(dates: pd.Series, tree: ParameterTree | None = None) -> pd.Series:
    """Vectorised ``rules_at(d).id`` for many dates; NaN before the first rule set."""
    sets = rule_sets(tree)
    starts = pd.to_datetime([r.start for r in sets]).to_numpy()
    values = pd.to_datetime(dates).to_numpy()
    position = np.searchsorted(starts, values, side="right") - 1
    ids = np.array([r.id for r in sets], dtype=object)
    result = np.where(position >= 0, ids[np.clip(position, 0, None)], None)
    return pd.Series(result, index=getattr(dates, "index", None), dtype=object)


def all_amounts(tree: ParameterTree | None = None) -> pd.DataFrame:
    """Amounts of every rule set in one table (the engine's lookup)."""
    return pd.concat([r.amounts for r in rule_sets(tree)], ignore_index=True)


@functools.lru_cache(maxsize=8)
def _rule_sets(tree: ParameterTree) -> tuple[RuleSet, ...]:
    entries = sorted(tree.rule_sets.rule_sets.items(), key=lambda item: item[1].from_)
    missions = catalogue(tree)
    since = {rid: entry.from_ for rid, entry in entries}
    built = []
    for index, (rule_id, entry) in enumerate(entries):
        start = entry.from_
        following = entries[index + 1][1].from_ if index + 1 < len(entries) else None
        end = entry.until or (following - dt.timedelta(days=1) if following else None)
        tiers = _latest(tree.tiers.values, start)
        payment = _latest(tree.payment.values, start)
        built.append(
            RuleSet(
                id=rule_id,
                label=entry.label,
                start=start,
                end=end,
                status=entry.status,
                source=entry.source,
                note=entry.note,
                tiers=_tier_bounds(tiers.taille_2, tiers.taille_3, tiers.taille_4),
                tiers_status=tiers.status,
                tiers_source=tiers.source,
                payment=PaymentRules(
                    contract_years=payment.duree_contrat_annees,
                    fonctionnement_advance_rate=payment.taux_avance_fonctionnement,
                    fixe_advance_rate=payment.taux_avance_fixe,
                    status=payment.status,
                    source=payment.source,
                    tacit_renewal=payment.renouvellement_tacite.value,
                    renewal_status=payment.renouvellement_tacite.status,
                    renewal_source=payment.renouvellement_tacite.source,
                ),
                missions={m.id: m for m in missions.values() if since[m.since] <= start},
                amounts=_amounts_in_force(rule_id, start, tree),
            )
        )
    return tuple(built)


def _tier_bounds(*starts: TierThreshold) -> TierBounds:
    """Tiers 2–4 start at ``min`` (inclusive) or just above ``above`` (the loader ensures one)."""
    t2, t3, t4 = (t.min if t.min is not None else t.above for t in starts)
    assert t2 is not None and t3 is not None and t4 is not None
    i2, i3, i4 = (t.min is not None for t in starts)
    return TierBounds(thresholds=(t2, t3, t4), inclusive=(i2, i3, i4))


def line_order(tree: ParameterTree | None = None) -> dict[tuple[str, str], int]:
    """Rank of each (mission, component) for display: the seed annex's order."""
    tree = tree or default_tree()
    files = {f.group: f for f in tree.amounts}
    groups = ["fonctionnement", *tree.missions.missions, "pre_contrat", "plafond"]
    pairs = [(g, c) for g in groups if g in files for c in files[g].components]
    return {pair: rank for rank, pair in enumerate(pairs)}


def component_labels(tree: ParameterTree | None = None) -> dict[str, str]:
    """Component id → its name in the parameter files (``fixe`` → « Volet fixe (moyens) »),
    for tables that carry the id alone; an id names the same part in every mission."""
    tree = tree or default_tree()
    return {
        component_id: component.label
        for amounts_file in tree.amounts
        for component_id, component in amounts_file.components.items()
    }


def _latest(values: dict, day: dt.date):
    dates = [d for d in values if d <= day]
    if not dates:
        raise InputError.single("parameters", f"aucune valeur en vigueur le {format_date(day)}")
    return values[max(dates)]


def _amounts_in_force(rule_id: str, day: dt.date, tree: ParameterTree) -> pd.DataFrame:
    rows = []
    for amounts_file in tree.amounts:
        for comp_id, component in amounts_file.components.items():
            dates = [d for d in component.values if d <= day]
            if not dates:
                continue
            effective = max(dates)
            dated = component.values[effective]
            for tier, key in enumerate(TIER_KEYS, start=1):
                value = getattr(dated, key)
                detail = value if isinstance(value, TierAmount) else None
                amount = detail.value if detail else value
                rows.append(
                    {
                        "rule_set": rule_id,
                        "group": amounts_file.group,
                        "component": comp_id,
                        "label": component.label,
                        "nature": component.nature,
                        "nature_status": component.nature_status,
                        "option": component.option,
                        "applies_to": component.applies_to,
                        "tier": tier,
                        "amount": np.nan if amount is None else float(amount),
                        "status": (detail and detail.status) or dated.status,
                        "source": (detail and detail.source) or dated.source,
                        "note": (detail and detail.note) or dated.note,
                        "effective_date": effective,
                    }
                )
    table = pd.DataFrame(rows, columns=AMOUNT_COLUMNS)
    order = line_order(tree)
    rank = pd.MultiIndex.from_frame(table[["group", "component"]]).map(order.get)
    return (
        table.assign(_rank=rank)
        .sort_values(["_rank", "tier"], ignore_index=True)
        .drop(columns="_rank")
    )
