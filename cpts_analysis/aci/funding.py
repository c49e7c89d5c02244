"""Funding engine: what each CPTS is owed per contract year, mission and component.

Conventions (also in the README):

* Contract years run from one signature anniversary to the next (``DateOffset(years=1)``, so a
  29/02 signature has its anniversaries on 28/02); the contract lasts the number of years the
  rule set in force at signature gives (5). Where that rule set says the contract is renewed
  tacitly (an unconfirmed rule), one renewal follows: contract years 6–10, flagged ``renewal``.
* Each contract year uses the rule set in force on its first day, and the tier that rule set's
  thresholds give for the CPTS population.
* A mission starting inside a contract year gets ``prorata`` = days from its start to the next
  anniversary / days in that contract year (365 or 366).
* Fixed parts (and amounts of nature ``fixe``) are × prorata; variable parts × prorata ×
  achievement (0–1). Where a mission-year's variable part is earned from the contract's
  indicators (``earned``), its achievement is the sum earned capped at the year's variable
  envelope, over that envelope (``aci.indicator_levels``): one path for typed rates and
  indicators, so both give the same amounts. The crisis activation is paid whole for a year
  the ARS recognised a crisis, if the mission is running. The crisis plan's first-year amount
  applies to the contract year that contains the mission start, the yearly update amount to
  the following ones.
* A local contract amount (``overrides``) replaces the national envelope of that line; its
  status is ``local``.
* Every amount is rounded half-up to the cent, line by line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from cpts_analysis.aci.indicator_levels import capped_rate, check_single_source
from cpts_analysis.aci.parameter_files import ParameterTree, default_tree
from cpts_analysis.aci.rules import all_amounts, line_order, rule_set_ids_at, rule_sets, rules_at
from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.frames import require_columns
from cpts_analysis.core.types import DateLike

PAYABLE_NATURES = ("fonctionnement", "fixe", "variable", "activation")
FUNDING_COLUMNS = [
    "cpts_id",
    "contract_year",
    "renewal",
    "year_start",
    "year_end",
    "rule_set",
    "tier",
    "mission",
    "component",
    "label",
    "nature",
    "active_from",
    "envelope",
    "prorata",
    "achievement",
    "amount",
    "status",
    "source",
]


def round_cents(values: pd.Series | np.ndarray) -> np.ndarray:
    """Half-up rounding to the cent (amounts are never negative).

    The 1e-6 cent tolerance keeps binary noise (5280.825 stored as 5280.82499...) from
    rounding down.
    """
    return np.floor(np.asarray(values, dtype=float) * 100 + 0.5 + 1e-6) / 100


def contract_years(
    contracts: pd.DataFrame,
    tree: ParameterTree | None = None,
    renewals: int | None = None,
    rules_from: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per CPTS and contract year, with dates, rule set, tier and ``renewal`` flag.

    ``contracts`` needs ``cpts_id``, ``population`` and ``signature``; other columns are kept.
    ``renewals``: tacit renewals to include; default one where the rules say so, else none.
    ``rules_from``: contract years starting earlier use the rule set in force on that date
    instead of their first day's (to price a rule change that starts inside a contract year).
    """
    tree = tree or default_tree()
    require_columns(contracts, ["cpts_id", "population", "signature"], "contracts")
    base = contracts.reset_index(drop=True).copy()
    base["signature"] = pd.to_datetime(base["signature"])
    signed_under = rule_set_ids_at(base["signature"], tree)
    if signed_under.isna().any():
        first = rule_sets(tree)[0].start
        raise InputError(
            Problem(
                file="contrats",
                field="signature",
                message=f"signature du {d:%d/%m/%Y} antérieure au premier ACI ({first:%d/%m/%Y})",
            )
            for d in base.loc[signed_under.isna(), "signature"]
        )
    sets = rule_sets(tree)
    duration = signed_under.map({r.id: r.payment.contract_years for r in sets})
    renewed = signed_under.map({r.id: r.payment.tacit_renewal for r in sets})
    count = renewed.astype(int) if renewals is None else pd.Series(renewals, index=base.index)
    horizon = duration * (1 + count)
    frames = [  # no contract at all: no year (keeps the columns)
        base.assign(
            contract_year=0, renewal=False, year_start=base["signature"], year_end=base["signature"]
        ).iloc[0:0]
    ]
    for year in range(1, int(horizon.max()) + 1 if len(base) else 1):
        rows = base[horizon >= year].copy()
        rows["contract_year"] = year
        rows["renewal"] = year > duration[horizon >= year]
        rows["year_start"] = rows["signature"] + pd.DateOffset(years=year - 1)
        rows["year_end"] = rows["signature"] + pd.DateOffset(years=year)
        frames.append(rows)
    years = pd.concat(frames, ignore_index=True)
    rules_day = years["year_start"] if rules_from is None else years["year_start"].clip(rules_from)
    years["rule_set"] = rule_set_ids_at(rules_day, tree)
    years["tier"] = 0
    for rule_set in rule_sets(tree):
        rows = years["rule_set"] == rule_set.id
        if rows.any():
            years.loc[rows, "tier"] = rule_set.tiers.tier(years.loc[rows, "population"])
    return years.sort_values(["cpts_id", "contract_year"], ignore_index=True)


