"""What every stage accepts: identifiers, text, amounts and dates a registry may hold.

Checked once at the door (``validate``, ``import``, report parameters), so that later stages
never meet what they cannot handle: a 300-character id becomes a folder name, a control
character reaches an HTML page, an amount of 1.7e308 overflows a sum.
"""

from __future__ import annotations

import re

import pandas as pd

CPTS_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
"""A CPTS id: letters without accents, digits, ``_`` and ``-``, at most 64 characters (it
names report folders and is typed after ``--territory``)."""
CPTS_ID_RULE = "au plus 64 caractères : lettres sans accent, chiffres, _ et -, sans espace"
NAME_MAX = 200
"""Longest name of a CPTS (or other text cell) the reports and workbooks lay out."""
TEXT_MAX = 1_000
"""Longest value of any other text cell."""
AMOUNT_MAX = 10_000_000.0
"""Largest amount (€) of a local contract line or indicator level: twenty times the largest
yearly ACI envelope; beyond it, a typing error."""
FUTURE_YEARS = 5
"""How far after today a signing or mission start date may be (a planned contract)."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Invisible characters that reach a page as garbage or reverse its text (NUL, C0 controls
except tab and line breaks, and the bidirectional overrides)."""


def latest_planned_date() -> pd.Timestamp:
    """The latest signing or start date a registry or a command may give: ``FUTURE_YEARS``
    after today (a 29 February lands on the 28th)."""
    return pd.Timestamp.today().normalize() + pd.DateOffset(years=FUTURE_YEARS)


def shown(text: str, width: int = 40) -> str:
    """A long value cut for an error message."""
    return text if len(text) <= width else f"{text[:width]}… ({len(text)} caractères)"
