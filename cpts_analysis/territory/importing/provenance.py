"""Where an imported registry came from, written beside it as its ``provenance`` table.

A report built on an imported list rests on choices the reader cannot see in the figures: the
file and sheet read, names matched through the commune history, parts assumed equal, states
missing. Each becomes one row ``element, valeur`` (French text), which the registry reader
exposes as ``Registry.provenance``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from cpts_analysis.aci.missions import catalogue
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.vocabulary import IMPORT_COLUMN_ROLES
from cpts_analysis.territory.importing.composing import ImportResult
from cpts_analysis.territory.importing.source import FlatTable


def provenance_table(
    table: FlatTable,
    result: ImportResult,
    source_name: str,
    choices: Sequence[str],
    day: dt.date,
) -> pd.DataFrame:
    """The ``provenance`` rows of an import of ``source_name`` on ``day`` with ``choices``
    (command-line options as typed)."""
    rows = [("source", source_name)]
    if table.sheet is not None:
        rows.append(("feuille", table.sheet))
    rows.append(("date_import", format_date(day)))
    rows += [("choix", choice) for choice in choices] or [("choix", "aucune option")]
    missions = catalogue()
    columns = " ; ".join(
        f"{IMPORT_COLUMN_ROLES.get(role) or missions[role.removeprefix('mission:')].short_label} : "
        f"« {header} »"
        for role, header in table.columns.items()
    )
    rows.append(("colonnes", columns))
    rows.append(
        (
            "compte",
            f"{result.rows} ligne(s) lue(s), {result.cpts} CPTS, {result.communes} commune(s) ; "
            f"par code {result.by_code}, par ancien code {len(result.historical)}, par nom "
            f"{result.by_name} (dont {len(result.history_names)} par l'historique des communes "
            f"ou sans article), non résolues {len(result.unresolved)}",
        )
    )
    rows += [("ancien_code", f"ligne {h['row']} : {label}") for h, label in _historical(result)]
    rows += [
        ("nom_historique", f"ligne {h['row']} : « {h['value']} » → {h['commune']} ({h['via']})")
        for h in result.history_names
    ]
    rows += result.notes
    rows += [
        ("non_resolue", f"ligne {u['row']} : « {u['value']} » ({reason}), ligne non écrite")
        for u, reason in zip(result.unresolved, result.reasons, strict=True)
    ]
    rows += [
        (
            "non_repris",
            f"ligne {u['row']}, colonne {u['column']} : « {u['value']} » : {u['reason']}",
        )
        for u in result.unmapped
    ]
    return pd.DataFrame(rows, columns=["element", "valeur"])


def _historical(result: ImportResult) -> list[tuple[dict[str, object], str]]:
    return list(zip(result.historical, result.historical_labels, strict=True))
