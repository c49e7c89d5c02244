"""Checks of the ``communes`` table against the INSEE reference."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.core.frames import isin
from cpts_analysis.territory.communes import load_communes
from cpts_analysis.territory.registry.check_parts import explicit_part_codes
from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import LINE, leading_zero_hint


class CommuneChecks(CheckContext):
    """Rules of the ``communes`` table: real codes, overlaps, cities and arrondissements."""

    def check_communes(self) -> None:
        if not self.has("communes", "cpts_id", "code_commune"):
            return
        frame = self.frames["communes"]
        code = frame["code_commune"]
        reference = load_communes().set_index("code")
        known = isin(code, reference.index)
        self.report(
            "communes",
            frame[(code != "") & ~known],
            "code_commune",
            "code commune inconnu",
            lambda r: (
                f"« {r.code_commune} » n'est pas un code Insee de commune ou "
                "d'arrondissement municipal (COG 2025)" + leading_zero_hint(r.code_commune)
            ),
        )
        attributes = reference[["nom", "dep", "commune_parent"]]
        members = frame[known & (frame["cpts_id"] != "")].join(
            attributes.rename(columns={"commune_parent": "parent"}), on="code_commune"
        )
        self.check_overlaps(members)
        self.check_arrondissements(members, reference["nom"])
        if self.has("cpts", "cpts_id"):
            cpts = self.first_cpts
            empty = cpts[~cpts.index.isin(frame["cpts_id"])].reset_index()
            self.report(
                "cpts",
                empty,
                "cpts_id",
                "CPTS sans commune",
                lambda r: f"« {r.cpts_id} » n'a aucune ligne dans {self.labels['communes']}",
            )
            if "departement" in cpts.columns:
                self.check_department_match(cpts, members)

    def check_overlaps(self, members: pd.DataFrame) -> None:
        keys = ["cpts_id", "code_commune"]
        first_line = members.groupby(keys)[LINE].transform("min")
        twice = members.duplicated(keys)
        self.report(
            "communes",
            members.assign(premiere=first_line)[twice],
            "code_commune",
            "commune en double dans la CPTS",
            lambda r: f"{r.code_commune} ({r.nom}) déjà donnée ligne {r.premiere}",
        )
        distinct = members[~twice]
        first = distinct.drop_duplicates("code_commune").set_index("code_commune")
        shared = distinct[distinct.duplicated("code_commune")]
        shared = shared[~shared["code_commune"].isin(explicit_part_codes(members))]
        shared = shared.assign(
            autre=shared["code_commune"].map(first["cpts_id"]),
            autre_ligne=shared["code_commune"].map(first[LINE]),
        )
        self.report(
            "communes",
            shared,
            "code_commune",
            "commune dans deux CPTS",
            lambda r: (
                f"{r.code_commune} ({r.nom}) est déjà dans la CPTS « {r.autre} » "
                f"(ligne {r.autre_ligne}) ; si elle est partagée, donnez la part de chaque "
                "CPTS dans la colonne part (ex. 0,5)"
            ),
            severity=self.overlap_severity,
        )

    def check_arrondissements(self, members: pd.DataFrame, names: pd.Series) -> None:
        """A city and one of its arrondissements would count the same inhabitants twice."""
        cities = members.drop_duplicates("code_commune").set_index("code_commune")
        clash = members[members["parent"].isin(cities.index)]
        clash = clash.assign(
            ville=clash["parent"].map(names),
            ville_ligne=clash["parent"].map(cities[LINE]),
            ville_cpts=clash["parent"].map(cities["cpts_id"]),
        )
        self.report(
            "communes",
            clash,
            "code_commune",
            "ville et arrondissement à la fois",
            lambda r: (
                f"{r.code_commune} ({r.nom}) est un arrondissement de {r.parent} "
                f"({r.ville}), présente ligne {r.ville_ligne} (CPTS « {r.ville_cpts} ») : sa "
                "population serait comptée deux fois ; gardez la ville ou ses arrondissements"
            ),
        )

    def check_department_match(self, cpts: pd.DataFrame, members: pd.DataFrame) -> None:
        counts = members.groupby(["cpts_id", "dep"]).size().rename("nombre")
        top = counts[counts == counts.groupby(level="cpts_id").transform("max")]
        majority = top.reset_index().drop_duplicates("cpts_id").set_index("cpts_id")
        declared = cpts[
            cpts.index.isin(majority.index) & cpts["departement"].isin(self.departements)
        ]
        pairs = pd.MultiIndex.from_arrays([declared.index, declared["departement"]])
        mismatch = declared[~pairs.isin(top.index)].assign(
            majoritaire=lambda d: d.index.map(majority["dep"]),
            nombre=lambda d: d.index.map(majority["nombre"]),
            total=lambda d: d.index.map(counts.groupby(level="cpts_id").sum()),
        )
        self.report(
            "cpts",
            mismatch.reset_index(),
            "departement",
            "département différent de celui des communes",
            lambda r: (
                f"{r.departement} déclaré, mais {r.nombre} commune(s) sur {r.total} "
                f"sont dans le {r.majoritaire}"
            ),
            severity="warning",
        )
