"""Bounds at the door: what later stages cannot handle is refused here, with row and column."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.core.bounds import (
    AMOUNT_MAX,
    CONTROL,
    CPTS_ID,
    CPTS_ID_RULE,
    FUTURE_YEARS,
    NAME_MAX,
    TEXT_MAX,
    latest_planned_date,
    shown,
)
from cpts_analysis.core.formatting import folded, format_euros
from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import LINE, TABLES, parse_dates, parse_numbers

AMOUNTS = {
    "montants": ("montant",),
    "indicateurs_contrat": ("montant_1", "montant_2", "montant_3"),
}
DATES = {"cpts": ("date_signature",), "missions": ("date_demarrage",)}


class BoundChecks(CheckContext):
    """Ids, text length, invisible characters, amounts and dates within what every stage takes."""

    def check_bounds(self) -> None:
        for table, frame in self.frames.items():
            for column in TABLES[table].columns if table in TABLES else ():
                if column in frame.columns and TABLES[table].columns[column] == "text":
                    self._check_text(table, frame, column)
        if self.has("cpts", "cpts_id"):
            self._check_ids(self.frames["cpts"])
        for table, columns in AMOUNTS.items():
            for column in columns:
                if self.has(table, column):
                    self._check_amount(table, column)
        for table, columns in DATES.items():
            for column in columns:
                if self.has(table, column):
                    self._check_future(table, column)

    def _check_text(self, table: str, frame: pd.DataFrame, column: str) -> None:
        text = frame[column].astype(str)
        self.report(
            table,
            frame[text.str.contains(CONTROL)],
            column,
            "caractère invisible",
            lambda r: (
                f"« {shown(CONTROL.sub('?', getattr(r, column)))} » contient un caractère de "
                "contrôle ou d'inversion du sens du texte (remplacé ici par ?) : retirez-le"
            ),
        )
        limit = NAME_MAX if column in ("nom", "libelle") else TEXT_MAX
        self.report(
            table,
            frame[text.str.len() > limit],
            column,
            "texte trop long",
            lambda r: f"« {shown(getattr(r, column))} » (au plus {limit} caractères)",
        )

    def _check_ids(self, cpts: pd.DataFrame) -> None:
        ids = cpts["cpts_id"].astype(str)
        self.report(
            "cpts",
            cpts[(ids != "") & ~ids.str.fullmatch(CPTS_ID.pattern)],
            "cpts_id",
            "identifiant de CPTS invalide",
            lambda r: f"« {shown(r.cpts_id)} » ({CPTS_ID_RULE})",
        )
        keys = ids.map(folded)
        first = cpts.assign(_key=keys).drop_duplicates("_key").set_index("_key")
        clash = cpts[(ids != "") & keys.duplicated() & ~ids.duplicated()]
        self.report(
            "cpts",
            clash,
            "cpts_id",
            "identifiants de CPTS égaux aux majuscules ou aux accents près",
            lambda r: (
                f"« {r.cpts_id} » et « {first.loc[folded(r.cpts_id), 'cpts_id']} » (ligne "
                f"{first.loc[folded(r.cpts_id), LINE]}) nommeraient le même dossier de rapport"
            ),
        )

    def _check_amount(self, table: str, column: str) -> None:
        frame = self.frames[table]
        values = parse_numbers(frame[column].astype(str))
        self.report(
            table,
            frame[values.abs() > AMOUNT_MAX],
            column,
            "montant hors limite",
            lambda r: f"« {shown(getattr(r, column))} » (au plus {format_euros(AMOUNT_MAX)})",
        )

    def _check_future(self, table: str, column: str) -> None:
        frame = self.frames[table]
        dates = parse_dates(frame[column].astype(str))[0]
        limit = latest_planned_date()
        self.report(
            table,
            frame[dates > limit],
            column,
            "date trop lointaine",
            lambda r: f"{getattr(r, column)} (au plus {FUTURE_YEARS} ans après aujourd'hui)",
        )
