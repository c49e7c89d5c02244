"""Results that show as a French table in JupyterLab, with their plain data one call away.

``comparison`` alone in a cell shows the CPTS of the territory with French headers, labels
instead of codes and amounts like ``185 000 €``; ``comparison.to_frame()`` is the data frame
to compute with (English ``snake_case`` columns, raw numbers).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from cpts_analysis.analysis.readable import readable_frame
from cpts_analysis.core.formatting import (
    MISSING,
    format_date,
    format_euros,
    format_number,
    format_percent,
)
from cpts_analysis.core.vocabulary import Kind

FORMATS: dict[Kind, Callable[[Any], str]] = {
    Kind.AMOUNT: lambda v: format_euros(float(v), cents=False),
    Kind.UNIT_AMOUNT: lambda v: format_euros(float(v), cents=True),
    Kind.RATE: lambda v: format_percent(float(v)),
    Kind.DATE: format_date,
    Kind.DATETIME: format_date,
    Kind.COUNT: lambda v: format_number(float(v)),
    Kind.INTEGER: lambda v: str(int(v)),
}


def french_html(
    frame: pd.DataFrame,
    title: str,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, Kind] | None = None,
) -> str:
    """``frame`` as a reader sees it: labels, French headers, French number formats
    (``labels`` and ``kinds`` for the columns only the caller can name)."""
    shown, column_kinds = readable_frame(frame, labels, kinds)
    cells = {
        column: values.map(_cell(FORMATS.get(kind) if kind else None))
        for (column, values), kind in zip(shown.items(), column_kinds, strict=True)
    }
    table = pd.DataFrame(cells).to_html(index=False, escape=True, border=0)
    return f"<p><b>{html.escape(title)}</b></p>{table}"


def _cell(format_value: Callable[[Any], str] | None) -> Callable[[Any], str]:
    def cell(value: Any) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return MISSING
        return format_value(value) if format_value else str(value)

    return cell


class FrenchTable:
    """Mixin of the public results: ``to_frame()`` for computing, a French table to read."""

    def to_frame(self) -> pd.DataFrame:
        raise NotImplementedError

    def display_title(self) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return french_html(self.to_frame(), self.display_title())
