"""Former commune codes in a registry: mapped to today's commune, with a warning each.

Real CPTS lists keep the codes of communes merged into communes nouvelles; refusing them would
make the user look each one up by hand, while the INSEE history says exactly where they went.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from cpts_analysis.core.errors import Problem
from cpts_analysis.core.frames import isin
from cpts_analysis.core.vocabulary import FORMER_COMMUNE_KINDS
from cpts_analysis.territory.communes import load_commune_history, load_communes
from cpts_analysis.territory.registry.tables import LINE, MAX_PER_RULE


def former_codes() -> pd.DataFrame:
    """History rows whose code is no longer current, indexed by that code, with both names."""
    communes = load_communes().set_index("code")
    history = load_commune_history()
    history = history[~isin(history["code_ancien"], communes.index)]
    return history.assign(nom=history["code"].map(communes["nom"])).set_index("code_ancien")


def describe_former(code: str, row: pd.Series) -> str:
    """« 01003 » (Amareins, ancienne commune) est aujourd'hui 01165 (Nom)."""
    name = row["nom_ancien"]
    what = FORMER_COMMUNE_KINDS[row["type"]]
    label = f"{name}, {what}" if isinstance(name, str) else f"{what}, nom inconnu"
    return f"« {code} » ({label}) est aujourd'hui {row['code']} ({row['nom']})"


def capped(
    label: str, rows: pd.DataFrame, rule: str, detail: Callable[[Any], str]
) -> list[Problem]:
    """One warning per row for the first ``MAX_PER_RULE`` rows, then one counting the rest."""
    problems = [
        Problem(
            label,
            f"{rule} : {detail(r)}",
            row=int(r.ligne),
            field="code_commune",
            severity="warning",
        )
        for r in rows.head(MAX_PER_RULE).itertuples()
    ]
    rest = len(rows) - MAX_PER_RULE
    if rest > 0:
        problems.append(
            Problem(
                label,
                f"… et {rest} autre(s) ligne(s) : {rule}",
                field="code_commune",
                severity="warning",
            )
        )
    return problems


def map_former_codes(frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[Problem]]:
    """``communes`` rows with former codes replaced by the current commune, and warnings.

    A former code whose current commune the same CPTS also lists is dropped (counted once).
    """
    if not {"cpts_id", "code_commune"} <= set(frame.columns):
        return frame, []
    former = former_codes()
    code = frame["code_commune"]
    mapped = isin(code, former.index)
    if not mapped.any():
        return frame, []
    problems = capped(
        label,
        frame[mapped],
        "code historique",
        lambda r: (
            f"{describe_former(r.code_commune, former.loc[r.code_commune])} ; la ligne compte "
            "pour la commune actuelle"
        ),
    )
    frame = frame.assign(
        code_commune=code.where(~mapped, code.map(former["code"])), historique=mapped
    )
    keys = ["cpts_id", "code_commune"]
    ordered = frame.sort_values(["historique", LINE], kind="stable")
    kept = ordered.drop_duplicates(keys)
    first = kept.set_index(keys)[LINE]
    dropped = ordered[ordered.duplicated(keys) & ordered["historique"]]
    problems += capped(
        label,
        dropped,
        "commune déjà donnée pour la CPTS",
        lambda r: (
            f"« {code[r.Index]} » désigne {r.code_commune}, déjà donnée ligne "
            f"{first[(r.cpts_id, r.code_commune)]} : ligne ignorée (la population n'est pas "
            "comptée deux fois)"
        ),
    )
    frame = frame.drop(index=dropped.index, columns="historique")
    return frame.reset_index(drop=True), problems
