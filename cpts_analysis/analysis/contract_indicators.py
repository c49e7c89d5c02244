"""The registry's contract indicators and observations, fed to the levels rule of the aci layer.

One function, used by the funding inputs (so schedules, budgets and reports pay what the
indicators earned) and by the annual review (which shows it indicator by indicator).
"""

from __future__ import annotations

import pandas as pd

from cpts_analysis.aci.indicator_levels import indicator_levels
from cpts_analysis.territory.registry import Registry
from cpts_analysis.territory.registry.tables import DONE, parse_numbers

_ENGINE_NAMES = {
    "annee_contrat": "contract_year",
    "indicateur": "indicator",
    "type": "kind",
    "sens": "direction",
    **{f"seuil_{k}": f"threshold_{k}" for k in (1, 2, 3)},
    **{f"montant_{k}": f"amount_{k}" for k in (1, 2, 3)},
}


def registry_indicator_levels(registry: Registry, ids: set[str] | pd.Series) -> pd.DataFrame:
    """Every contract indicator of the CPTS ``ids``, with its level reached and amount earned
    (``aci.indicator_levels.indicator_levels``); ``libelle``, ``valeur_initiale`` and the
    answer as typed (``valeur``) are kept."""
    indicators = registry.indicateurs_contrat
    indicators = indicators[indicators["cpts_id"].isin(ids)].rename(columns=_ENGINE_NAMES)
    seen = registry.resultats_indicateurs
    seen = seen[seen["cpts_id"].isin(ids)].rename(columns=_ENGINE_NAMES)
    answer = seen["valeur"].str.lower().map(DONE)
    seen = seen.assign(value=answer.fillna(parse_numbers(seen["valeur"])))
    levels = indicator_levels(indicators, seen)
    typed_answer = seen.set_index(["cpts_id", "contract_year", "indicator"])["valeur"]
    keys = pd.MultiIndex.from_frame(levels[["cpts_id", "contract_year", "indicator"]])
    return levels.assign(valeur=typed_answer.reindex(keys).to_numpy())
