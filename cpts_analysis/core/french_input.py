"""What a French user types, read once for every entry point: dates, numbers, rates, codes.

Dates ``JJ/MM/AAAA`` or ``AAAA-MM-JJ``; numbers with a decimal comma or point, spaces between
thousands and a trailing ``€`` (``185 000 €``, ``12 500,50``); rates as ``0,75``, ``0.75`` or
``75 %``; states and missions whatever their case and accents (``signé``, ``Accès aux soins``).
The registry reads whole columns (:func:`parse_dates`, :func:`parse_numbers`), the command
line one value at a time (:func:`parse_date`, :func:`parse_rate`…), with the same rules.
Anything ambiguous (``01/02/03``: which is the year?) is refused, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cpts_analysis.core.bounds import FUTURE_YEARS, latest_planned_date

ISO_DATE = r"\d{4}-\d{2}-\d{2}"
FRENCH_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_SPACES = r"[\s\u00a0\u202f]"


_MIDNIGHT = r"[ T]00:00(?::00(?:\.0+)?)?$"


def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Dates from ``AAAA-MM-JJ`` or ``JJ/MM/AAAA`` (a midnight time, as Excel exports a date,
    is dropped), with the masks malformed and impossible."""
    text = text.str.replace(_MIDNIGHT, "", regex=True)
    iso = text.str.fullmatch(ISO_DATE)
    french = text.str.fullmatch(FRENCH_DATE)
    dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    dates[iso] = pd.to_datetime(text[iso], format="%Y-%m-%d", errors="coerce")
    dates[french] = pd.to_datetime(text[french], format="%d/%m/%Y", errors="coerce")
    return dates, (text != "") & ~iso & ~french, (iso | french) & dates.isna()


def parse_numbers(text: pd.Series, percent: bool = False) -> pd.Series:
    """Decimal comma and spaces (``12 500,50``), a trailing ``€`` accepted; with ``percent``,
    ``75 %`` is 0.75. Anything else non-finite is NaN."""
    cleaned = text.str.replace(_SPACES, "", regex=True).str.replace(",", ".")
    cleaned = cleaned.str.removesuffix("€")
    hundredths = cleaned.str.endswith("%") if percent else pd.Series(False, index=text.index)
    values = pd.to_numeric(cleaned.str.removesuffix("%"), errors="coerce").astype("float64")
    values = values.where(~hundredths, values / 100)
    return values.where(np.isfinite(values))


YEARS = (1900, 2199)
"""Dates a reader may type anywhere: beyond, a typing error (and pandas' range ends in 2262)."""


def parse_date(text: str) -> dt.date:
    """One date, ``JJ/MM/AAAA`` or ``AAAA-MM-JJ``; ``ValueError`` with a French message."""
    value = text.strip()
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", value):
        raise ValueError(f"date ambiguë « {text} » : écrivez l'année sur 4 chiffres (JJ/MM/AAAA)")
    dates, malformed, impossible = parse_dates(pd.Series([value], dtype=str))
    if malformed.iloc[0] or impossible.iloc[0]:
        what = "impossible" if impossible.iloc[0] else "invalide"
        raise ValueError(f"date {what} « {text} » (JJ/MM/AAAA ou AAAA-MM-JJ attendu)")
    day = dates.iloc[0].date()
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ValueError(f"date « {text} » hors des années {YEARS[0]} à {YEARS[1]}")
    return day


def parse_signing_date(text: str) -> dt.date:
    """A contract's signing date: at most ``FUTURE_YEARS`` after today (a planned contract)."""
    day = parse_date(text)
    if day > latest_planned_date().date():
        raise ValueError(
            f"date de signature « {text} » : au plus {FUTURE_YEARS} ans après aujourd'hui"
        )
    return day


def parse_number(text: str, percent: bool = False) -> float:
    """One number as :func:`parse_numbers` reads it; ``ValueError`` with a French message."""
    value = parse_numbers(pd.Series([text.strip()], dtype=str), percent).iloc[0]
    if pd.isna(value):
        raise ValueError(f"« {text} » n'est pas un nombre")
    return float(value)


def parse_rate(text: str) -> float:
    """``0,75``, ``0.75`` or ``75 %`` → 0.75, between 0 and 1."""
    value = parse_number(text, percent=True)
    if not 0 <= value <= 1:
        raise ValueError(f"taux « {text} » hors de 0–1 (ex. 0,75 ou 75 %)")
    return value


def parse_count(text: str) -> int:
    """A whole number of people or communes, spaces between thousands allowed (``52 000``)."""
    value = parse_number(text)
    if not value.is_integer() or value < 0:
        raise ValueError(f"« {text} » : un nombre entier positif est attendu")
    return int(value)


def text_key(text: str) -> str:
    """``Accès aux soins`` → ``acces_aux_soins``: lower case, no accents, words joined by ``_``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def parse_code(text: str, codes: Mapping[str, str]) -> str | None:
    """The code (a key of ``codes``, code → French label) that ``text`` names, by its code or
    its label, whatever the case and accents (``signé`` → ``signe``); None if none."""
    key = text_key(text)
    for code, label in codes.items():
        if key in (text_key(code), text_key(label)):
            return code
    return None
