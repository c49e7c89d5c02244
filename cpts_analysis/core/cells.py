"""Spreadsheet cells that cannot run: the OWASP rule against formula (CSV) injection.

A CPTS or a commune named ``=HYPERLINK(…)``, or starting with ``+``, ``-``, ``@``, a tab or a
carriage return, would be run by Excel or LibreOffice as a formula when a file is opened.
Workbooks write such text as a text cell with Excel's own quote prefix (the text is kept
exactly, and stays text when edited); CSV files, which carry no cell type, get a leading ``'``.
"""

from __future__ import annotations

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def formula_like(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (or the start of one)?"""
    return text.startswith(FORMULA_TRIGGERS)


def neutralised(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet could run it, for CSV files."""
    return QUOTE + text if formula_like(text) else text


def neutralised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are :func:`neutralised`; numbers stay numbers."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not pd.api.types.is_numeric_dtype(column):
            out.isetitem(
                position, column.map(lambda v: neutralised(v) if isinstance(v, str) else v)
            )
    return out


def unquoted(text: str) -> str:
    """The text a neutralised CSV cell stands for (``'=x`` → ``=x``), so that a registry this
    toolkit wrote reads back as it was."""
    return text[1:] if text.startswith(QUOTE) and formula_like(text[1:]) else text
