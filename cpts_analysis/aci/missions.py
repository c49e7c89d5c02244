"""The ACI mission catalogue: ids, French labels, category, deployment calendar, indicators.

Read from ``parameters/missions.yaml`` so that the calendar (a legal figure) carries its source
and status like every amount.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from cpts_analysis.aci.parameter_files import ParameterTree, default_tree
from cpts_analysis.core.vocabulary import GROUPS


@dataclass(frozen=True)
class Indicator:
    name: str
    direction: str
    unit: str
    status: str
    source: str


@dataclass(frozen=True)
class Mission:
    id: str
    label: str
    short_label: str
    category: str
    since: str
    start_months: int | None
    deploy_months: int | None
    calendar_status: str
    calendar_source: str
    indicators: tuple[Indicator, ...]

    @property
    def mandatory(self) -> bool:
        return self.category == "socle"


def catalogue(tree: ParameterTree | None = None) -> dict[str, Mission]:
    """All missions ever defined, in file order (socle first); a fresh dict of shared frozen
    missions, built once per parameter tree (labels are looked up row by row in tables)."""
    return dict(_catalogue(tree or default_tree()))


@functools.lru_cache(maxsize=8)
def _catalogue(tree: ParameterTree) -> dict[str, Mission]:
    return {
        mission_id: Mission(
            id=mission_id,
            label=entry.label,
            short_label=entry.short_label,
            category=entry.category,
            since=entry.since,
            start_months=entry.calendar.start_months,
            deploy_months=entry.calendar.deploy_months,
            calendar_status=entry.calendar.status,
            calendar_source=entry.calendar.source,
            indicators=tuple(Indicator(**i.model_dump()) for i in entry.indicators),
        )
        for mission_id, entry in tree.missions.missions.items()
    }


def deadlines(
    signatures: pd.Series, mission_ids: pd.Series, tree: ParameterTree | None = None
) -> pd.DataFrame:
    """Latest start and full-deployment dates per row; NaT where the calendar is free.

    Months are calendar months after signature (``DateOffset``), so 31/08 + 6 months = 28/02.
    """
    missions = catalogue(tree)
    signatures = pd.to_datetime(pd.Series(signatures).reset_index(drop=True))
    ids = pd.Series(mission_ids).reset_index(drop=True)
    out = {}
    columns = (("start_deadline", "start_months"), ("deploy_deadline", "deploy_months"))
    for column, attribute in columns:
        months = ids.map({m.id: getattr(m, attribute) for m in missions.values()})
        result = pd.Series(pd.NaT, index=ids.index, dtype="datetime64[ns]")
        for value in months.dropna().unique():
            rows = months == value
            result[rows] = signatures[rows] + pd.DateOffset(months=int(value))
        out[column] = result
    return pd.DataFrame(out)


def mission_order(tree: ParameterTree | None = None) -> list[str]:
    """Display order: the catalogue's (socle missions first)."""
    return list(catalogue(tree))


def group_label(group: str) -> str:
    """French name of an amount group: a mission's short label, or a group of the vocabulary
    (``fonctionnement``…); an unknown group is shown as is."""
    missions = catalogue()
    return missions[group].short_label if group in missions else GROUPS.get(group, group)
