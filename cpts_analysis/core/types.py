"""Types shared by every layer."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import pandas as pd

DateLike: TypeAlias = dt.date | str | pd.Timestamp
"""A date as callers give it: a ``date``, an ISO string (``"2025-06-01"``) or a Timestamp."""
