"""French display formats for reports and tables: ``185 000 €``, ``24/08/2019``, ``42,5 %``.

Plain spaces separate thousands (not U+202F) so that amounts stay searchable in terminals,
spreadsheets and HTML alike.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd


def _group_thousands(integer_part: int) -> str:
    return f"{integer_part:,}".replace(",", " ")


def format_number(value: float, decimals: int = 0) -> str:
    """``1234567.8`` → ``1 234 568`` (or ``1 234 567,8`` with ``decimals=1``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "-" if value < 0 else ""
    text = f"{abs(value):.{decimals}f}"
    integer, _, fraction = text.partition(".")
    grouped = _group_thousands(int(integer))
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def format_euros(amount: float, cents: bool | None = None) -> str:
    """``185000`` → ``185 000 €``; cents are shown only when the amount has some."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "–"
    if cents is None:
        cents = round(abs(amount) * 100) % 100 != 0
    return f"{format_number(amount, 2 if cents else 0)} €"


def format_percent(rate: float, decimals: int = 1) -> str:
    """``0.425`` → ``42,5 %``."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "–"
    return f"{format_number(rate * 100, decimals)} %"


def format_date(value: dt.date | pd.Timestamp | str | None) -> str:
    """Any date → ``JJ/MM/AAAA``; missing → ``–``."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return pd.Timestamp(value).strftime("%d/%m/%Y")
