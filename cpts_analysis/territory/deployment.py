"""Mission deployment against the ACI calendar, on a reference date.

A socle mission must start within N months of signature (calendar in ``missions.yaml``).
For the crisis mission, which did not exist before avenant 2, the clock of a CPTS signed
earlier starts when avenant 2 came into force — our convention, since the text read gives no
rule (the ARS PACA only expected plans "by 2024").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpts_analysis.aci.missions import catalogue, deadlines
from cpts_analysis.aci.rules import rule_sets, rules_at
from cpts_analysis.core.types import DateLike


def deployment_status(cpts: pd.DataFrame, missions: pd.DataFrame, date: DateLike) -> pd.DataFrame:
    """One row per signed CPTS and mission in force on ``date``: its start, deadline and state.

    ``cpts``: ``cpts_id``, ``date_signature``; ``missions``: ``cpts_id``, ``mission``,
    ``date_demarrage``. States: ``en_cours``, ``demarree_en_retard`` (started after the
    deadline), ``en_retard`` (deadline passed, not started), ``a_venir``, ``optionnelle``.
    """
    day = pd.Timestamp(date)
    in_force = rules_at(day).missions
    signed = cpts.loc[cpts["date_signature"].notna(), ["cpts_id", "date_signature"]]
    grid = signed.merge(pd.DataFrame({"mission": list(in_force)}), how="cross")
    grid = grid.merge(
        missions[["cpts_id", "mission", "date_demarrage"]], on=["cpts_id", "mission"], how="left"
    )
    since = {r.id: pd.Timestamp(r.start) for r in rule_sets()}
    mission_since = grid["mission"].map({m.id: since[m.since] for m in catalogue().values()})
    clock = grid["date_signature"].where(grid["date_signature"] >= mission_since, mission_since)
    limits = deadlines(clock, grid["mission"])
    grid["date_limite_demarrage"] = limits["start_deadline"].to_numpy()
    grid["date_limite_deploiement"] = limits["deploy_deadline"].to_numpy()

    started = grid["date_demarrage"].notna() & (grid["date_demarrage"] <= day)
    has_deadline = grid["date_limite_demarrage"].notna()
    late_start = started & has_deadline & (grid["date_demarrage"] > grid["date_limite_demarrage"])
    overdue = ~started & has_deadline & (grid["date_limite_demarrage"] < day)
    grid["etat"] = np.select(
        [late_start, started, overdue, ~has_deadline],
        ["demarree_en_retard", "en_cours", "en_retard", "optionnelle"],
        default="a_venir",
    )
    grid["retard_jours"] = np.where(
        late_start,
        (grid["date_demarrage"] - grid["date_limite_demarrage"]).dt.days,
        np.where(overdue, (day - grid["date_limite_demarrage"]).dt.days, 0),
    ).astype("int64")
    order = {mission: rank for rank, mission in enumerate(catalogue())}
    return grid.sort_values(
        ["cpts_id", "mission"],
        key=lambda s: s.map(order) if s.name == "mission" else s,
        ignore_index=True,
    )
