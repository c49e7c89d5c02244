"""Checks of what CPTS do and receive: the ``missions``, ``resultats`` and ``montants`` tables."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.core.formatting import format_date
from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import FONCTIONNEMENT, LINE, lookup, parse_numbers


class ActivityChecks(CheckContext):
    """Rules of ``missions``, ``resultats`` and ``montants``: missions, dates, rates, amounts."""

    def check_missions(self) -> None:
        if not self.has("missions", "cpts_id", "mission", "date_demarrage"):
            return
        frame = self.frames["missions"]
        known = self.known_mission("missions")
        keys = ["cpts_id", "mission"]
        first = frame.groupby(keys)[LINE].transform("min")
        self.report(
            "missions",
            frame.assign(premiere=first)[known & frame.duplicated(keys)],
            "mission",
            "mission en double pour la CPTS",
            lambda r: f"{r.mission} déjà donnée ligne {r.premiere}",
        )
        starts = self.check_dates("missions", "date_demarrage")
        since = lookup(frame["mission"], self.mission_since)
        too_early = frame.assign(
            debut=starts, depuis=since, regles=frame["mission"].map(self.mission_since_label)
        )[known & (starts < since)]
        self.report(
            "missions",
            too_early,
            "date_demarrage",
            "mission pas encore créée à cette date",
            lambda r: (
                f"{r.mission} démarre le {format_date(r.debut)} mais n'existe qu'à partir du "
                f"{format_date(r.depuis)} (« {r.regles} »)"
            ),
        )
        if not self.has("cpts", "cpts_id", "date_signature"):
            return
        cpts = self.first_cpts
        signature = lookup(frame["cpts_id"], cpts["signature"])
        before = frame.assign(debut=starts, signature=signature)[starts < signature]
        self.report(
            "missions",
            before,
            "date_demarrage",
            "mission démarrée avant la signature",
            lambda r: (
                f"démarrage le {format_date(r.debut)}, signature le {format_date(r.signature)}"
            ),
        )
        unsigned = cpts.index[cpts["date_signature"] == ""]
        self.report(
            "missions",
            frame[frame["cpts_id"].isin(unsigned)],
            "cpts_id",
            "mission d'une CPTS sans signature",
            lambda r: (
                f"« {r.cpts_id} » n'a pas de date de signature : la mission {r.mission} "
                "ne sera pas financée avant la signature"
            ),
            severity="warning",
        )

    def check_resultats(self) -> None:
        if not self.has("resultats", "cpts_id", "mission", "taux_atteinte"):
            return
        frame = self.frames["resultats"]
        known = self.known_mission("resultats")
        self.report_undeclared("resultats", known, "résultat d'une mission non déclarée")
        text = frame["taux_atteinte"]
        rate = parse_numbers(text)
        self.report(
            "resultats",
            frame[(text != "") & rate.isna()],
            "taux_atteinte",
            "taux d'atteinte non numérique",
            lambda r: f"« {r.taux_atteinte} » (nombre de 0 à 1 attendu, virgule admise : 0,85)",
        )
        self.report(
            "resultats",
            frame[(rate < 0) | (rate > 1)],
            "taux_atteinte",
            "taux d'atteinte hors de 0–1",
            lambda r: f"« {r.taux_atteinte} » (un taux de 85 % s'écrit 0,85)",
        )

    def check_montants(self) -> None:
        if not self.has("montants", "cpts_id", "mission", "composante", "montant"):
            return
        frame = self.frames["montants"]
        known = self.known_mission("montants", extra=(FONCTIONNEMENT,))
        pairs = pd.MultiIndex.from_frame(frame[["mission", "composante"]])
        unknown = known & (frame["composante"] != "") & ~pairs.isin(self.components)
        self.report(
            "montants",
            frame.assign(admises=frame["mission"].map(self.components_of))[unknown],
            "composante",
            "composante inconnue pour cette mission",
            lambda r: f"« {r.composante} » (composantes de {r.mission} : {r.admises})",
        )
        mission = known & (frame["mission"] != FONCTIONNEMENT)
        self.report_undeclared("montants", mission, "montant d'une mission non déclarée")
        text = frame["montant"]
        amount = parse_numbers(text)
        self.report(
            "montants",
            frame[(text != "") & amount.isna()],
            "montant",
            "montant non numérique",
            lambda r: f"« {r.montant} » (montant en euros attendu, virgule admise : 12500,50)",
        )
        self.report(
            "montants",
            frame[amount < 0],
            "montant",
            "montant négatif",
            lambda r: f"« {r.montant} » (un montant est positif ou nul)",
        )
