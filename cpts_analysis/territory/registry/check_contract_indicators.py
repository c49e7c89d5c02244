"""Checks of the contract's indicators (``indicateurs_contrat``) and their observations
(``resultats_indicateurs``): kinds, directions, levels in order, answers of the right kind.

Unknown CPTS, contract years and duplicates are ``TableChecks``' business; amounts against the
mission's envelope are ``IndicatorAmountChecks``'.
"""

from __future__ import annotations

import pandas as pd

from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import DIRECTIONS, DONE, INDICATOR_KINDS, parse_numbers

NUMBERS = [
    "valeur_initiale",
    "seuil_1",
    "montant_1",
    "seuil_2",
    "montant_2",
    "seuil_3",
    "montant_3",
]
KEY = ["cpts_id", "annee_contrat", "indicateur"]


class ContractIndicatorChecks(CheckContext):
    """Rules of ``indicateurs_contrat`` and ``resultats_indicateurs``."""

    def check_contract_indicators(self) -> None:
        if self.has("indicateurs_contrat", *KEY, "mission", "type", "sens", *NUMBERS):
            self.check_indicator_rows()
        if self.has("resultats_indicateurs", *KEY, "valeur") and self.has(
            "indicateurs_contrat", *KEY, "type"
        ):
            self.check_observations()
        if self.has("resultats", "cpts_id", "annee_contrat", "mission") and self.has(
            "indicateurs_contrat", "cpts_id", "annee_contrat", "mission"
        ):
            self.check_rate_and_indicators()

    def check_indicator_rows(self) -> None:
        table = "indicateurs_contrat"
        frame = self.frames[table]
        known = self.known_mission(table)
        self.report_undeclared(table, known, "indicateur d'une mission non déclarée")
        kind, direction = frame["type"], frame["sens"]
        self.report(
            table,
            frame[(kind != "") & ~kind.isin(INDICATOR_KINDS)],
            "type",
            "type d'indicateur inconnu",
            lambda r: f"« {r.type} » (types : {', '.join(INDICATOR_KINDS)})",
        )
        self.report(
            table,
            frame[(direction != "") & ~direction.isin(DIRECTIONS)],
            "sens",
            "sens inconnu",
            lambda r: f"« {r.sens} » (sens : {', '.join(DIRECTIONS)})",
        )
        result, action = kind == "resultat", kind == "action"
        self.report(
            table,
            frame[result & (direction == "")],
            "sens",
            "sens manquant pour un indicateur de résultat",
            lambda r: f"« {r.indicateur} » : hausse ou baisse ?",
        )
        values = {column: parse_numbers(frame[column]) for column in NUMBERS}
        for column in NUMBERS:
            self.report_texts(
                frame[(frame[column] != "") & values[column].isna()],
                column,
                "valeur non numérique",
                "« " + frame[column] + " » (nombre attendu, virgule admise : 12,5)",
            )
        for column in ("montant_1", "montant_2", "montant_3"):
            self.report_texts(
                frame[values[column] < 0],
                column,
                "montant négatif",
                "« " + frame[column] + " » (un montant est positif ou nul)",
            )
        for column in ("seuil_1", "seuil_2", "montant_2", "seuil_3", "montant_3"):
            self.report_texts(
                frame[action & (frame[column] != "")],
                column,
                "une action n'a qu'un montant (montant_1), sans seuil",
                "« "
                + frame[column]
                + f" » : laissez {column} vide pour « "
                + frame["indicateur"]
                + " »",
            )
        self.check_result_levels(frame, result, values)

    def report_texts(self, rows: pd.DataFrame, column: str, rule: str, texts: pd.Series) -> None:
        """``report`` on ``indicateurs_contrat`` with a detail per row computed beforehand."""
        self.report(
            "indicateurs_contrat",
            rows.assign(detail=texts.loc[rows.index]),
            column,
            rule,
            lambda r: str(r.detail),
        )

    def check_result_levels(
        self, frame: pd.DataFrame, result: pd.Series, values: dict[str, pd.Series]
    ) -> None:
        name = "« " + frame["indicateur"] + " »"
        for k in (1, 2, 3):
            seuil, montant = f"seuil_{k}", f"montant_{k}"
            self.report_texts(
                frame[result & (frame[montant] != "") & (frame[seuil] == "")],
                seuil,
                f"seuil du palier {k} manquant",
                name + f" a un {montant} mais pas de seuil",
            )
            if k > 1:  # level 1 has a required amount; an absent level 2 or 3 is allowed
                self.report_texts(
                    frame[result & (frame[seuil] != "") & (frame[montant] == "")],
                    montant,
                    f"montant du palier {k} manquant",
                    name + f" a un {seuil} mais pas de montant",
                )
        self.report_texts(
            frame[(frame["montant_3"] != "") & (frame["montant_2"] == "")],
            "montant_3",
            "palier 3 sans palier 2",
            name + " : remplissez le palier 2 d'abord",
        )
        rising = frame["sens"] == "hausse"
        falling = frame["sens"] == "baisse"
        way = rising.map({True: "haut", False: "bas"})
        for k in (2, 3):
            here, before = values[f"seuil_{k}"], values[f"seuil_{k - 1}"]
            wrong = result & ((rising & (here <= before)) | (falling & (here >= before)))
            self.report_texts(
                frame[wrong],
                f"seuil_{k}",
                "paliers dans le désordre",
                f"seuil {k} « "
                + frame[f"seuil_{k}"]
                + f" » après seuil {k - 1} « "
                + frame[f"seuil_{k - 1}"]
                + " » : en "
                + frame["sens"]
                + ", chaque palier va plus "
                + way
                + " que le précédent",
            )
            amount, previous = values[f"montant_{k}"], values[f"montant_{k - 1}"]
            self.report_texts(
                frame[amount < previous],
                f"montant_{k}",
                "montant en baisse d'un palier au suivant",
                f"montant {k} « "
                + frame[f"montant_{k}"]
                + f" » inférieur au montant {k - 1} « "
                + frame[f"montant_{k - 1}"]
                + " » (chaque montant est le total acquis au palier, "
                "pas un supplément)",
            )

    def check_observations(self) -> None:
        table = "resultats_indicateurs"
        frame = self.frames[table]
        indicators = self.frames["indicateurs_contrat"].drop_duplicates(KEY).set_index(KEY)
        pairs = pd.MultiIndex.from_frame(frame[KEY])
        kind = pd.Series(indicators["type"].reindex(pairs).to_numpy(), index=frame.index)
        where = self.labels["indicateurs_contrat"]
        filled = (frame[KEY] != "").all(axis=1)
        self.report(
            table,
            frame[filled & kind.isna()],
            "indicateur",
            "indicateur inconnu",
            lambda r: (
                f"« {r.indicateur} » n'est pas dans {where} pour {r.cpts_id}, année "
                f"{r.annee_contrat}"
            ),
        )
        text = frame["valeur"]
        answer = text.str.lower().isin(list(DONE))
        number = parse_numbers(text).notna()
        self.report(
            table,
            frame[(kind == "resultat") & answer],
            "valeur",
            "réponse oui/non pour un indicateur de résultat",
            lambda r: f"« {r.valeur} » : « {r.indicateur} » attend un nombre",
        )
        self.report(
            table,
            frame[(kind == "resultat") & (text != "") & ~answer & ~number],
            "valeur",
            "valeur non numérique",
            lambda r: f"« {r.valeur} » (nombre attendu, virgule admise : 12,5)",
        )
        self.report(
            table,
            frame[(kind == "action") & (text != "") & ~answer],
            "valeur",
            "un indicateur d'action se renseigne par oui ou non",
            lambda r: f"« {r.valeur} » pour « {r.indicateur} »",
        )

    def check_rate_and_indicators(self) -> None:
        keys = ["cpts_id", "annee_contrat", "mission"]
        indicators = self.frames["indicateurs_contrat"]
        first = indicators.groupby(keys)["ligne"].min().rename("premiere").reset_index()
        frame = self.frames["resultats"]
        both = frame.merge(first, on=keys, how="inner")
        self.report(
            "resultats",
            both,
            "taux_atteinte",
            "taux d'atteinte et indicateurs du contrat pour la même mission et la même année",
            lambda r: (
                f"{r.mission}, année {r.annee_contrat} : les indicateurs "
                f"({self.labels['indicateurs_contrat']}, ligne {r.premiere}) donnent déjà la part "
                "variable ; gardez l'un ou l'autre"
            ),
        )
