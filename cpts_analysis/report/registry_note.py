"""Where a report's registry comes from and which of its figures rest on an assumption.

Every template shows it: a registry imported from a published list carries its provenance
(``Registry.provenance``, written by ``import``: file, sheet, date, options, names matched,
parts assumed equal), and any registry can hold CPTS whose state or signing date is missing,
for which no amount is computed.
"""

from __future__ import annotations

import html
from pathlib import Path

from IPython.display import HTML

from cpts_analysis.core.vocabulary import PROVENANCE
from cpts_analysis.territory.registry import Registry

SHOWN = 12
"""Lines shown per kind of element (names matched, rows not taken…); the rest is counted."""


def registry_note(registry: Registry) -> HTML:
    """The registry's source, its provenance when it was imported, and its assumptions."""
    items = [f"<li>Registre : {html.escape(Path(registry.source).name)}</li>"]
    if registry.provenance.empty:
        items.append("<li>Registre saisi directement (aucune provenance d'import).</li>")
    for element, rows in registry.provenance.groupby("element", sort=False):
        label = html.escape(PROVENANCE.get(str(element), str(element)))
        values = [html.escape(str(value)) for value in rows["valeur"]]
        more = f" (et {len(values) - SHOWN} autres)" if len(values) > SHOWN else ""
        items += [f"<li>{label} : {value}</li>" for value in values[:SHOWN]]
        if more:
            items.append(f"<li>{label} : …{more}</li>")
    unsigned = registry.cpts["date_signature"].isna()
    if unsigned.any():
        items.append(
            f"<li>{PROVENANCE['hypothese']} : {int(unsigned.sum())} CPTS sur {len(unsigned)} "
            "sans date de signature (statut projet ou non renseigné) : aucun financement ACI "
            "n'est calculé pour elles.</li>"
        )
    return HTML(f"<ul>{''.join(items)}</ul>")
