"""French presentation tables shared by the CLI and the notebooks.

Figures are never recomputed here: these functions only pivot, label and format tables that
the rules, funding and schedule modules produced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from cpts_analysis.aci.envelopes import envelope_totals
from cpts_analysis.aci.missions import group_label
from cpts_analysis.aci.rules import RuleSet
from cpts_analysis.core.formatting import MISSING, format_date, format_euros, format_number
from cpts_analysis.core.vocabulary import (
    ENVELOPE_TOTALS,
    TOTAL,
    header,
    status_label,
    tier_header,
    to_french,
)

Formatter = Callable[[Any], str]
"""Turns one cell into display text (numbers, dates, labels)."""

TIER_COLUMNS = [tier_header(tier) for tier in range(1, 5)]


def annex_table(rule_set: RuleSet) -> tuple[pd.DataFrame, list[str]]:
    """The rule set as the seed's annex: one row per line, one column per tier, with totals.

    Returns the table and the numbered source list its ``Sources`` column refers to.
    """
    amounts = rule_set.amounts
    sources: list[str] = []

    def cite(texts: pd.Series) -> str:
        return " ".join(citation(sources, text) for text in dict.fromkeys(texts.dropna()))

    rows = []
    for (group, _), line in amounts.groupby(["group", "component"], sort=False):
        by_tier = line.set_index("tier")
        statuses = by_tier["status"]
        main = statuses.mode().iloc[0]
        exceptions = [f"T{t} : {status_label(s)}" for t, s in statuses.items() if s != main]
        rows.append(
            {
                "mission": group_label(group),
                "line": line["label"].iloc[0]
                + (" (option)" if line["option"].notna().any() else ""),
                **{col: by_tier["amount"].get(t) for t, col in enumerate(TIER_COLUMNS, 1)},
                "status": status_label(main)
                + (f" ({', '.join(exceptions)})" if exceptions else ""),
                "sources": cite(line["source"]),
            }
        )
    table = pd.DataFrame(rows)
    for key, totals in envelope_totals(rule_set).items():
        table.loc[len(table)] = {
            "mission": TOTAL,
            "line": ENVELOPE_TOTALS[key],
            **{col: totals.get(tier, 0.0) for tier, col in enumerate(TIER_COLUMNS, 1)},
            "status": "",
            "sources": "",
        }
    return to_french(table, {column: column for column in TIER_COLUMNS}), sources


def citation(sources: list[str], text: str) -> str:
    """``[n]``: the number of ``text`` in the numbered ``sources``, appended if new."""
    if text not in sources:
        sources.append(text)
    return f"[{sources.index(text) + 1}]"


def tier_range(tiers: list[int]) -> str:
    """``[1, 2, 3, 4]`` → ``tailles 1 à 4``; ``[3]`` → ``taille 3``; ``[1, 3]`` →
    ``tailles 1, 3``."""
    if len(tiers) == 1:
        return f"taille {tiers[0]}"
    if tiers == list(range(tiers[0], tiers[-1] + 1)):
        return f"tailles {tiers[0]} à {tiers[-1]}"
    return "tailles " + ", ".join(map(str, tiers))


def render_text(table: pd.DataFrame, formats: Mapping[str, Formatter] | None = None) -> str:
    """Plain-text table with aligned columns; numbers right-aligned."""
    formats = dict(formats or {})
    cells = {
        col: [
            formats[col](v) if col in formats else ("" if pd.isna(v) else str(v))
            for v in table[col]
        ]
        for col in table.columns
    }
    widths = {col: max([len(str(col)), *(len(c) for c in cells[col])]) for col in table.columns}
    right = {col for col in table.columns if col in formats}

    def line(values: Mapping[str, str]) -> str:
        return "  ".join(
            values[c].rjust(widths[c]) if c in right else values[c].ljust(widths[c])
            for c in table.columns
        ).rstrip()

    header = line({c: str(c) for c in table.columns})
    body = [line({c: cells[c][i] for c in table.columns}) for i in range(len(table))]
    return "\n".join([header, "-" * len(header), *body])


def formatted(
    table: pd.DataFrame,
    columns: Mapping[str, Formatter | None],
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Display copy of the ``columns`` kept, each through its formatter (or as text), under its
    French header (:func:`~cpts_analysis.core.vocabulary.header`; ``labels`` for columns the
    vocabulary cannot know, such as mission ids).

    The first column becomes the row labels (see :func:`labelled_rows`).
    """
    shown = pd.DataFrame(
        {
            header(column, labels): table[column].map(
                lambda v, f=fmt: MISSING if _missing(v) else f(v)
            )
            if fmt
            else table[column].fillna(MISSING).astype(str)
            for column, fmt in columns.items()
        }
    )
    return labelled_rows(shown)


def each_row(rows: pd.DataFrame, text: Callable[[pd.Series], str]) -> pd.Series:
    """``text`` of each row, a column even without rows (where ``apply`` gives a frame)."""
    return rows.apply(text, axis=1, result_type="reduce")


def labelled_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The first column as row labels, its title in the header row's corner.

    Reports then show no meaningless row numbers, and pandas draws one header row: a named
    index would add a second one, empty but for that name.
    """
    first = table.columns[0]
    return table.set_index(first).rename_axis(index=None, columns=first)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, list | str) and pd.isna(value))


def euro_cell(value: Any) -> str:
    return "non publié" if pd.isna(value) else format_euros(float(value))


def number_cell(value: Any) -> str:
    """Any numeric cell (numpy, pandas nullable or Python scalar) as a French number."""
    return format_number(float(value))


def amount_cell(value: Any) -> str:
    return format_euros(float(value))


def cents_cell(value: Any) -> str:
    """Small amounts (per inhabitant) keep their cents."""
    return format_euros(float(value), cents=True)


def date_cell(value: object) -> str:
    return format_date(value)
