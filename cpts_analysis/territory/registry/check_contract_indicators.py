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
        values = {}
        for column in NUMBERS:
            text = frame[column]
            values[column] = parse_numbers(text)
            self.report(
                table,
                frame[(text != "") & values[column].isna()],
                column,
                "valeur non numérique",
                lambda r, c=column: f"« {getattr(r, c)} » (nombre attendu, virgule admise : 12,5)",
            )
        for k in (1, 2, 3):
            self.report(
                table,
                frame[values[f"montant_{k}"] < 0],
                f"montant_{k}",
                "montant négatif",
                lambda r, k=k: f"« {getattr(r, f'montant_{k}')} » (un montant est positif ou nul)",
            )
        self.check_action_levels(frame[action])
        self.check_result_levels(frame, result, values)

    def check_action_levels(self, actions: pd.DataFrame) -> None:
        for column in ("seuil_1", "seuil_2", "montant_2", "seuil_3", "montant_3"):
            self.report(
                "indicateurs_contrat",
                actions[actions[column] != ""],
                column,
                "une action n'a qu'un montant (montant_1), sans seuil",
                lambda r, c=column: (
                    f"« {getattr(r, c)} » : laissez {c} vide pour « {r.indicateur} »"
                ),
            )

    def check_result_levels(
        self, frame: pd.DataFrame, result: pd.Series, values: dict[str, pd.Series]
    ) -> None:
        table = "indicateurs_contrat"
        for k in (1, 2, 3):
            seuil, montant = f"seuil_{k}", f"montant_{k}"
            self.report(
                table,
                frame[result & (frame[montant] != "") & (frame[seuil] == "")],
                seuil,
                f"seuil du palier {k} manquant",
                lambda r, m=montant: f"« {r.indicateur} » a un {m} mais pas de seuil",
            )
            if k > 1:  # level 1 has a required amount; an absent level 2 or 3 is allowed
                self.report(
                    table,
                    frame[result & (frame[seuil] != "") & (frame[montant] == "")],
                    montant,
                    f"montant du palier {k} manquant",
                    lambda r, s=seuil: f"« {r.indicateur} » a un {s} mais pas de montant",
                )
        self.report(
            table,
            frame[(frame["montant_3"] != "") & (frame["montant_2"] == "")],
            "montant_3",
            "palier 3 sans palier 2",
            lambda r: f"« {r.indicateur} » : remplissez le palier 2 d'abord",
        )
        rising = frame["sens"] == "hausse"
        falling = frame["sens"] == "baisse"
        for k in (2, 3):
            here, before = values[f"seuil_{k}"], values[f"seuil_{k - 1}"]
            wrong = result & ((rising & (here <= before)) | (falling & (here >= before)))
            self.report(
                table,
                frame[wrong],
                f"seuil_{k}",
                "paliers dans le désordre",
                lambda r, k=k: (
                    f"seuil {k} « {getattr(r, f'seuil_{k}')} » après seuil {k - 1} "
                    f"« {getattr(r, f'seuil_{k - 1}')} » : en {r.sens}, chaque palier va plus "
                    f"{'haut' if r.sens == 'hausse' else 'bas'} que le précédent"
                ),
            )
            amount, previous = values[f"montant_{k}"], values[f"montant_{k - 1}"]
            self.report(
                table,
                frame[amount < previous],
                f"montant_{k}",
                "montant en baisse d'un palier au suivant",
                lambda r, k=k: (
                    f"montant {k} « {getattr(r, f'montant_{k}')} » inférieur au montant "
                    f"{k - 1} « {getattr(r, f'montant_{k - 1}')} » (chaque montant est le total "
                    "acquis au palier, pas un supplément)"
                ),
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
