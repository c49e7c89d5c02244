"""Territory indicators of a set of CPTS: the shipped ones and the registry's, one catalogue."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cpts_analysis.territory.indicators import (
    AGGREGATIONS,
    SHIPPED_CATALOGUE,
    aggregate_indicators,
    shipped_indicators,
)
from cpts_analysis.territory.registry import Registry


@dataclass(frozen=True)
class Indicators:
    catalogue: pd.DataFrame  # indicateur, libelle, unite, agregation, source (display order)
    values: pd.DataFrame  # cpts_id, indicateur, valeur, communes, communes_renseignees

    def wide(self) -> pd.DataFrame:
        """One row per CPTS, one column per indicator (catalogue order)."""
        table = self.values.pivot(index="cpts_id", columns="indicateur", values="valeur")
        return table.reindex(columns=list(self.catalogue["indicateur"]))

    def named_values(self) -> pd.DataFrame:
        """``values`` with each indicator by its name and unit rather than its id
        (``densite`` → « Densité de population », hab./km²): the workbook's sheet."""
        names = self.catalogue.set_index("indicateur")[["libelle", "unite"]]
        named = self.values.join(names, on="indicateur")
        columns = ["cpts_id", "libelle", "unite", "valeur", "communes", "communes_renseignees"]
        return named[columns]

    def partial(self) -> pd.DataFrame:
        """(CPTS, indicator) pairs where some member communes have no value."""
        values = self.values
        return values[values["communes_renseignees"] < values["communes"]]


def cpts_indicators(registry: Registry, memberships: pd.DataFrame) -> Indicators:
    """Every indicator of the CPTS of ``memberships`` (``cpts_id``, ``code_commune``, and
    ``part`` when the registry has it)."""
    user = registry.catalogue_indicateurs.assign(
        unite=registry.catalogue_indicateurs["unite"].fillna(""),
        source=f"registre {registry.source.name}",
    )
    catalogue = pd.concat([SHIPPED_CATALOGUE, user], ignore_index=True)
    catalogue["agregation"] = catalogue["agregation"].map(lambda a: AGGREGATIONS.get(a, a))
    values = pd.concat(
        [
            shipped_indicators(memberships),
            aggregate_indicators(memberships, registry.indicateurs, user),
        ],
        ignore_index=True,
    )
    return Indicators(catalogue=catalogue, values=values)
