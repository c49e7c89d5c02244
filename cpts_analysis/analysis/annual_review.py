"""Annual review (« dialogue de gestion ») of one CPTS and contract year: what each indicator of
the contract earned, each mission's variable part against its envelope, and what remains due.

Amounts come from the same funding lines and payment schedule as the budget and the reports,
so the review can never disagree with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cpts_analysis.aci.funding import round_cents
from cpts_analysis.aci.missions import mission_order
from cpts_analysis.analysis.comparison import registry_funding
from cpts_analysis.analysis.contract_indicators import registry_indicator_levels
from cpts_analysis.analysis.display import FrenchTable, french_html
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.vocabulary import YES_NO
from cpts_analysis.territory.registry import Registry
from cpts_analysis.territory.territories import cpts_summary


@dataclass(frozen=True)
class AnnualReview(FrenchTable):
    """One contract year of one CPTS.

    ``missions``: one row per mission with a variable part that year — ``envelope`` (the
    year's variable envelope, prorated when the mission ran part of the year), ``earned`` (what
    is paid for it), ``rate``, ``prorata`` (share of the year the mission ran), ``source``
    (``indicateurs``, ``taux`` or ``defaut``).
    ``indicators``: the contract's indicators of that year with their levels
    (``aci.indicator_levels``). ``balance``: what is paid at the anniversary closing the year.
    """

    cpts_id: str
    name: str
    contract_year: int
    start: pd.Timestamp
    end: pd.Timestamp  # last day of the contract year
    date: pd.Timestamp  # reference date: is the balance already due?
    missions: pd.DataFrame
    indicators: pd.DataFrame
    balance: float

    @property
    def total_earned(self) -> float:
        return float(round_cents(self.missions["earned"].sum()))

    @property
    def total_max(self) -> float:
        return float(round_cents(self.missions["envelope"].sum()))

    @property
    def unobserved(self) -> pd.DataFrame:
        return self.indicators[~self.indicators["observed"]]

    def payload(self) -> dict[str, Any]:
        """The ``revue --format json`` contract (keys are public)."""
        return {
            "cpts_id": self.cpts_id,
            "annee_contrat": self.contract_year,
            "periode": {"debut": self.start.date().isoformat(), "fin": self.end.date().isoformat()},
            "missions": [
                {
                    "mission": m.mission,
                    "enveloppe_variable": float(m.envelope),
                    "acquis": float(m.earned),
                    "taux": round(float(m.rate), 4),
                    "indicateurs": [
                        _indicator_payload(i)
                        for i in self.indicators[self.indicators["mission"] == m.mission].to_dict(
                            "records"
                        )
                    ],
                }
                for m in self.missions.itertuples()
            ],
            "total_acquis": self.total_earned,
            "total_max": self.total_max,
            "solde_a_verser": self.balance,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per mission: variable envelope, earned amount, rate and its source."""
        return self.missions

    def readable_missions(self) -> pd.DataFrame:
        """The missions under the column names the vocabulary labels (workbook, display)."""
        return self.missions.rename(
            columns={
                "envelope": "variable_envelope",
                "rate": "achievement",
                "source": "variable_source",
            }
        )

    def _repr_html_(self) -> str:
        return french_html(self.readable_missions(), self.display_title())

    def display_title(self) -> str:
        return f"{self.name}, année de contrat {self.contract_year} : part variable"


def _indicator_payload(row: dict[str, Any]) -> dict[str, Any]:
    observed = bool(row["observed"])
    if not observed:
        value: Any = None
    elif row["kind"] == "action":
        value = YES_NO[row["value"] == 1]
    else:
        value = float(row["value"])
    return {
        "indicateur": row["indicator"],
        "libelle": row["libelle"],
        "type": row["kind"],
        "valeur": value,
        "palier_atteint": None if pd.isna(row["level"]) else int(row["level"]),
        "acquis": float(row["earned"]),
        "montant_max": float(row["max_amount"]),
        "prochain_palier": None if pd.isna(row["next_level"]) else int(row["next_level"]),
        "ecart_prochain_palier": None if pd.isna(row["gap"]) else float(row["gap"]),
    }


def annual_review(
    registry: Registry, cpts_id: str, contract_year: int, date: dt.date | str | None = None
) -> AnnualReview:
    """The review of ``cpts_id``'s contract year ``contract_year`` (1 = the year from signature).

    Examples:
        >>> import cpts_analysis as cpts
        >>> registry = cpts.load_registry("data/exemple_ara")
        >>> review = cpts.annual_review(registry, "ARA-73-02", 4, "2026-01-01")
        >>> [(m["mission"], m["acquis"]) for m in review.payload()["missions"]][:3]
        [('acces_soins', 17500.0), ('parcours', 45000.0), ('prevention', 17500.0)]
    """
    day = pd.Timestamp(date if date is not None else dt.date.today()).normalize()
    cpts = registry.cpts[registry.cpts["cpts_id"] == cpts_id]
    if cpts.empty:
        raise InputError.single(
            "cpts", f"« {cpts_id} » n'est pas dans le registre {registry.source}"
        )
    if cpts["date_signature"].isna().all():
        raise InputError.single("cpts", f"« {cpts_id} » n'a pas signé de contrat ACI")
    members = registry.communes[registry.communes["cpts_id"] == cpts_id]
    populations = cpts_summary(cpts, members, day).set_index("cpts_id")["population"]
    funding, schedule = registry_funding(registry, cpts, populations)
    year = funding[funding["contract_year"] == contract_year]
    if year.empty:
        last = int(funding["contract_year"].max())
        raise InputError.single(
            "annee_contrat", f"année {contract_year} hors du contrat de {cpts_id} (1 à {last})"
        )
    start, end = year["year_start"].iloc[0], year["year_end"].iloc[0]
    levels = registry_indicator_levels(registry, {cpts_id})
    levels = levels[levels["contract_year"] == contract_year].reset_index(drop=True)
    due = schedule[(schedule["contract_year"] == contract_year) & (schedule["date"] == end)]
    return AnnualReview(
        cpts_id=cpts_id,
        name=str(cpts["nom"].iloc[0]),
        contract_year=contract_year,
        start=start,
        end=end - pd.Timedelta(days=1),
        date=day,
        missions=_missions(year, levels, registry, cpts_id, contract_year),
        indicators=levels,
        balance=float(round_cents(due["amount"].sum())),
    )


def _missions(
    year: pd.DataFrame, levels: pd.DataFrame, registry: Registry, cpts_id: str, contract_year: int
) -> pd.DataFrame:
    variable = year[year["nature"] == "variable"]
    rates = registry.resultats
    typed = rates[(rates["cpts_id"] == cpts_id) & (rates["annee_contrat"] == contract_year)]
    source = pd.Series("defaut", index=variable.index)
    source = source.mask(variable["mission"].isin(typed["mission"]), "taux")
    source = source.mask(variable["mission"].isin(levels["mission"]), "indicateurs")
    rank = {m: i for i, m in enumerate(mission_order())}
    return pd.DataFrame(
        {
            "mission": variable["mission"],
            "envelope": round_cents(variable["envelope"] * variable["prorata"]),
            "earned": variable["amount"],
            "rate": variable["achievement"],
            "prorata": variable["prorata"],
            "source": source,
        }
    ).sort_values("mission", key=lambda m: m.map(rank), ignore_index=True)
