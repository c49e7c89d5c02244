"""Report pieces about communes shared between CPTS (``part`` column of the registry)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from cpts_analysis.analysis.comparison import Comparison
from cpts_analysis.core.formatting import format_percent
from cpts_analysis.report.tables import formatted, number_cell


def format_share(value: object) -> str:
    """A part of a commune's population (0.4 → 40,0 %; whole shares without decimals)."""
    share = pd.to_numeric(value)
    return format_percent(share, 0 if share in (0, 1) else 1)


def shared_table(result: Comparison) -> pd.DataFrame | HTML:
    """Communes split between CPTS (``part`` column of the registry), with each CPTS's share."""
    if result.shared.empty:
        return HTML("<p>Aucune commune n'est partagée entre CPTS du territoire.</p>")
    names = result.cpts.set_index("cpts_id")["nom"]
    shared = result.shared.rename(columns={"nom": "commune", "population": "commune_population"})
    return formatted(
        shared.assign(cpts=shared["cpts_id"].map(names)),
        {
            "code_commune": None,
            "commune": None,
            "cpts": None,
            "part": format_share,
            "commune_population": number_cell,
            "population_cpts": number_cell,
        },
    )
