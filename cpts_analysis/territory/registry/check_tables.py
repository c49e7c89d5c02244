"""Checks shared by every table of the registry."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import CONTRACT_TABLES, LINE, TABLES, lookup


class TableChecks(CheckContext):
    """Rules every table follows: filled values, known CPTS, contract years, unique keys."""

    def check_empty_values(self) -> None:
        for name, spec in TABLES.items():
            for column in spec.columns:
                if column not in spec.optional_values and self.has(name, column):
                    frame = self.frames[name]
                    self.report(name, frame[frame[column] == ""], column, "valeur obligatoire vide")

    def check_references(self) -> None:
        if not self.has("cpts", "cpts_id"):
            return
        known = self.frames["cpts"]["cpts_id"]
        for name in ("communes", "missions", "resultats", "montants", *CONTRACT_TABLES):
            if self.has(name, "cpts_id"):
                frame = self.frames[name]
                unknown = frame[(frame["cpts_id"] != "") & ~frame["cpts_id"].isin(known)]
                self.report(
                    name,
                    unknown,
                    "cpts_id",
                    "CPTS inconnue",
                    lambda r: f"« {r.cpts_id} » n'est pas dans {self.labels['cpts']}",
                )

    def check_contract_years(self, table: str) -> None:
        if not self.has(table, "cpts_id", "annee_contrat"):
            return
        frame = self.frames[table]
        text = frame["annee_contrat"]
        integer = text.str.fullmatch(r"\d+")
        duration = lookup(frame["cpts_id"], self.contract_durations())
        duration = duration.fillna(self.default_duration).astype("float64")
        self.report(
            table,
            frame.assign(duree=duration)[(text != "") & ~integer],
            "annee_contrat",
            "année de contrat non entière",
            lambda r: f"« {r.annee_contrat} » (entier de 1 à {r.duree:.0f} attendu)",
        )
        years = pd.to_numeric(text.where(integer), errors="coerce").astype("float64")
        out = frame.assign(duree=duration)[integer & ((years < 1) | (years > duration))]
        self.report(
            table,
            out,
            "annee_contrat",
            "année de contrat hors du contrat",
            lambda r: f"{r.annee_contrat} (le contrat dure {r.duree:.0f} ans)",
        )

    def check_duplicate_keys(self, table: str) -> None:
        key = list(TABLES[table].key)
        if not self.has(table, *key):
            return
        frame = self.frames[table]
        filled = (frame[key] != "").all(axis=1)
        first = frame.groupby(key)[LINE].transform("min")
        twice = frame.assign(premiere=first)[filled & frame.duplicated(key)]
        self.report(
            table,
            twice,
            key[-1],
            "ligne en double",
            lambda r: f"même {', '.join(key)} que la ligne {r.premiere}",
        )
