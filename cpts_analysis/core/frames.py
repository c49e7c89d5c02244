"""Small pandas helpers that several layers need, written once."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from cpts_analysis.core.errors import InputError


def isin(values: pd.Series | pd.Index, candidates: Iterable[object]) -> np.ndarray:
    """``values.isin(candidates)`` as a boolean array, at hash-table speed for text.

    pandas' Arrow-backed strings convert every candidate to a Python scalar one at a time: 0.22 s
    to look 2 000 codes up among the 35 000 communes, against 4 ms on object arrays.
    """
    haystack = pd.Index(
        list(candidates)
        if not isinstance(candidates, pd.Index | pd.Series | np.ndarray)
        else candidates
    )
    return pd.Index(values.astype(object)).isin(haystack.astype(object))


def require_columns(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    """Refuse a table given to the engine without the columns it needs, naming them."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError.single(name, f"colonne(s) manquante(s) : {', '.join(missing)}")
