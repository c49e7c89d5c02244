"""Checks of the ``cpts`` table."""

from __future__ import annotations

import pandas as pd

from cpts_analysis.core.errors import Problem
from cpts_analysis.core.formatting import format_date
from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import LINE, STATUTS


class CptsChecks(CheckContext):
    """Rules of the ``cpts`` table: unique ids, departments, statuses, signature dates."""

    def check_cpts(self) -> None:
        if "cpts" not in self.frames:
            return
        cpts = self.frames["cpts"]
        if cpts.empty:
            self.found.append(
                (0, -1, Problem(self.labels["cpts"], "aucune CPTS : le registre est vide"))
            )
        if self.has("cpts", "cpts_id"):
            first = cpts.groupby("cpts_id")[LINE].transform("min")
            twice = (cpts["cpts_id"] != "") & cpts.duplicated("cpts_id")
            self.report(
                "cpts",
                cpts.assign(premiere=first)[twice],
                "cpts_id",
                "cpts_id en double",
                lambda r: f"« {r.cpts_id} » est déjà défini ligne {r.premiere}",
            )
        if self.has("cpts", "departement"):
            dep = cpts["departement"]
            self.report(
                "cpts",
                cpts[(dep != "") & ~dep.isin(self.departements)],
                "departement",
                "département inconnu",
                lambda r: (
                    f"« {r.departement} » (code attendu sur 2 ou 3 caractères : 01, 2A, 974)"
                    + (
                        f" ; zéro initial perdu ? « 0{r.departement} »"
                        if r.departement.isdigit() and len(r.departement) == 1
                        else ""
                    )
                ),
            )
        if self.has("cpts", "statut"):
            statut = cpts["statut"]
            self.report(
                "cpts",
                cpts[(statut != "") & ~statut.isin(STATUTS)],
                "statut",
                "statut inconnu",
                lambda r: f"« {r.statut} » (valeurs admises : {', '.join(STATUTS)})",
            )
        if self.has("cpts", "date_signature"):
            dates = self.check_dates("cpts", "date_signature")
            start = pd.Timestamp(self.first_rules.start)
            self.report(
                "cpts",
                cpts[dates < start],
                "date_signature",
                "signature antérieure au premier ACI",
                lambda r: (
                    f"{r.date_signature}, avant l'entrée en vigueur de "
                    f"« {self.first_rules.label} » le {format_date(start)}"
                ),
            )
        if self.has("cpts", "statut", "date_signature"):
            signed, given = cpts["statut"] == "signe", cpts["date_signature"] != ""
            self.report(
                "cpts",
                cpts[signed & ~given],
                "date_signature",
                "date de signature manquante",
                lambda r: "le statut « signe » exige la date de signature du contrat ACI",
            )
            self.report(
                "cpts",
                cpts[cpts["statut"].isin(["projet", "pre-projet"]) & given],
                "date_signature",
                "date de signature pour une CPTS non signée",
                lambda r: f"statut « {r.statut} » : mettez le statut « signe » ou videz la date",
            )