def compute_funding(
    contracts: pd.DataFrame,
    missions: pd.DataFrame,
    achievements: pd.DataFrame | None = None,
    crises: pd.DataFrame | None = None,
    overrides: pd.DataFrame | None = None,
    default_achievement: float = 1.0,
    tree: ParameterTree | None = None,
    renewals: int | None = None,
    rules_from: pd.Timestamp | None = None,
    earned: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Tidy table of every amount owed (see module docstring for the conventions).

    * ``contracts``: ``cpts_id``, ``population``, ``signature``; optional booleans
      ``snp_supplement`` and ``fonctionnement_uplift``.
    * ``missions``: ``cpts_id``, ``mission``, ``start``.
    * ``achievements``: ``cpts_id``, ``contract_year``, ``mission``, ``achievement`` (0–1);
      missing rows use ``default_achievement``.
    * ``crises``: ``cpts_id``, ``contract_year`` of years with a crisis recognised by the ARS.
    * ``overrides``: ``cpts_id``, ``contract_year``, ``mission``, ``component``, ``amount``.
    * ``rules_from``: see ``contract_years``.
    * ``earned``: ``cpts_id``, ``contract_year``, ``mission``, ``earned`` (€ earned from the
      contract's indicators, ``aci.indicator_levels.mission_earned``); a mission-year may have
      a rate or an amount earned, not both.

    Examples:
        >>> import pandas as pd
        >>> import cpts_analysis as cpts
        >>> signed, started = pd.Timestamp("2021-03-01"), pd.Timestamp("2021-06-01")
        >>> contracts = pd.DataFrame(
        ...     {"cpts_id": ["A"], "population": [52_000], "signature": [signed]}
        ... )
        >>> missions = pd.DataFrame(
        ...     {"cpts_id": ["A"], "mission": ["acces_soins"], "start": [started]}
        ... )
        >>> funding = cpts.compute_funding(contracts, missions)
        >>> sorted(funding["contract_year"].unique().tolist())
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    """
    tree = tree or default_tree()
    _check_rate(default_achievement, "default_achievement")
    contracts = contracts.copy()
    for flag in ("snp_supplement", "fonctionnement_uplift"):
        contracts[flag] = contracts[flag].fillna(False).astype(bool) if flag in contracts else False
    years = contract_years(contracts, tree, renewals, rules_from)
    amounts = all_amounts(tree)
    amounts = amounts[amounts["nature"].isin(PAYABLE_NATURES)]

    lines = pd.concat(
        [_fonctionnement_lines(years, amounts), _mission_lines(years, missions, amounts, tree)],
        ignore_index=True,
    )
    lines = _apply_options(lines, crises)
    lines = _apply_overrides(lines, overrides)
    lines = _apply_achievement(lines, achievements, default_achievement)
    lines = _apply_earned(lines, achievements, earned)

    unknown = lines["envelope"].isna()
    if unknown.any():
        raise InputError(
            Problem(
                file="paramètres",
                message=f"montant inconnu pour {r.mission}/{r.component}, "
                f"taille {r.tier}, {r.rule_set}",
            )
            for r in lines[unknown].itertuples()
        )
    factor = np.where(lines["nature"] == "variable", lines["achievement"], 1.0)
    factor = np.where(lines["nature"] == "activation", 1.0, factor * lines["prorata"])
    lines["amount"] = round_cents(lines["envelope"] * factor)
    return _ordered(lines, tree)[FUNDING_COLUMNS]


def annual_envelope(
    population: int,
    date: DateLike | None = None,
    missions: Iterable[str] | None = None,
    achievement: float = 1.0,
    snp_supplement: bool = False,
    crisis_activated: bool = False,
    contract_year: int = 1,
    fonctionnement_uplift: bool = False,
    tree: ParameterTree | None = None,
) -> pd.DataFrame:
    """Funding of one full contract year ``contract_year`` starting on ``date``, with the given
    missions (default: every mission of the rule set) running since signature.

    One row per mission and component, with the amount, its ``status`` and ``source``.

    Examples:
        >>> import cpts_analysis as cpts
        >>> year = cpts.annual_envelope(52_000, date="2020-06-01")
        >>> int(year["tier"].iloc[0]), float(year["amount"].sum())
        (2, 242000.0)
    """
    tree = tree or default_tree()
    rule_set = rules_at(date, tree)
    start = pd.Timestamp(date if date is not None else dt.date.today())
    mission_ids = list(rule_set.missions) if missions is None else list(missions)
    unknown = [m for m in mission_ids if m not in rule_set.missions]
    if unknown:
        raise InputError.single(
            "missions",
            f"mission(s) inconnue(s) dans « {rule_set.label} » : {', '.join(unknown)} "
            f"(connues : {', '.join(rule_set.missions)})",
        )
    payment = rule_set.payment
    last_year = payment.contract_years * (2 if payment.tacit_renewal else 1)
    if not 1 <= contract_year <= last_year:
        raise InputError.single("contract_year", f"année de contrat hors de 1–{last_year}")
    signature = start - pd.DateOffset(years=contract_year - 1)
    contracts = pd.DataFrame(
        {
            "cpts_id": ["cpts"],
            "population": [population],
            "signature": [signature],
            "snp_supplement": [snp_supplement],
            "fonctionnement_uplift": [fonctionnement_uplift],
        }
    )
    mission_rows = pd.DataFrame({"cpts_id": "cpts", "mission": mission_ids, "start": signature})
    crises = pd.DataFrame({"cpts_id": ["cpts"], "contract_year": [contract_year]})
    funding = compute_funding(
        contracts,
        mission_rows,
        crises=crises if crisis_activated else None,
        default_achievement=achievement,
        tree=tree,
    )
    year = funding[funding["contract_year"] == contract_year].reset_index(drop=True)
    if (year["rule_set"] != rule_set.id).any():
        raise AssertionError("contract year not computed under the rule set of its start date")
    return year


def _fonctionnement_lines(years: pd.DataFrame, amounts: pd.DataFrame) -> pd.DataFrame:
    fonctionnement = amounts[amounts["nature"] == "fonctionnement"]
    lines = years.merge(fonctionnement, on=["rule_set", "tier"])
    first_year_only = lines["applies_to"] == "first_contract_year"
    lines = lines[~first_year_only | (lines["contract_year"] == 1)]
    lines = lines.assign(mission=lines["group"], active_from=lines["year_start"], prorata=1.0)
    return lines.rename(columns={"amount": "envelope"})


def _mission_lines(
    years: pd.DataFrame, missions: pd.DataFrame, amounts: pd.DataFrame, tree: ParameterTree
) -> pd.DataFrame:
    require_columns(missions, ["cpts_id", "mission", "start"], "missions")
    missions = missions[["cpts_id", "mission", "start"]].assign(
        start=lambda m: pd.to_datetime(m["start"])
    )
    lines = years.merge(missions, on="cpts_id")
    available = (
        lines[["rule_set", "mission"]]
        .merge(
            pd.DataFrame(
                [(r.id, m) for r in rule_sets(tree) for m in r.missions],
                columns=["rule_set", "mission"],
            ).assign(available=True),
            how="left",
        )["available"]
        .fillna(False)
        .astype(bool)
        .to_numpy()
    )
    lines["active_from"] = lines[["start", "year_start"]].max(axis=1)
    days = (lines["year_end"] - lines["year_start"]).dt.days
    active_days = (lines["year_end"] - lines["active_from"]).dt.days.clip(lower=0)
    lines["prorata"] = (active_days / days).clip(0, 1).where(available, 0.0)
    lines = lines[lines["prorata"] > 0]
    started = lines["start"] >= lines["year_start"]
    first_year = (
        lines[started | (lines["contract_year"] == 1)]
        .groupby(["cpts_id", "mission"])["contract_year"]
        .min()
        .rename("first_mission_year")
    )
    lines = lines.join(first_year, on=["cpts_id", "mission"])
    lines = lines.merge(
        amounts.rename(columns={"group": "mission"}), on=["rule_set", "mission", "tier"]
    )
    applies = lines["applies_to"]
    is_first = lines["contract_year"] == lines["first_mission_year"]
    keep = (
        (applies == "every_year")
        | ((applies == "first_mission_year") & is_first)
        | ((applies == "later_mission_years") & ~is_first)
    )
    return lines[keep].rename(columns={"amount": "envelope"})


def _apply_options(lines: pd.DataFrame, crises: pd.DataFrame | None) -> pd.DataFrame:
    crisis = np.zeros(len(lines), dtype=bool)
    if crises is not None and len(crises):
        require_columns(crises, ["cpts_id", "contract_year"], "crises")
        keys = ["cpts_id", "contract_year"]
        flagged = crises[keys].drop_duplicates().assign(_crisis=True)
        crisis = lines[keys].merge(flagged, how="left")["_crisis"].fillna(False).to_numpy(bool)
    option = lines["option"]
    keep = (
        option.isna()
        | ((option == "snp_supplement") & lines["snp_supplement"].astype(bool))
        | ((option == "fonctionnement_uplift") & lines["fonctionnement_uplift"].astype(bool))
        | ((option == "crisis_activated") & crisis)
    )
    return lines[keep]


def _apply_overrides(lines: pd.DataFrame, overrides: pd.DataFrame | None) -> pd.DataFrame:
    if overrides is None or overrides.empty:
        return lines
    keys = ["cpts_id", "contract_year", "mission", "component"]
    require_columns(overrides, [*keys, "amount"], "overrides")
    local = overrides[[*keys, "amount"]].rename(columns={"amount": "local_amount"})
    lines = lines.merge(local, on=keys, how="left")
    has_local = lines["local_amount"].notna()
    lines["envelope"] = lines["envelope"].where(~has_local, lines["local_amount"])
    lines["status"] = lines["status"].where(~has_local, "local")
    lines["source"] = lines["source"].where(~has_local, "Montant du contrat ACI local (registre)")
    return lines.drop(columns="local_amount")


def _apply_achievement(
    lines: pd.DataFrame, achievements: pd.DataFrame | None, default: float
) -> pd.DataFrame:
    variable = lines["nature"] == "variable"
    lines["achievement"] = np.where(variable, default, np.nan)
    if achievements is None or achievements.empty:
        return lines
    keys = ["cpts_id", "contract_year", "mission"]
    require_columns(achievements, [*keys, "achievement"], "achievements")
    _check_rate(achievements["achievement"], "achievement")
    rates = achievements[[*keys, "achievement"]].rename(columns={"achievement": "measured"})
    lines = lines.merge(rates, on=keys, how="left")  # a new index: recompute the mask on it
    measured = (lines["nature"] == "variable") & lines["measured"].notna()
    lines["achievement"] = lines["achievement"].where(~measured, lines["measured"])
    return lines.drop(columns="measured")


def _apply_earned(
    lines: pd.DataFrame, achievements: pd.DataFrame | None, earned: pd.DataFrame | None
) -> pd.DataFrame:
    if earned is None or earned.empty:
        return lines
    keys = ["cpts_id", "contract_year", "mission"]
    require_columns(earned, [*keys, "earned"], "earned")
    check_single_source(achievements, earned)
    lines = lines.merge(earned[[*keys, "earned"]], on=keys, how="left")
    from_indicators = (lines["nature"] == "variable") & lines["earned"].notna()
    rate = capped_rate(lines["earned"].fillna(0.0), lines["envelope"])
    lines["achievement"] = lines["achievement"].where(~from_indicators, rate)
    return lines.drop(columns="earned")


def _ordered(lines: pd.DataFrame, tree: ParameterTree) -> pd.DataFrame:
    """Fonctionnement first, then missions and components in parameter-file order."""
    order = line_order(tree)
    rank = pd.MultiIndex.from_frame(lines[["mission", "component"]]).map(order.get)
    return (
        lines.assign(_rank=rank)
        .sort_values(["cpts_id", "contract_year", "_rank"], ignore_index=True)
        .drop(columns="_rank")
    )


def _check_rate(values: float | pd.Series, name: str) -> None:
    series = pd.to_numeric(pd.Series(values), errors="coerce")
    bad = series.isna() | (series < 0) | (series > 1)
    if bad.any():
        shown = ", ".join(str(v) for v in pd.Series(values)[bad.to_numpy()].head(5))
        raise InputError.single(name, f"taux d'atteinte hors de 0–1 : {shown}")
