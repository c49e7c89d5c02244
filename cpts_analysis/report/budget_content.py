"""French presentation of the yearly budget, shared by the ``budget`` command and the reports."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.aci.missions import group_label
from cpts_analysis.analysis.budget import YEAR_COLUMNS, budget_by_mission
from cpts_analysis.core.formatting import format_euros
from cpts_analysis.core.vocabulary import BUDGET_STATES, TOTAL
from cpts_analysis.report.tables import amount_cell, each_row, formatted


def budget_state(row: pd.Series) -> str:
    """``réalisé`` (every payment due by the reference date), ``prévisionnel``, or ``en cours``
    with the amount already due when the year straddles the reference date."""
    if row["projected"] and row["past"] > 0:
        return f"en cours ({format_euros(row['past'])} échus)"
    return BUDGET_STATES[bool(row["projected"])]


def budget_frame(lines: pd.DataFrame) -> pd.DataFrame:
    """Years × missions, raw amounts, a total row and the state of each year (English
    columns: ``year``, one per mission id, ``amount``, ``budget_state``)."""
    table = budget_by_mission(lines)
    missions = [c for c in table.columns if c not in YEAR_COLUMNS]
    shown = pd.DataFrame({"year": table["year"].astype(str)})
    for mission in missions:
        shown[mission] = table[mission]
    shown["amount"] = table["amount"]
    if table["renewal"].any():  # the tacit renewal is a hypothesis: say how much rests on it
        shown["renewal_amount"] = table["renewal"]
    shown["budget_state"] = each_row(table, budget_state)
    sums = {column: table[column] for column in [*missions, "amount"]}
    if "renewal_amount" in shown:
        sums["renewal_amount"] = table["renewal"]
    totals = {column: float(values.sum()) for column, values in sums.items()}
    shown.loc[len(shown)] = {"year": TOTAL, "budget_state": ""} | totals
    return shown


def budget_labels(shown: pd.DataFrame) -> dict[str, str]:
    """Headers the vocabulary cannot know: the missions' names, and the total column."""
    missions = [c for c in amount_columns(shown) if c not in ("amount", "renewal_amount")]
    return {column: group_label(column) for column in missions} | {"amount": TOTAL}


def amount_columns(shown: pd.DataFrame) -> list[str]:
    return [c for c in shown.columns if c not in ("year", "budget_state")]


def budget_table(lines: pd.DataFrame) -> pd.DataFrame:
    """The report's budget table: formatted amounts, years as the index."""
    shown = budget_frame(lines)
    money = dict.fromkeys(amount_columns(shown), amount_cell)
    columns = {"year": None} | money | {"budget_state": None}
    return formatted(shown, columns, budget_labels(shown))
