"""From a flat list to registry tables: resolve communes, group CPTS, settle shared cities.

The output is the ``template`` format: deterministic ``cpts_id`` (department of most of the
CPTS's communes, then the order of first appearance), ``statut`` ``projet``, no date, no
mission. Nothing is guessed: unresolved rows are listed, never matched to a likely commune.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from cpts_analysis.core.errors import Problem
from cpts_analysis.territory.communes import cities_with_arrondissements, load_communes
from cpts_analysis.territory.importing.matching import CommuneMatcher, Resolution, former_name
from cpts_analysis.territory.importing.names import name_key
from cpts_analysis.territory.importing.source import FlatTable
from cpts_analysis.territory.importing.states import StateReading, read_states


@dataclass
class ImportResult:
    """Registry tables (text) and what the import did, for the summary and the JSON contract."""

    tables: dict[str, pd.DataFrame]
    rows: int
    by_code: int
    by_name: int
    historical: list[dict[str, Any]]
    history_names: list[dict[str, Any]]  # names matched through the commune history
    unresolved: list[dict[str, Any]]
    shared: list[dict[str, Any]]
    duplicates: int
    unmapped: list[dict[str, Any]] = field(default_factory=list)  # state cells not used
    notes: list[tuple[str, str]] = field(default_factory=list)  # provenance: (element, text)
    reasons: list[str] = field(default_factory=list)  # why each unresolved row is, in order
    historical_labels: list[str] = field(default_factory=list)  # old → new, with both names
    warnings: list[Problem] = field(default_factory=list)

    @property
    def cpts(self) -> int:
        return len(self.tables["cpts"])

    @property
    def communes(self) -> int:
        return int(self.tables["communes"]["code_commune"].nunique())

    def payload(self) -> dict[str, Any]:
        """The ``--format json`` contract of ``cpts-analysis import`` (keys fixed)."""
        return {
            "cpts": self.cpts,
            "communes": self.communes,
            "historical": self.historical,
            "by_name": self.by_name,
            "history_names": self.history_names,
            "unresolved": self.unresolved,
            "shared": self.shared,
            "statuts": self.statuses(),
            "unmapped": self.unmapped,
        }

    def statuses(self) -> dict[str, int]:
        """CPTS written per status (``signe``, ``projet``, ``pre-projet``)."""
        return {k: int(v) for k, v in self.tables["cpts"]["statut"].value_counts().items()}


def resolve_rows(table: FlatTable, matcher: CommuneMatcher) -> tuple[pd.DataFrame, list[Problem]]:
    """Every row with its resolution (``kind``, ``code``, ``candidates``, ``note``)."""
    rows = table.rows.copy()
    warnings = []
    blank_cpts = rows["cpts"] == ""
    if blank_cpts.any():  # merged cells: the name is only on the first row of its group
        rows["cpts"] = rows["cpts"].where(~blank_cpts).ffill().fillna("")
        lines = ", ".join(str(n) for n in rows.loc[blank_cpts, "ligne"].head(10))
        warnings.append(
            Problem(
                table.label,
                f"{int(blank_cpts.sum())} ligne(s) sans CPTS (cellules fusionnées ?) rattachées "
                f"à la CPTS de la ligne précédente (lignes {lines}…)",
                field=table.columns["cpts"],
                severity="warning",
            )
        )
    no_commune = rows["commune"] == ""
    for row in rows[no_commune].itertuples():
        warnings.append(
            Problem(
                table.label,
                f"ligne sans commune pour « {row.cpts} » : ignorée",
                row=int(row.ligne),
                field=table.columns["commune"],
                severity="warning",
            )
        )
    rows = rows[~no_commune & (rows["cpts"] != "")].reset_index(drop=True)
    deps = {text: matcher.departement(text) for text in rows["departement"].unique() if text}
    cache: dict[tuple[str, str | None], Resolution] = {}
    found = []
    for value, dep in zip(rows["commune"], rows["departement"].map(deps), strict=True):
        key = (value, None if pd.isna(dep) else dep)
        if key not in cache:
            cache[key] = matcher.resolve(*key)
        found.append(cache[key])
    rows["kind"] = [r.kind for r in found]
    rows["code"] = [r.code for r in found]
    rows["candidates"] = [list(r.candidates) for r in found]
    rows["note"] = [r.note for r in found]
    rows["via"] = [r.via for r in found]
    return rows, warnings


def drop_split_cities(rows: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[Problem]]:
    """A CPTS listing Paris, Lyon or Marseille with some of its arrondissements means those
    arrondissements: the city is dropped for that CPTS (a city listed alone stays whole)."""
    communes = load_communes().set_index("code")
    parents = communes["commune_parent"].dropna()
    cities = cities_with_arrondissements()
    arm = rows.assign(parent=rows["code"].map(parents)).dropna(subset=["parent"])
    with_arm = set(zip(arm["cpts_key"], arm["parent"], strict=True))
    pairs = zip(rows["cpts_key"], rows["code"], strict=True)
    drop = pd.Series([(k, c) in with_arm for k, c in pairs], index=rows.index)
    drop &= rows["code"].isin(cities)
    warnings = [
        Problem(
            label,
            f"« {r.commune} » : {communes.loc[r.code, 'nom']} ({r.code}) listée avec certains de "
            "ses arrondissements pour "
            f"« {r.cpts} » : la ville est retirée de cette CPTS, seuls ses arrondissements "
            "sont gardés",
            row=int(r.ligne),
            severity="warning",
        )
        for r in rows[drop].itertuples()
    ]
    return rows[~drop], warnings


PART_DECIMALS = 6


def equal_shares(count: int) -> list[str]:
    """``count`` parts of 1 written with 6 decimals that add up to exactly 1: each is 1/count
    rounded down, and the first carries the remainder (``0.333334``, ``0.333333``,
    ``0.333333``), so no rounding leaves a sliver of the commune uncovered."""
    unit = 10**PART_DECIMALS
    share, rest = divmod(unit, count)
    values = [share + rest] + [share] * (count - 1)
    return [str(Decimal(v) / unit) for v in values]


def split_equally(
    members: pd.DataFrame, shared_rows: pd.DataFrame, names: pd.Series, matcher: CommuneMatcher
) -> list[tuple[str, str]]:
    """Give each commune shared without any part equal parts (in ``members``); one
    provenance note per commune."""
    notes = []
    for code, group in shared_rows.groupby("code", sort=True):
        if (group["part"] != "").any():
            continue  # parts given in the source are kept as they are
        parts = equal_shares(len(group))
        members.loc[group.index, "part"] = parts
        shares = ", ".join(
            f"« {names[k]} » {p.replace('.', ',')}"
            for k, p in zip(group["cpts_key"], parts, strict=True)
        )
        notes.append(
            (
                "part_egale",
                f"{matcher.label(code)} partagée à parts égales entre {shares} (total 1)",
            )
        )
    return notes


def compose(table: FlatTable, matcher: CommuneMatcher, equal_parts: bool = False) -> ImportResult:
    """The registry tables for ``table``; unresolved rows are listed and left out."""
    rows, warnings = resolve_rows(table, matcher)
    unresolved = rows[rows["kind"] == "unresolved"]
    resolved = rows[rows["kind"] != "unresolved"].copy()
    resolved["cpts_key"] = resolved["cpts"].map(name_key)
    names = resolved.drop_duplicates("cpts_key").set_index("cpts_key")["cpts"]
    resolved, dropped = drop_split_cities(resolved, table.label)
    warnings += dropped
    twice = resolved.duplicated(["cpts_key", "code"])
    members = resolved[~twice].copy()

    counts = members.groupby("code")["cpts_key"].transform("nunique")
    shared_rows = members[counts > 1]
    shared = [
        {"code": code, "cpts": [names[k] for k in group["cpts_key"]]}
        for code, group in shared_rows.groupby("code", sort=True)
    ]
    notes: list[tuple[str, str]] = []
    if equal_parts:
        notes += split_equally(members, shared_rows, names, matcher)
        warnings += [Problem(table.label, text, severity="warning") for _, text in notes]
    else:
        notes += [
            (
                "part_manquante",
                f"{matcher.label(s['code'])} citée par {', '.join(f'« {c} »' for c in s['cpts'])} "
                "sans part : parts à donner dans le registre",
            )
            for s in shared
        ]

    deps = members["code"].map(matcher.deps)
    majority = (
        members.assign(dep=deps)
        .groupby(["cpts_key", "dep"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["cpts_key", "n", "dep"], ascending=[True, False, True])
        .drop_duplicates("cpts_key")
        .set_index("cpts_key")["dep"]
    )
    order = list(dict.fromkeys(members["cpts_key"]))
    numbers: dict[str, int] = {}
    ids = {}
    for key in order:
        dep = majority[key]
        numbers[dep] = numbers.get(dep, 0) + 1
        ids[key] = f"CPTS-{dep}-{numbers[dep]:02d}"
    reading = read_states(table, rows.assign(cpts_key=rows["cpts"].map(name_key)))
    warnings += reading.warnings
    states = [reading.states[k] for k in order]
    cpts = pd.DataFrame(
        {
            "cpts_id": [ids[k] for k in order],
            "nom": [names[k] for k in order],
            "departement": [majority[k] for k in order],
            "date_signature": [s.date_signature for s in states],
            "statut": [s.statut for s in states],
        }
    )
    missions = pd.DataFrame(
        [(ids[k], m, d) for k in order for m, d in reading.states[k].missions.items()],
        columns=["cpts_id", "mission", "date_demarrage"],
    ).sort_values(["cpts_id", "mission"], ignore_index=True)
    notes += state_notes(reading, len(order))
    communes = pd.DataFrame(
        {
            "cpts_id": members["cpts_key"].map(ids),
            "code_commune": members["code"],
            "part": members["part"],
        }
    ).sort_values(["cpts_id", "code_commune"], ignore_index=True)
    historical = rows[rows["kind"] == "historical"]
    return ImportResult(
        tables={
            "cpts": cpts.sort_values("cpts_id", ignore_index=True),
            "communes": communes,
            "missions": missions,
        },
        rows=len(rows),
        by_code=int((rows["kind"] == "code").sum()),
        by_name=int((rows["kind"] == "name").sum()),
        historical=[
            {"row": int(r.ligne), "value": r.commune, "code": r.code}
            for r in historical.itertuples()
        ],
        history_names=[
            {
                "row": int(r.ligne),
                "value": r.commune,
                "code": r.code,
                "commune": matcher.label(r.code),
                "via": r.via,
            }
            for r in rows[(rows["kind"] == "name") & (rows["via"] != "")].itertuples()
        ],
        unresolved=[
            {"row": int(r.ligne), "value": r.commune, "candidates": list(r.candidates)}
            for r in unresolved.itertuples()
        ],
        shared=shared,
        duplicates=int(twice.sum()),
        unmapped=reading.unmapped,
        notes=notes,
        reasons=list(unresolved["note"]),
        historical_labels=[
            f"{r.commune} ({former_name(matcher, r.commune.strip()) or 'nom inconnu'}) → "
            f"{matcher.label(r.code)}"
            for r in historical.itertuples()
        ],
        warnings=warnings,
    )


def state_notes(reading: StateReading, count: int) -> list[tuple[str, str]]:
    """Provenance notes on states: the columns read, or the default the registry rests on."""
    if not reading.columns:
        return [
            (
                "hypothese",
                f"la liste ne donne ni statut ni date de signature : les {count} CPTS sont "
                "écrites au statut « projet », sans date ni mission (aucun financement "
                "calculé tant que le registre ne les complète pas)",
            )
        ]
    notes = [("colonnes_etat", ", ".join(f"« {c} »" for c in reading.columns))]
    assumed = [m for s in reading.states.values() for m in s.assumed_missions]
    if assumed:
        notes.append(
            (
                "hypothese",
                f"{len(assumed)} mission(s) marquées sans date : démarrage supposé à la date "
                "de signature (ou à l'entrée en vigueur de la mission si elle est postérieure)",
            )
        )
    return notes
