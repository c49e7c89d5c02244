"""Checks of the contract indicators' amounts against the mission's variable envelope.

The envelope of a mission-year is what the funding engine pays at most for its variable part:
the national amount of the CPTS's tier under the rules of that contract year, or the local
amount of ``montants``. It depends on the population, the signature and the missions, so it
is only computed once every other table is free of errors (until then it would be wrong).
"""

from __future__ import annotations

import pandas as pd

from cpts_analysis.aci.funding import compute_funding
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.formatting import format_euros
from cpts_analysis.territory.registry.context import CheckContext
from cpts_analysis.territory.registry.tables import LINE, TABLES, parse_numbers, typed
from cpts_analysis.territory.territories import cpts_summary

KEYS = ["cpts_id", "annee_contrat", "mission"]


class IndicatorAmountChecks(CheckContext):
    """A level amount above the mission's envelope is an error; top amounts that do not add up
    to the envelope, a warning (the annexes share the envelope exactly among indicators)."""

    def check_indicator_amounts(self) -> None:
        needed = ("cpts", "communes", "missions", "indicateurs_contrat")
        if any(p.severity == "error" for *_, p in self.found) or not all(
            self.has(name, *TABLES[name].columns) for name in needed
        ):
            return
        frame = self.frames["indicateurs_contrat"]
        envelopes = self.variable_envelopes(frame["cpts_id"].unique())
        if envelopes is None:
            return
        keyed = frame.assign(annee=pd.to_numeric(frame["annee_contrat"]))
        envelope = pd.Series(
            envelopes.reindex(
                pd.MultiIndex.from_frame(keyed[["cpts_id", "annee", "mission"]])
            ).to_numpy(),
            index=frame.index,
        )
        self.report(
            "indicateurs_contrat",
            frame[envelope.isna()],
            "mission",
            "pas de part variable pour cette mission cette année de contrat",
            lambda r: (
                f"{r.mission}, année {r.annee_contrat} de {r.cpts_id} : mission non démarrée, "
                "contrat non signé ou mission sans part variable"
            ),
        )
        amounts = {k: parse_numbers(frame[f"montant_{k}"]) for k in (1, 2, 3)}
        for k, amount in amounts.items():
            above = frame[amount > envelope]
            self.report(
                "indicateurs_contrat",
                above.assign(
                    detail=amount[above.index].map(format_euros).astype(str)
                    + " pour une enveloppe de "
                    + envelope[above.index].map(format_euros).astype(str)
                ),
                f"montant_{k}",
                "montant au-dessus de l'enveloppe variable de la mission",
                lambda r: f"{r.detail} ({r.mission}, année {r.annee_contrat})",
            )
        self.check_envelope_shared(frame, envelope, amounts)

    def check_envelope_shared(
        self, frame: pd.DataFrame, envelope: pd.Series, amounts: dict[int, pd.Series]
    ) -> None:
        top = amounts[3].fillna(amounts[2]).fillna(amounts[1])
        count = pd.concat(amounts, axis=1).notna().sum(axis=1)
        rows = frame.assign(haut=top, enveloppe=envelope, niveaux=count)
        sums = rows.groupby(KEYS).agg(
            total=("haut", "sum"), enveloppe=("enveloppe", "first"), premiere=(LINE, "min")
        )
        first = rows.set_index(LINE)
        short = sums[
            sums["enveloppe"].notna() & ((sums["total"] - sums["enveloppe"]).abs() > 0.005)
        ]
        flagged = first.loc[short["premiere"]].assign(total=short["total"].to_numpy())
        self.report(
            "indicateurs_contrat",
            flagged.reset_index(),
            "montant_1",
            "montants maximaux des indicateurs différents de l'enveloppe variable",
            lambda r: (
                f"{r.mission}, année {r.annee_contrat} : les paliers les plus hauts totalisent "
                f"{format_euros(r.total)} pour une enveloppe de {format_euros(r.enveloppe)}"
            ),
            severity="warning",
        )

    def variable_envelopes(self, ids: pd.Series) -> pd.Series | None:
        """Full-year variable envelope per (cpts_id, contract year, mission) of these CPTS."""
        tables = {
            name: typed(TABLES[name], self.frames.get(name))
            for name in ("cpts", "communes", "missions", "montants")
        }
        cpts = tables["cpts"][tables["cpts"]["cpts_id"].isin(ids)]
        cpts = cpts[cpts["date_signature"].notna()]
        if cpts.empty:
            return pd.Series(dtype=float)
        members = tables["communes"][tables["communes"]["cpts_id"].isin(cpts["cpts_id"])]
        population = cpts_summary(cpts, members).set_index("cpts_id")["population"]
        contracts = pd.DataFrame(
            {
                "cpts_id": cpts["cpts_id"],
                "population": cpts["cpts_id"].map(population),
                "signature": cpts["date_signature"],
            }
        )
        missions = tables["missions"].rename(columns={"date_demarrage": "start"})
        overrides = tables["montants"].rename(
            columns={
                "annee_contrat": "contract_year",
                "composante": "component",
                "montant": "amount",
            }
        )
        try:
            funding = compute_funding(contracts, missions, overrides=overrides)
        except InputError:  # reported by the rules of the tables involved
            return None
        variable = funding[funding["nature"] == "variable"]
        return variable.set_index(["cpts_id", "contract_year", "mission"])["envelope"]
