"""French display formats for reports and tables: ``185 000 €``, ``24/08/2019``, ``42,5 %``.

French typography: thousands are grouped, and ``€`` and ``%``
set off, by a narrow no-break space (U+202F), so that an amount never breaks across two lines;
negatives take the minus sign ``−`` (U+2212), not a hyphen. These strings are for people:
machine outputs (CSV, JSON, workbooks) keep plain numbers and never go through this module.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pandas as pd

NARROW_NBSP = "\u202f"
MINUS = "\u2212"
MISSING = "–"


def _group_thousands(integer_part: int) -> str:
    return f"{integer_part:,}".replace(",", NARROW_NBSP)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float, decimals: int = 0) -> str:
    """``1234567.8`` → ``1 234 568`` (or ``1 234 567,8`` with ``decimals=1``); ``−12``."""
    if _missing(value):
        return MISSING
    text = f"{abs(value):.{decimals}f}"
    integer, _, fraction = text.partition(".")
    sign = MINUS if value < 0 and text.strip("0.") else ""  # no "−0" once rounded
    grouped = _group_thousands(int(integer))
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def format_euros(amount: float, cents: bool | None = None) -> str:
    """``185000`` → ``185 000 €``; cents are shown only when the amount has some."""
    if _missing(amount):
        return MISSING
    if cents is None:
        cents = round(abs(amount) * 100) % 100 != 0
    return f"{format_number(amount, 2 if cents else 0)}{NARROW_NBSP}€"


def format_percent(rate: float, decimals: int = 1) -> str:
    """``0.425`` → ``42,5 %``."""
    if _missing(rate):
        return MISSING
    return f"{format_number(rate * 100, decimals)}{NARROW_NBSP}%"


def format_date(value: dt.date | pd.Timestamp | str | None) -> str:
    """Any date → ``JJ/MM/AAAA``; missing → ``–``."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def folded(text: object) -> str:
    """``Écully`` → ``ecully``: the text without accents or case, for the order a French reader
    expects and for names that must differ by more than these."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_key(name: str) -> str:
    """Alphabetical order as a French reader expects it: ``Église`` near ``Eau``, ``de`` near
    ``De``, not after ``Z``."""
    return folded(name)
