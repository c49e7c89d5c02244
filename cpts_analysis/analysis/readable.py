"""Tables as a reader meets them in a spreadsheet: codes become labels, headers French.

Shared by the workbooks (``tables.xlsx``, ``--format xlsx``) and the CSV for French Excel, so a
column reads the same in both. What each column holds comes from the vocabulary
(``COLUMN_KINDS``, ``CODE_LABELS``), never from its values.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cpts_analysis.aci.missions import group_label
from cpts_analysis.aci.rules import component_labels, rule_sets
from cpts_analysis.core.vocabulary import CODE_LABELS, COLUMN_KINDS, YES_NO, Kind, to_french

LABELLED_TWINS = {"component": "label", "rule_set": "rule_set_label"}
"""A code column dropped when its labelled twin is in the same table."""


def rule_set_labels() -> dict[str, str]:
    """Rule set id → its name (columns of the scenario comparing rule sets, ``rule_set``)."""
    return {rule_set.id: rule_set.label for rule_set in rule_sets()}


def readable_frame(
    table: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, Kind] | None = None,
) -> tuple[pd.DataFrame, list[Kind | None]]:
    """``table`` with a meaningful index as first columns, labels for codes and yes/no, dates
    as dates, codes as text and French headers; with the kind of each column, in order.

    ``labels`` and ``kinds`` name the columns only the caller knows (rule set ids)."""
    frame = table if isinstance(table.index, pd.RangeIndex) else table.reset_index()
    frame = frame.drop(
        columns=[code for code, twin in LABELLED_TWINS.items() if {code, twin} <= set(frame)]
    )
    known = {**COLUMN_KINDS, **(kinds or {})}
    column_kinds = [known.get(str(column)) for column in frame.columns]
    values = {
        position: readable_values(str(column), frame.iloc[:, position], kind)
        for position, (column, kind) in enumerate(zip(frame.columns, column_kinds, strict=True))
    }
    out = frame.copy()
    for position, column in values.items():
        out.isetitem(position, column)
    return to_french(out, labels, strict=False), column_kinds


def readable_values(column: str, values: pd.Series, kind: Kind | None) -> pd.Series:
    """The cells of one column as a reader should see them (missing values stay missing)."""
    present = values.notna()
    if column in CODE_LABELS:
        codes = CODE_LABELS[column]
        return values.where(~present, values.map(lambda v: codes.get(v, v)))
    if kind is Kind.YES_NO or pd.api.types.is_bool_dtype(values):
        return values.astype(object).where(~present, values.map(lambda v: YES_NO[bool(v)]))
    if kind is Kind.MISSION:
        return values.where(~present, values.map(lambda v: group_label(str(v))))
    if kind is Kind.MISSIONS:
        return values.where(~present, values.map(_missions))
    if kind is Kind.RULE_SET:
        names = rule_set_labels()
        return values.where(~present, values.map(lambda v: names.get(v, v)))
    if kind is Kind.COMPONENT:
        components = component_labels()
        return values.where(~present, values.map(lambda v: components.get(v, v)))
    if kind is Kind.DATE and not pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values, errors="coerce").where(present)
    if kind is Kind.CODE:
        return values.astype(object).where(~present, values.map(_code))
    return values


def _missions(value: object) -> str:
    return ", ".join(group_label(m) for m in str(value).split(", ") if m)


def _code(value: object) -> str:
    """A code as text: ``42`` stays ``42``, a float that came from a blank-filled column
    (``42.0``) loses its ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
