"""French display of the JSON values found in parameters and headline figures."""

from __future__ import annotations

import json
import re
from typing import Any

from cpts_analysis.core.formatting import format_date, format_number
from cpts_analysis.core.vocabulary import LEVELS, YES_NO

MAX_DECIMALS = 3
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def display_value(value: Any) -> str:
    """``1234567`` → ``1 234 567``, ``0.425`` → ``0,425``, ``"2025-06-01"`` → ``01/06/2025``,
    ``None`` → ``–``, ``True`` → ``oui``."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return YES_NO[value]
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float):
        value = round(value, MAX_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
        decimals = f"{value:.{MAX_DECIMALS}f}".rstrip("0").partition(".")[2]
        return format_number(value, len(decimals))
    if isinstance(value, str):
        return format_date(value) if _ISO_DATE.fullmatch(value) else _named(value)
    return json.dumps(value, ensure_ascii=False)


def _named(code: str) -> str:
    """A code a reader should not see, by its name: ``departement:42`` → ``Département 42``,
    ``avenant_2`` → the rule set's name; any other text as it is."""
    level, colon, rest = code.partition(":")
    if colon and level in LEVELS:
        return f"{LEVELS[level]} {rest}"
    from cpts_analysis.analysis.readable import rule_set_labels  # the rules: only when needed

    return rule_set_labels().get(code, code)


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
