"""Population → CPTS size tier (taille 1 to 4), vectorised.

The thresholds come from ``parameters/tiers.yaml`` through the rule set in force; a
``TierBounds`` can also be built by hand to test another reading of the boundaries (the legal
handling of exactly 40 000, 80 000 and 175 000 inhabitants is unconfirmed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpts_analysis.core.errors import InputError, Problem
from cpts_analysis.core.formatting import format_number


@dataclass(frozen=True)
class TierBounds:
    """Where tiers 2, 3 and 4 start: at ``threshold`` when inclusive, else just above it."""

    thresholds: tuple[int, int, int]
    inclusive: tuple[bool, bool, bool]

    def __post_init__(self) -> None:
        if list(self.thresholds) != sorted(self.thresholds) or len(self.thresholds) != 3:
            raise ValueError(
                f"les seuils de taille doivent être 3 valeurs croissantes : {self.thresholds}"
            )

    @property
    def first_populations(self) -> tuple[int, int, int]:
        """Smallest population of tiers 2, 3 and 4 (populations are whole numbers)."""
        t2, t3, t4 = (
            t if inclusive else t + 1
            for t, inclusive in zip(self.thresholds, self.inclusive, strict=True)
        )
        return t2, t3, t4

    def tier(self, population: int | Iterable[int] | pd.Series) -> np.ndarray | int:
        """Tier of each population; a scalar in, a scalar out."""
        scalar = np.isscalar(population)
        values = check_populations(population)
        tiers = 1 + (values[:, None] >= np.array(self.first_populations)[None, :]).sum(axis=1)
        return int(tiers[0]) if scalar else tiers

    def distance_to_next(self, population: Iterable[int] | pd.Series) -> np.ndarray:
        """Inhabitants missing to reach the next tier; NaN in the top tier."""
        values = check_populations(population)
        tiers = self.tier(values)
        starts = np.array([*self.first_populations, np.nan], dtype=float)
        return starts[tiers - 1] - values

    def distance_to_previous(self, population: Iterable[int] | pd.Series) -> np.ndarray:
        """Inhabitants that can be lost before falling one tier; NaN in tier 1."""
        values = check_populations(population)
        tiers = self.tier(values)
        starts = np.array([np.nan, *self.first_populations], dtype=float)
        return values - starts[tiers - 1] + 1

    def labels(self) -> dict[int, str]:
        """French description of each tier's range, for tables and chart legends."""
        f2, f3, f4 = self.first_populations
        return {
            1: f"moins de {format_number(f2)} habitants",
            2: f"de {format_number(f2)} à {format_number(f3 - 1)} habitants",
            3: f"de {format_number(f3)} à {format_number(f4 - 1)} habitants",
            4: f"plus de {format_number(f4 - 1)} habitants",
        }


def check_populations(values: object, file: str = "population") -> np.ndarray:
    """Return populations as int64, refusing negative, missing or non-integer values."""
    series = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
    numeric = pd.to_numeric(series, errors="coerce").astype("float64")
    is_bool = series.map(type).eq(bool) if series.dtype == object else series.dtype == bool
    bad = numeric.isna() | (numeric % 1 != 0) | ~np.isfinite(numeric) | is_bool
    problems = [
        Problem(file=file, message=f"population non entière : {series[i]!r}")
        for i in series.index[bad][:20]
    ]
    problems += [
        Problem(file=file, message=f"population négative : {int(numeric[i])}")
        for i in series.index[~bad & (numeric < 0)][:20]
    ]
    if problems:
        raise InputError(problems)
    return numeric.to_numpy(dtype=np.int64)
