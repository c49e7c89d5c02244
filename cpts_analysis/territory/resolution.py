"""Which territory a code names: a department, a region or one CPTS of the registry.

Codes such as 84 are both a department (Vaucluse) and a region (Auvergne-Rhône-Alpes):
``region:84`` / ``departement:84`` / ``cpts:ID`` say which; a bare code means the one the
registry touches.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cpts_analysis.core.errors import InputError
from cpts_analysis.core.vocabulary import LEVELS
from cpts_analysis.territory.communes import load_departements, load_regions
from cpts_analysis.territory.registry import Registry


@dataclass(frozen=True)
class Territory:
    level: str  # "departement", "region" or "cpts"
    code: str
    name: str
    departements: tuple[str, ...]

    @property
    def title(self) -> str:
        return (
            f"{LEVELS[self.level]} {self.name} ({self.code})" if self.level != "cpts" else self.name
        )


def resolve_territory(code: str, registry: Registry) -> Territory:
    """A department, region or CPTS code; ``region:84`` / ``departement:84`` / ``cpts:ID``
    remove the ambiguity of codes such as 84 (Vaucluse and Auvergne-Rhône-Alpes)."""
    level, _, value = code.partition(":") if ":" in code else ("", "", code)
    departements = load_departements().set_index("code")
    regions = load_regions().set_index("code")
    touched = set(registry.cpts["departement"])
    candidates = []
    if level in ("", "region") and value in regions.index:
        deps = tuple(sorted(departements.index[departements["region"] == value]))
        if level or touched & set(deps):
            candidates.append(Territory("region", value, regions.loc[value, "nom"], deps))
    if level in ("", "departement") and value in departements.index and (level or value in touched):
        candidates.append(Territory("departement", value, departements.loc[value, "nom"], (value,)))
    if level in ("", "cpts") and value in set(registry.cpts["cpts_id"]):
        row = registry.cpts.set_index("cpts_id").loc[value]
        candidates.append(Territory("cpts", value, row["nom"], (row["departement"],)))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InputError.single(
            "territoire",
            f"« {code} » n'est ni un département ni une région ni une CPTS du registre "
            f"{registry.source}",
        )
    raise InputError.single(
        "territoire",
        f"« {code} » est ambigu ({', '.join(c.level for c in candidates)}) : précisez "
        f"{' ou '.join(f'{c.level}:{value}' for c in candidates)}",
    )


def cpts_in(territory: Territory, registry: Registry) -> pd.DataFrame:
    """The registry's CPTS attached to the territory (by their ``departement`` column)."""
    cpts = registry.cpts
    if territory.level == "cpts":
        return cpts[cpts["cpts_id"] == territory.code]
    return cpts[cpts["departement"].isin(territory.departements)]


def registry_cpts(cpts_id: str, registry: Registry, field: str = "cpts") -> pd.DataFrame:
    """The registry row of ``cpts_id``; an error naming ``field`` (the parameter that gave the
    id) when the registry has no such CPTS."""
    rows = registry.cpts[registry.cpts["cpts_id"] == cpts_id]
    if rows.empty:
        raise InputError.single(field, f"CPTS « {cpts_id} » absente du registre {registry.source}")
    return rows
