"""The registry's tables (files or sheets), their columns, and how text cells are parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from cpts_analysis.core.french_input import parse_code, parse_dates, parse_numbers
from cpts_analysis.core.vocabulary import CPTS_STATES, YES_NO

STATUTS = ("pre-projet", "projet", "signe")
FONCTIONNEMENT = "fonctionnement"
MAX_PER_RULE = 50  # problems listed per rule and file; the rest is counted in one last line
LINE = "ligne"  # internal column: the row number the user sees (unknown columns are dropped first)


@dataclass(frozen=True)
class TableSpec:
    """One file or sheet: its columns (name → parsed kind) and which values may be empty."""

    name: str
    columns: dict[str, str]
    required: bool = True
    optional_values: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # a row is given at most once per key
    optional_columns: tuple[str, ...] = ()  # may be left out of the header (values then blank)
    template: bool = True  # written, headers only, in a blank registry


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "cpts",
            {
                "cpts_id": "text",
                "nom": "text",
                "departement": "text",
                "date_signature": "date",
                "statut": "text",
            },
            optional_values=("date_signature",),
        ),
        TableSpec(
            "communes",
            {"cpts_id": "text", "code_commune": "text", "part": "part"},
            optional_values=("part",),
            optional_columns=("part",),
        ),
        TableSpec("missions", {"cpts_id": "text", "mission": "text", "date_demarrage": "date"}),
        TableSpec(
            "resultats",
            {
                "cpts_id": "text",
                "annee_contrat": "int",
                "mission": "text",
                "taux_atteinte": "float",
            },
            required=False,
            key=("cpts_id", "annee_contrat", "mission"),
        ),
        TableSpec(
            "montants",
            {
                "cpts_id": "text",
                "annee_contrat": "int",
                "mission": "text",
                "composante": "text",
                "montant": "float",
            },
            required=False,
            key=("cpts_id", "annee_contrat", "mission", "composante"),
        ),
        TableSpec(
            "indicateurs_contrat",
            {
                "cpts_id": "text",
                "annee_contrat": "int",
                "mission": "text",
                "indicateur": "text",
                "libelle": "text",
                "type": "text",
                "sens": "text",
                "valeur_initiale": "float",
                **{f"{column}_{k}": "float" for k in (1, 2, 3) for column in ("seuil", "montant")},
            },
            required=False,
            optional_values=(
                "sens",
                "valeur_initiale",
                "seuil_1",
                "seuil_2",
                "montant_2",
                "seuil_3",
                "montant_3",
            ),
            key=("cpts_id", "annee_contrat", "indicateur"),
        ),
        TableSpec(
            "resultats_indicateurs",
            {"cpts_id": "text", "annee_contrat": "int", "indicateur": "text", "valeur": "text"},
            required=False,
            key=("cpts_id", "annee_contrat", "indicateur"),
        ),
        TableSpec(
            "indicateurs",
            {"code_commune": "text", "indicateur": "text", "valeur": "float"},
            required=False,
            key=("code_commune", "indicateur"),
        ),
        TableSpec(
            "catalogue_indicateurs",
            {"indicateur": "text", "libelle": "text", "unite": "text", "agregation": "text"},
            required=False,
            optional_values=("unite",),
            key=("indicateur",),
        ),
        TableSpec(  # written by ``import``: where the list came from, what was assumed
            "provenance",
            {"element": "text", "valeur": "text"},
            required=False,
            optional_values=("valeur",),
            template=False,
        ),
    )
}
INDICATOR_TABLES = ("indicateurs", "catalogue_indicateurs")
CONTRACT_TABLES = ("indicateurs_contrat", "resultats_indicateurs")
INDICATOR_KINDS = ("action", "resultat")
DIRECTIONS = ("hausse", "baisse")
DONE = {
    YES_NO[True]: 1.0,
    YES_NO[False]: 0.0,
}  # how an action is answered in ``resultats_indicateurs``
ORDER = {name: index for index, name in enumerate(TABLES)}


def coded(frame: pd.DataFrame) -> pd.DataFrame:
    """States, missions, indicator types and directions as codes, whether typed as the code or
    in French, with or without accents or capitals (``Signé``, ``Accès aux soins``,
    ``Résultat``); an unknown value stays as typed, for the checks to report."""
    from cpts_analysis.aci.missions import catalogue

    missions = {FONCTIONNEMENT: FONCTIONNEMENT} | {
        m.id: m.short_label for m in catalogue().values()
    }
    codes = {
        "statut": CPTS_STATES,
        "mission": missions,
        "type": dict(zip(INDICATOR_KINDS, INDICATOR_KINDS, strict=True)),
        "sens": dict(zip(DIRECTIONS, DIRECTIONS, strict=True)),
    }
    out = frame.copy()
    for column in set(codes) & set(out.columns):
        out[column] = out[column].map(
            lambda text, known=codes[column]: parse_code(text, known) or text if text else text
        )
    return out


def leading_zero_hint(code: str) -> str:
    """Excel turns 01001 into 1001 when a code column is typed as a number."""
    return f" ; zéro initial perdu ? « 0{code} »" if re.fullmatch(r"\d{4}", code) else ""


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(values)`` that keeps the dtype of ``values`` even when ``keys`` is empty."""
    return pd.Series(values.reindex(keys.to_numpy()).to_numpy(), index=keys.index)


def typed(spec: TableSpec, frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None:
        frame = pd.DataFrame({name: pd.Series(dtype=str) for name in spec.columns})
    out = frame[list(spec.columns)].copy()
    for name, kind in spec.columns.items():
        if kind == "date":
            out[name] = parse_dates(out[name])[0]
        elif kind == "int":
            out[name] = out[name].astype("int64")
        elif kind == "float":
            out[name] = parse_numbers(out[name])
        elif kind == "part":  # share of a commune's population; blank means the whole commune
            out[name] = parse_numbers(out[name]).fillna(1.0)
    return out
