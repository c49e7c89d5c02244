"""The variable part earned from a contract's indicators: levels (paliers) reached and amounts.

A local ACI contract shares each mission's variable envelope among indicators (fact sheet S25,
two published year-5 annexes of taille-3 CPTS): **action** indicators (done or not) earn their
one amount when done; **result** indicators, set against a starting value, have up to three
levels, each with the amount the indicator earns in all when it is the highest level reached
(3 000 / 6 000 / 9 000 €, not increments). No national text read gives this rule, so:

* levels and amounts per indicator: CONFIRMED locally (S25);
* a value exactly on a threshold reaches it (« 50 ou moins » in S25's annex): CONFIRMED locally;
* a mission earns the sum of its indicators, capped at its variable envelope for the year (in
  S25 the indicators' amounts add up to the envelope): CONSISTENT;
* an indicator without an observation earns nothing: project convention (the review reports it
  « non renseigné »);
* the national rule for partly met indicators: UNCONFIRMED (fact sheet, open point 5).

The rule has no figure of its own: the amounts are the contract's, so nothing is added to the
parameter files; the statuses above are documented on the « Preuves et statuts » page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpts_analysis.core.errors import InputError, Problem

LEVELS = (1, 2, 3)
THRESHOLDS = [f"threshold_{k}" for k in LEVELS]
AMOUNTS = [f"amount_{k}" for k in LEVELS]
KEYS = ["cpts_id", "contract_year", "indicator"]
LEVEL_COLUMNS = ["value", "observed", "level", "earned", "max_amount", "next_level", "gap"]


def indicator_levels(indicators: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """``indicators`` with what each earned from ``observations``.

    * ``indicators``: ``cpts_id``, ``contract_year``, ``mission``, ``indicator``, ``kind``
      (``action`` or ``resultat``), ``direction`` (``hausse`` or ``baisse``, results only),
      ``threshold_1..3`` (results) and ``amount_1..3`` (NaN for an absent level); other
      columns are kept.
    * ``observations``: ``cpts_id``, ``contract_year``, ``indicator``, ``value`` (a number for
      a result; 1 for an action done, 0 for one not done).

    Added columns: ``value``; ``observed``; ``level`` (highest level reached, 0 for none,
    ``<NA>`` when not observed); ``earned`` (amount of that level, 0 when none or not
    observed); ``max_amount`` (amount of the top level); ``next_level`` (``<NA>`` at the top
    or when not observed) and ``gap`` (how far the value is from the next level's threshold,
    counted in the indicator's direction; NaN for actions).

    Examples:
        >>> import numpy as np, pandas as pd
        >>> ald = pd.DataFrame({"cpts_id": ["A"], "contract_year": [5], "mission": ["acces_soins"],
        ...     "indicator": ["ald"], "kind": ["resultat"], "direction": ["baisse"],
        ...     "threshold_1": [100.0], "threshold_2": [50.0], "threshold_3": [20.0],
        ...     "amount_1": [3000.0], "amount_2": [6000.0], "amount_3": [9000.0]})
        >>> seen = pd.DataFrame({"cpts_id": ["A"], "contract_year": [5], "indicator": ["ald"],
        ...     "value": [50.0]})
        >>> row = indicator_levels(ald, seen).iloc[0]
        >>> int(row["level"]), float(row["earned"]), int(row["next_level"]), float(row["gap"])
        (2, 6000.0, 3, 30.0)
    """
    frame = indicators.reset_index(drop=True).drop(columns=LEVEL_COLUMNS, errors="ignore")
    seen = observations[[*KEYS, "value"]].drop_duplicates(KEYS)
    frame = frame.merge(seen, on=KEYS, how="left", validate="one_to_one")
    action = (frame["kind"] == "action").to_numpy()
    # An action is a result of one level whose threshold is "done" (1), in the rising direction.
    sign = np.where(action | (frame["direction"] == "hausse").to_numpy(), 1.0, -1.0)
    thresholds = frame[THRESHOLDS].to_numpy(dtype=float, copy=True)
    thresholds[action] = [1.0, np.nan, np.nan]
    amounts = frame[AMOUNTS].to_numpy(dtype=float)
    value = frame["value"].to_numpy(dtype=float)
    observed = ~np.isnan(value)

    with np.errstate(invalid="ignore"):  # NaN thresholds and values compare False: not reached
        reached = sign[:, None] * value[:, None] >= sign[:, None] * thresholds
    level = np.select([reached[:, 2], reached[:, 1], reached[:, 0]], [3, 2, 1], default=0)
    count = (~np.isnan(amounts)).sum(axis=1)
    rows = np.arange(len(frame))
    earned = np.where(level > 0, amounts[rows, np.maximum(level - 1, 0)], 0.0)
    top = amounts[rows, np.maximum(count - 1, 0)]
    has_next = observed & (level < count)
    next_threshold = thresholds[rows, np.minimum(level, 2)]
    gap = np.where(has_next & ~action, sign * (next_threshold - value), np.nan)

    return frame.assign(
        observed=observed,
        level=pd.Series(level, dtype="Int64").where(observed),
        earned=np.where(observed, earned, 0.0),
        max_amount=np.where(count > 0, top, 0.0),
        next_level=pd.Series(level + 1, dtype="Int64").where(has_next),
        gap=gap,
    )


def mission_earned(levels: pd.DataFrame) -> pd.DataFrame:
    """Sum earned by the indicators of each CPTS, contract year and mission (before the cap)."""
    return levels.groupby(["cpts_id", "contract_year", "mission"], as_index=False, sort=False)[
        "earned"
    ].sum()


def check_single_source(achievements: pd.DataFrame | None, earned: pd.DataFrame) -> None:
    """A mission-year's variable part comes from a typed rate or from indicators, never both."""
    if achievements is None or achievements.empty:
        return
    keys = ["cpts_id", "contract_year", "mission"]
    both = earned[keys].merge(achievements[keys])
    if len(both):
        raise InputError(
            Problem(
                file="achievements",
                message=f"{r.cpts_id}, année {r.contract_year}, {r.mission} : taux "
                "d'atteinte et indicateurs donnés ensemble (un seul des deux)",
            )
            for r in both.itertuples()
        )


def capped_rate(earned: pd.Series | np.ndarray, envelope: pd.Series | np.ndarray) -> np.ndarray:
    """Share of the variable envelope earned: the sum earned, capped at the envelope (0 when
    the envelope is 0), as the achievement rate the funding engine applies."""
    earned = np.asarray(earned, dtype=float)
    envelope = np.asarray(envelope, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(envelope > 0, np.minimum(earned, envelope) / envelope, 0.0)
