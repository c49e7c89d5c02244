"""Checks of the ``part`` column: communes shared between CPTS (Nice, Toulon, Marseille…)."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import LINE, parse_numbers

TOLERANCE = 1e-9  # 0,1 + 0,2 + 0,7 must not be refused for floating-point noise


def format_part(value: float) -> str:
    return f"{value:.6g}".replace(".", ",")


class PartChecks(CheckContext):
    """A part is a share of the commune's population, ``0 < part ≤ 1`` (blank = 1), and the
    parts of one commune across every CPTS add up to 1 at most."""

    def check_parts(self) -> None:
        if not self.has("communes", "cpts_id", "code_commune", "part"):
            return
        frame = self.frames["communes"]
        text = frame["part"]
        value = parse_numbers(text)
        self.report(
            "communes",
            frame[(text != "") & value.isna()],
            "part",
            "part non numérique",
            lambda r: f"« {r.part} » (nombre de 0 à 1 attendu, virgule admise : 0,5)",
        )
        self.report(
            "communes",
            frame[(value <= 0) | (value > 1)],
            "part",
            "part hors de ]0 ; 1]",
            lambda r: (
                f"« {r.part} » : la part de la population de la commune est supérieure à 0 et "
                "au plus 1 (la moitié s'écrit 0,5)"
            ),
        )
        shared = frame["code_commune"].isin(frame.loc[text != "", "code_commune"])
        valid = (text == "") | ((value > 0) & (value <= 1))
        rows = frame[shared & valid & (frame["cpts_id"] != "")]
        rows = rows.assign(valeur=value[rows.index].fillna(1.0))
        rows = rows.drop_duplicates(["cpts_id", "code_commune"])
        totals = rows.groupby("code_commune")["valeur"].sum()
        over = totals.index[totals > 1 + TOLERANCE]
        if over.empty:
            return
        names = load_communes().set_index("code")["nom"]
        listed = rows[rows["code_commune"].isin(over)].sort_values(LINE)
        detail = listed.groupby("code_commune").apply(
            lambda g: " ; ".join(
                f"« {r.cpts_id} » {format_part(r.valeur)} (ligne {r.ligne})" for r in g.itertuples()
            ),
            include_groups=False,
        )
        first = listed.drop_duplicates("code_commune").assign(
            nom=lambda d: d["code_commune"].map(names),
            total=lambda d: d["code_commune"].map(totals),
            detail=lambda d: d["code_commune"].map(detail),
        )
        self.report(
            "communes",
            first,
            "part",
            "parts d'une commune supérieures à 1 au total",
            lambda r: (
                f"{r.code_commune} ({r.nom}) : total {format_part(r.total)} pour {r.detail} ; "
                "une part vide vaut 1"
            ),
        )


def explicit_part_codes(frame: pd.DataFrame) -> pd.Index:
    """Communes with a part given on at least one row: shared on purpose, not overlapping."""
    if "part" not in frame.columns:
        return pd.Index([])
    return pd.Index(frame.loc[frame["part"] != "", "code_commune"].unique())
