"""Every figure of a parameter tree with its effective date, source and status, as one table.

This is what a reader who never opens YAML needs to check a report: the documentation's
sources page is generated from it, so it cannot drift from the files the engine reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
from pydantic import BaseModel

from cpts_analysis.aci.parameter_files import ParameterTree, default_tree

COLUMNS = ["fichier", "quantite", "date_effet", "valeur", "statut", "source", "note"]
_EVIDENCE = ("status", "source", "note")


def parameter_sources(tree: ParameterTree | None = None) -> pd.DataFrame:
    """One row per figure (amount, threshold, rate, flag, date, delay) of the parameter files.

    A figure takes the ``status``, ``source`` and ``note`` written next to it, or else those of
    the nearest enclosing entry, exactly as the loader applies them.

    Examples:
        >>> table = parameter_sources()
        >>> row = table[(table["quantite"] == "fonctionnement.taille_2")].iloc[0]
        >>> row["fichier"], row["date_effet"], row["valeur"], row["statut"]
        ('montants/fonctionnement.yaml', '2019-08-25', 60000.0, 'confirmed')
    """
    tree = tree or default_tree()
    files: list[tuple[str, BaseModel]] = [
        ("rule_sets.yaml", tree.rule_sets),
        ("tiers.yaml", tree.tiers),
        ("paiement.yaml", tree.payment),
        ("missions.yaml", tree.missions),
        *((f"montants/{amounts.group}.yaml", amounts) for amounts in tree.amounts),
    ]
    rows = [
        (name, *row) for name, model in files for row in _figures(model, (), None, _no_evidence())
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _no_evidence() -> dict[str, Any]:
    return dict.fromkeys(_EVIDENCE)


def _figures(
    node: Any, path: tuple[str, ...], date: str | None, evidence: dict[str, Any]
) -> Iterator[tuple[str, str | None, Any, Any, Any, Any]]:
    if isinstance(node, BaseModel):
        fields = {name: getattr(node, name) for name in type(node).model_fields}
        own = {key: fields[key] for key in _EVIDENCE if fields.get(key) is not None}
        if "status" in own:  # a new piece of evidence replaces the enclosing one as a whole
            evidence = {**_no_evidence(), **own}
        if set(fields) - set(_EVIDENCE) == {"value"}:  # a value with its own evidence
            yield from _figures(fields["value"], path, date, evidence)
            return
        for name, value in fields.items():
            if name not in _EVIDENCE:
                yield from _figures(value, (*path, name.rstrip("_")), date, evidence)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, dt.date):
                yield from _figures(value, path, key.isoformat(), evidence)
            else:
                yield from _figures(value, (*path, str(key)), date, evidence)
    elif isinstance(node, list):
        for index, value in enumerate(node, 1):
            yield from _figures(value, (*path, str(index)), date, evidence)
    elif isinstance(node, bool | int | float | dt.date):
        value = node.isoformat() if isinstance(node, dt.date) else node
        quantity = ".".join(part for part in path if part not in ("values", "components"))
        yield (quantity, date, value, evidence["status"], evidence["source"], evidence["note"])
