"""Checks of the optional ``indicateurs`` table and its ``catalogue_indicateurs``."""

from __future__ import annotations

from cpts_analysis.core.frames import isin
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.indicators import AGGREGATIONS, SHIPPED_CATALOGUE
from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import leading_zero_hint, parse_numbers


class IndicatorChecks(CheckContext):
    """Rules of the indicator tables: real communes, numbers, catalogued indicators and known
    aggregations, ids that do not shadow a shipped indicator (duplicates: ``TableChecks``)."""

    def check_indicators(self) -> None:
        self.check_catalogue()
        if self.has("indicateurs", "code_commune"):
            self.check_indicator_communes()
        if self.has("indicateurs", "valeur"):
            frame = self.frames["indicateurs"]
            text = frame["valeur"]
            self.report(
                "indicateurs",
                frame[(text != "") & parse_numbers(text).isna()],
                "valeur",
                "valeur non numérique",
                lambda r: f"« {r.valeur} » (nombre attendu, virgule décimale admise : 12,5)",
            )
        if self.has("indicateurs", "indicateur"):
            self.check_catalogued()

    def check_indicator_communes(self) -> None:
        frame = self.frames["indicateurs"]
        code = frame["code_commune"]
        self.report(
            "indicateurs",
            frame[(code != "") & ~isin(code, load_communes()["code"])],
            "code_commune",
            "code commune inconnu",
            lambda r: (
                f"« {r.code_commune} » n'est pas un code Insee de commune ou d'arrondissement "
                "municipal (COG 2025)" + leading_zero_hint(r.code_commune)
            ),
        )

    def check_catalogued(self) -> None:
        if "catalogue_indicateurs" in self.frames and not self.has(
            "catalogue_indicateurs", "indicateur"
        ):
            return  # its missing column is reported already
        frame = self.frames["indicateurs"]
        catalogued = (
            self.frames["catalogue_indicateurs"]["indicateur"]
            if self.has("catalogue_indicateurs", "indicateur")
            else None
        )
        where = self.labels["catalogue_indicateurs"]
        name = frame["indicateur"]
        unknown = name != ""
        if catalogued is not None:
            unknown &= ~name.isin(catalogued)
        self.report(
            "indicateurs",
            frame[unknown],
            "indicateur",
            "indicateur inconnu",
            lambda r: (
                f"« {r.indicateur} » n'est pas décrit dans {where}"
                if catalogued is not None
                else f"« {r.indicateur} » : {where} absent (il décrit chaque indicateur)"
            ),
        )

    def check_catalogue(self) -> None:
        if not self.has("catalogue_indicateurs", "indicateur", "agregation"):
            return
        frame = self.frames["catalogue_indicateurs"]
        aggregation = frame["agregation"]
        self.report(
            "catalogue_indicateurs",
            frame[(aggregation != "") & ~aggregation.isin(AGGREGATIONS)],
            "agregation",
            "agrégation inconnue",
            lambda r: f"« {r.agregation} » (agrégations : {', '.join(AGGREGATIONS)})",
        )
        shipped = SHIPPED_CATALOGUE["indicateur"]
        self.report(
            "catalogue_indicateurs",
            frame[frame["indicateur"].isin(shipped)],
            "indicateur",
            "identifiant réservé",
            lambda r: f"« {r.indicateur} » est un indicateur fourni : choisissez un autre nom",
        )
