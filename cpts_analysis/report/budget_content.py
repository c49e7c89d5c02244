"""French presentation of the yearly budget, shared by the ``budget`` command and the reports."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.analysis.budget import budget_by_mission
from cpts_analysis.core.formatting import format_euros
from cpts_analysis.report.tables import amount_cell, formatted, group_label

STATE_LABELS = {False: "réalisé", True: "prévisionnel"}
TOTAL = "Total"


def budget_state(row: pd.Series) -> str:
    """``réalisé`` (every payment due by the reference date), ``prévisionnel``, or ``en cours``
    with the amount already due when the year straddles the reference date."""
    if row["projected"] and row["past"] > 0:
        return f"en cours ({format_euros(row['past'])} échus)"
    return STATE_LABELS[bool(row["projected"])]


def budget_display(lines: pd.DataFrame) -> pd.DataFrame:
    """Years × missions in French, raw amounts, a total row and the state of each year."""
    table = budget_by_mission(lines)
    missions = [c for c in table.columns if c not in ("year", "amount", "past", "projected")]
    shown = pd.DataFrame({"Année": table["year"].astype(str)})
    for mission in missions:
        shown[group_label(mission)] = table[mission]
    shown[TOTAL] = table["amount"]
    shown["État"] = table.apply(budget_state, axis=1) if len(table) else pd.Series(dtype=str)
    totals = {TOTAL: float(table["amount"].sum())} | {
        group_label(m): float(table[m].sum()) for m in missions
    }
    shown.loc[len(shown)] = {"Année": TOTAL, "État": ""} | totals
    return shown


def amount_columns(shown: pd.DataFrame) -> list[str]:
    return [c for c in shown.columns if c not in ("Année", "État")]


def budget_table(lines: pd.DataFrame) -> pd.DataFrame:
    """The report's budget table: formatted amounts, years as the index."""
    shown = budget_display(lines)
    money = {c: (c, amount_cell) for c in amount_columns(shown)}
    return formatted(shown, {"Année": ("Année", None)} | money | {"État": ("État", None)})
