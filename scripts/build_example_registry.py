"""Build ``data/exemple_ara/``: an ILLUSTRATIVE CPTS registry for Auvergne-Rhône-Alpes (84).

Why: no official list of CPTS and their communes is available offline (``data/README.md``),
yet notebooks, reports and tests need a realistic registry to run on. This one is drawn from
real EPCI (``data/epci_communes.csv``) with invented names, dates, missions and results; it is
not the official list and its README says so.

Deterministic: a fixed plan, a seeded generator and sorted output, so two runs give the same
bytes. The folder is built beside the target, validated with
``cpts_analysis.territory.registry`` (no error and no warning allowed), and only then swapped
into place.

Usage: ``python scripts/build_example_registry.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from cpts_analysis.aci.indicator_levels import indicator_levels, mission_earned
from cpts_analysis.aci.missions import Mission, catalogue
from cpts_analysis.aci.rules import all_amounts, rule_sets, rules_at
from cpts_analysis.core.errors import CptsError
from cpts_analysis.core.formatting import format_date, format_number
from cpts_analysis.territory.communes import (
    load_communes,
    load_departements,
    load_epci_communes,
    load_territory_units,
)
from cpts_analysis.territory.registry import TABLES, validate_registry
from cpts_analysis.territory.territories import covered_shares, round_population

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "exemple_ara"
REGION = "84"
SEED = 84
RULES_START = {r.id: pd.Timestamp(r.start) for r in rule_sets()}
SITUATION = pd.Timestamp("2025-12-31")  # the registry describes the CPTS as of this date
FIRST_SIGNATURE, LAST_SIGNATURE = pd.Timestamp("2019-09-01"), pd.Timestamp("2024-12-31")
LATE_SHARE = 0.25  # share of mission starts drawn after their calendar deadline
OPTIONAL_SHARE = {"qualite": 0.4, "accompagnement": 0.5}
OVERRIDES = 6  # CPTS with local contract amounts
OVERRIDE_LINES = [  # (mission, component, contract year, factor on the national amount)
    ("fonctionnement", "fonctionnement", 1, 1.10),
    ("acces_soins", "snp_compensation", 2, 1.25),
    ("prevention", "fixe", 1, 0.90),
]

# Contract indicators in the shape of the published year-5 annexes (fact sheet S25): per
# mission, an action, a rising and a falling result with three levels, and a one-level result.
# (indicator, label, kind, direction, starting value, thresholds, amounts as shares of the
# mission's variable envelope: the top amounts add up to the envelope).
INDICATOR_PLAN = {
    "acces_soins": [
        (
            "annuaire",
            "Annuaire partagé des professionnels mis en ligne et diffusé",
            "action",
            "",
            "",
            (),
            (0.2,),
        ),
        (
            "creneaux_sas",
            "Créneaux de soins non programmés proposés au SAS par mois",
            "resultat",
            "hausse",
            "120",
            ("200", "300", "400"),
            (0.1, 0.2, 0.3),
        ),
        (
            "ald_sans_mt",
            "Patients en ALD sans médecin traitant",
            "resultat",
            "baisse",
            "219",
            ("180", "100", "50"),
            (0.1, 0.2, 0.3),
        ),
        (
            "mt_16_ans",
            "Patients de 16 ans et plus ayant un médecin traitant",
            "resultat",
            "hausse",
            "66111",
            ("68811",),
            (0.2,),
        ),
    ],
    "parcours": [
        (
            "parcours_ic",
            "Parcours insuffisance cardiaque rédigé, diffusé et utilisé",
            "action",
            "",
            "",
            (),
            (0.2,),
        ),
        (
            "patients_inclus",
            "Patients inclus dans le parcours",
            "resultat",
            "hausse",
            "0",
            ("50", "100", "150"),
            (0.1, 0.2, 0.3),
        ),
        (
            "rehospitalisations",
            "Réhospitalisations à 30 jours des patients du parcours (%)",
            "resultat",
            "baisse",
            "40",
            ("35", "30", "25"),
            (0.1, 0.2, 0.3),
        ),
        (
            "reunions",
            "Réunions pluriprofessionnelles tenues",
            "resultat",
            "hausse",
            "0",
            ("3",),
            (0.2,),
        ),
    ],
    "prevention": [
        (
            "octobre_rose",
            "Campagne « Octobre rose » menée avec les professionnels",
            "action",
            "",
            "",
            (),
            (0.2,),
        ),
        (
            "depistage_sein",
            "Taux de dépistage du cancer du sein (%)",
            "resultat",
            "hausse",
            "48",
            ("50", "52", "55"),
            (0.1, 0.2, 0.3),
        ),
        (
            "non_vaccines_grippe",
            "Part des 65 ans et plus non vaccinés contre la grippe (%)",
            "resultat",
            "baisse",
            "48",
            ("46", "44", "42"),
            (0.1, 0.2, 0.3),
        ),
        (
            "depistage_colon",
            "Taux de dépistage du cancer colorectal (%)",
            "resultat",
            "hausse",
            "30",
            ("33",),
            (0.2,),
        ),
    ],
}
# (CPTS, contract year, mission, observed value per indicator; absent = not observed). Each
# case replaces the drawn rate of that mission-year and earns exactly that rate of the envelope
# (checked by ``contract_indicators``), so every amount of the registry stays as it was.
INDICATOR_CASES = [
    (
        "ARA-42-02",
        1,
        "acces_soins",
        {"annuaire": "non", "creneaux_sas": "410", "ald_sans_mt": "60", "mt_16_ans": "69000"},
    ),
    (
        "ARA-42-02",
        1,
        "parcours",
        {"parcours_ic": "oui", "patients_inclus": "60", "rehospitalisations": "24"},
    ),
    (
        "ARA-73-02",
        4,
        "acces_soins",
        {"annuaire": "oui", "creneaux_sas": "230", "ald_sans_mt": "100", "mt_16_ans": "68900"},
    ),
    (
        "ARA-73-02",
        4,
        "parcours",
        {
            "parcours_ic": "oui",
            "patients_inclus": "172",
            "rehospitalisations": "25",
            "reunions": "4",
        },
    ),
    (
        "ARA-73-02",
        4,
        "prevention",
        {
            "octobre_rose": "oui",
            "depistage_sein": "55,4",
            "non_vaccines_grippe": "41,8",
            "depistage_colon": "33",
        },
    ),
]

# (department, name, status, members): a member is an EPCI SIREN (9 digits, all its communes)
# or a commune / arrondissement code (5 characters), followed by ``:part`` for a commune shared
# between CPTS (Villeurbanne, 60 / 40). Lyon is drawn by arrondissement only, so the city 69123
# never appears. Names are illustrative, in the style of real CPTS.
Plan = list[tuple[str, str, str, list[str]]]
PLAN: Plan = [
    ("01", "CPTS du Bassin Burgien", "signe", ["200071751"]),
    ("01", "CPTS du Pays de Gex", "signe", ["240100750"]),
    ("01", "CPTS du Haut-Bugey", "signe", ["200042935"]),
    ("01", "CPTS de la Dombes et de la Veyle", "signe", ["200069193", "200070555"]),
    ("01", "CPTS Bugey Sud", "projet", ["200040350"]),
    ("03", "CPTS Vichy Val d'Allier", "signe", ["200071363"]),
    ("03", "CPTS du Pays Montluçonnais", "signe", ["200071082"]),
    ("03", "CPTS Moulins Bourbonnais", "signe", ["200071140"]),
    ("03", "CPTS Bocage et Tronçais", "pre-projet", ["200071496", "240300558"]),
    ("07", "CPTS du Bassin d'Annonay", "signe", ["200072015"]),
    ("07", "CPTS Centre Ardèche", "signe", ["200071413"]),
    ("07", "CPTS du Bassin d'Aubenas", "signe", ["200073245"]),
    ("07", "CPTS Sud Ardèche", "signe", ["200039808", "240700864"]),
    ("07", "CPTS Rhône Crussol", "projet", ["200041366"]),
    ("15", "CPTS du Bassin d'Aurillac", "signe", ["241500230"]),
    ("15", "CPTS du Pays de Saint-Flour", "signe", ["200066660"]),
    ("15", "CPTS de la Châtaigneraie", "signe", ["200066678"]),
    ("26", "CPTS Valence Romans", "signe", ["200068781"]),
    ("26", "CPTS du Pays de Montélimar", "signe", ["200040459"]),
    ("26", "CPTS Vallée de la Drôme", "signe", ["242600252", "200040509"]),
    ("26", "CPTS Drôme Sud Provence", "signe", ["200042901"]),
    ("26", "CPTS du Diois", "pre-projet", ["242600534"]),
    ("38", "CPTS Grenoble Alpes", "signe", ["200040715"]),
    ("38", "CPTS du Pays Voironnais", "signe", ["243800984"]),
    ("38", "CPTS Nord-Isère", "signe", ["243800604"]),
    ("38", "CPTS du Grésivaudan", "signe", ["200018166"]),
    ("38", "CPTS du Trièves", "signe", ["200030658"]),
    ("42", "CPTS du Pays Roannais", "signe", ["200035731"]),
    ("42", "CPTS Saint-Étienne", "signe", ["42218"]),
    ("42", "CPTS Loire Forez", "signe", ["200065886"]),
    ("42", "CPTS du Pilat", "signe", ["244200622", "244200895"]),
    ("42", "CPTS Charlieu-Belmont", "projet", ["200035202"]),
    ("43", "CPTS du Puy-en-Velay", "signe", ["200073419"]),
    ("43", "CPTS du Brivadois", "signe", ["200085728"]),
    ("43", "CPTS de l'Yssingelais", "signe", ["244301016", "244301131", "200073427"]),
    ("63", "CPTS Clermont Métropole", "signe", ["246300701"]),
    ("63", "CPTS Riom Limagne et Volcans", "signe", ["200070753"]),
    ("63", "CPTS du Pays d'Issoire", "signe", ["200070407"]),
    ("63", "CPTS Thiers Dore et Montagne", "signe", ["200070712"]),
    ("63", "CPTS du Livradois-Forez", "projet", ["200070761"]),
    ("69", "CPTS Lyon Presqu'île", "signe", ["69381", "69382"]),
    ("69", "CPTS Lyon 3e", "signe", ["69383", "69266:0.4"]),
    ("69", "CPTS Lyon 8e", "signe", ["69388"]),
    ("69", "CPTS de Villeurbanne", "signe", ["69266:0.6"]),
    ("69", "CPTS Villefranche Beaujolais", "signe", ["200040590"]),
    ("69", "CPTS de l'Ouest Rhodanien", "signe", ["200040566"]),
    ("73", "CPTS du Grand Chambéry", "signe", ["200069110"]),
    ("73", "CPTS Grand Lac", "signe", ["200068674"]),
    ("73", "CPTS Arlysère", "signe", ["200068997"]),
    ("73", "CPTS de Haute-Tarentaise", "signe", ["247300254"]),
    ("73", "CPTS Cœur de Maurienne", "pre-projet", ["200070464", "247300361"]),
    ("74", "CPTS du Grand Annecy", "signe", ["200066793"]),
    ("74", "CPTS du Genevois", "signe", ["200011773"]),
    ("74", "CPTS du Chablais", "signe", ["200067551"]),
    ("74", "CPTS du Pays du Mont-Blanc", "signe", ["200023372", "200034882"]),
    ("74", "CPTS de la Vallée de l'Arve", "signe", ["200033116"]),
]


class BuildError(CptsError):
    """The plan does not fit the reference data, or the result does not validate."""


def build_tables(rng: np.random.Generator, plan: Plan = PLAN) -> dict[str, pd.DataFrame]:
    """The five registry tables, with the drawn dates and figures (sorted later).

    ``plan`` defaults to the example's; tests pass larger ones (a 70-CPTS region).
    """
    communes = load_communes(geometry=True, region=REGION).set_index("code")
    cpts, members = compose(communes, plan)
    return draw_tables(cpts, members, rng)


def draw_tables(
    cpts: pd.DataFrame, members: pd.DataFrame, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """Dates, missions, results and local amounts drawn for CPTS already composed.

    ``cpts``: indexed by ``cpts_id``, with ``nom``, ``departement``, ``statut``; ``members``:
    ``cpts_id``, ``code_commune``, ``population``. Also used by the national benchmark.
    """
    cpts["population"] = round_population(members.groupby("cpts_id")["population"].sum())
    signed = cpts["statut"] == "signe"
    days = (LAST_SIGNATURE - FIRST_SIGNATURE).days
    offsets = pd.to_timedelta(rng.integers(0, days + 1, size=len(cpts)), unit="D")
    cpts["signature"] = (FIRST_SIGNATURE + offsets).where(signed)
    missions = draw_missions(cpts[signed], rng)
    resultats = draw_results(cpts, missions, rng)
    montants = draw_overrides(cpts, missions, rng)
    return {
        "cpts": cpts.reset_index().assign(
            date_signature=lambda d: d["signature"].dt.strftime("%Y-%m-%d").fillna("")
        ),
        "communes": members.reset_index(drop=True),
        "missions": missions.assign(date_demarrage=missions["start"].dt.strftime("%Y-%m-%d")),
        "resultats": resultats,
        "montants": montants,
    }


def compose(communes: pd.DataFrame, plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CPTS rows and their members from the plan, checked against the reference data."""
    epci = load_epci_communes()
    epci = epci[epci["code_commune"].isin(communes.index)]
    rows, members = [], []
    numbers: dict[str, int] = {}
    shares: dict[tuple[str, str], str] = {}
    for dep, name, status, entries in plan:
        numbers[dep] = numbers.get(dep, 0) + 1
        cpts_id = f"ARA-{dep}-{numbers[dep]:02d}"
        parts = [member.partition(":")[0] for member in entries]
        shares |= {(cpts_id, m[:5]): m[6:] for m in entries if ":" in m}
        groups = [
            epci.loc[epci["epci"] == part, "code_commune"].tolist() if len(part) == 9 else [part]
            for part in parts
        ]
        if not all(groups) or not all(code in communes.index for g in groups for code in g):
            raise BuildError(f"{name} : membre inconnu dans {parts}")
        check_adjacent(name, [communes.loc[g, "geometry"] for g in groups])
        codes = sorted(code for g in groups for code in g)
        majority = communes.loc[codes, "dep"].value_counts().idxmax()
        if majority != dep:
            raise BuildError(f"{name} : communes surtout dans le {majority}, pas le {dep}")
        rows.append({"cpts_id": cpts_id, "nom": name, "departement": dep, "statut": status})
        members.append(pd.DataFrame({"cpts_id": cpts_id, "code_commune": codes}))
    table = pd.concat(members, ignore_index=True)
    keys = zip(table["cpts_id"], table["code_commune"], strict=True)
    table["part"] = [shares.get(key, "") for key in keys]
    if table.loc[table["part"] == "", "code_commune"].duplicated().any():
        raise BuildError("une commune est dans deux CPTS du plan sans part")
    population = table["code_commune"].map(communes["population"]).astype("float64")
    table["population"] = population * pd.to_numeric(table["part"]).fillna(1.0)
    return pd.DataFrame(rows).set_index("cpts_id"), table


def check_adjacent(name: str, parts: list[pd.Series]) -> None:
    """Members drawn from several EPCI must form one territory (each touches another)."""
    shapes = [shapely.union_all(part.to_numpy()) for part in parts]
    reached, frontier = {0}, [0]
    while frontier:
        current = frontier.pop()
        for other, shape in enumerate(shapes):
            if other not in reached and shapes[current].intersects(shape):
                reached.add(other)
                frontier.append(other)
    if len(reached) != len(shapes):
        raise BuildError(f"{name} : les EPCI regroupés ne sont pas limitrophes")


def earliest_start(signature: pd.Timestamp, mission: Mission) -> pd.Timestamp:
    """A mission starts neither before signature nor before the rule set that created it."""
    return max(signature, RULES_START[mission.since])


def start_deadline(signature: pd.Timestamp, mission: Mission) -> pd.Timestamp:
    """Calendar deadline, counted from :func:`earliest_start`.

    Optional missions have no deadline: 18 months is used to spread their starts.
    """
    return earliest_start(signature, mission) + pd.DateOffset(months=mission.start_months or 18)


def draw_missions(signed: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Starts of each mission: mostly within the calendar, some late, optional ones sometimes.

    A mission is listed only once started (by ``SITUATION``), never before the rule set that
    created it (the crisis mission exists from avenant 2 on).
    """
    missions = catalogue().values()
    rows = []
    for cpts_id, signature in signed["signature"].items():
        for mission in missions:
            if not mission.mandatory and rng.random() >= OPTIONAL_SHARE[mission.id]:
                continue
            base = earliest_start(signature, mission)
            deadline = start_deadline(signature, mission)
            late = rng.random() < LATE_SHARE
            low, high = (deadline, deadline + pd.DateOffset(months=8)) if late else (base, deadline)
            start = low + pd.Timedelta(days=int(rng.integers(1 if late else 0, (high - low).days)))
            if start <= SITUATION:
                rows.append({"cpts_id": cpts_id, "mission": mission.id, "start": start})
    return pd.DataFrame(rows)


def draw_results(
    cpts: pd.DataFrame, missions: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Achievement of each variable part, for every contract year over by ``SITUATION``."""
    variable = all_amounts().query("nature == 'variable'")["group"].unique()
    rows = []
    for row in missions[missions["mission"].isin(variable)].itertuples():
        signature = cpts.loc[row.cpts_id, "signature"]
        for year in range(1, rules_at(signature).payment.contract_years + 1):
            end = signature + pd.DateOffset(years=year)
            if end > SITUATION:
                break
            if row.start < end:
                rate = rng.choice([rng.uniform(0.2, 0.6), rng.uniform(0.6, 1.0), 1.0])
                rows.append(
                    {
                        "cpts_id": row.cpts_id,
                        "annee_contrat": year,
                        "mission": row.mission,
                        "taux_atteinte": f"{rate:.2f}",
                    }
                )
    return pd.DataFrame(rows)


def draw_overrides(
    cpts: pd.DataFrame, missions: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """A few local contract amounts, a plausible factor away from the national envelope.

    Only for contract years in which the mission runs: the lines the funding engine computes.
    """
    signed = cpts[cpts["statut"] == "signe"]
    chosen = sorted(rng.choice(signed.index.to_numpy(), size=OVERRIDES, replace=False))
    starts = missions.set_index(["cpts_id", "mission"])["start"]
    rows = []
    for cpts_id in chosen:
        signature, population = signed.loc[cpts_id, ["signature", "population"]]
        for mission, component, year, factor in OVERRIDE_LINES:
            year_end = signature + pd.DateOffset(years=year)
            started = starts.get((cpts_id, mission), year_end) < year_end
            if mission != "fonctionnement" and not started:
                continue
            rules = rules_at(signature + pd.DateOffset(years=year - 1))
            national = rules.amount(mission, component, int(rules.tiers.tier(int(population))))
            if not np.isnan(national):
                rows.append(
                    {
                        "cpts_id": cpts_id,
                        "annee_contrat": year,
                        "mission": mission,
                        "composante": component,
                        "montant": f"{round(national * factor, -2):.2f}",
                    }
                )
    return pd.DataFrame(rows)


def contract_indicators(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``INDICATOR_CASES`` as ``indicateurs_contrat`` and ``resultats_indicateurs``, in place of
    the drawn rates of those mission-years; each case must earn exactly the rate it replaces."""
    cpts = tables["cpts"].set_index("cpts_id")
    rates = tables["resultats"]
    indicators, observations, replaced = [], [], []
    for cpts_id, year, mission, values in INDICATOR_CASES:
        signature, population = cpts.loc[cpts_id, ["signature", "population"]]
        rules = rules_at(signature + pd.DateOffset(years=year - 1))
        envelope = rules.amount(mission, "variable", int(rules.tiers.tier(int(population))))
        for name, label, kind, direction, start, thresholds, shares in INDICATOR_PLAN[mission]:
            row = {
                "cpts_id": cpts_id,
                "annee_contrat": year,
                "mission": mission,
                "indicateur": name,
                "libelle": label,
                "type": kind,
                "sens": direction,
                "valeur_initiale": start,
            }
            for k in (1, 2, 3):
                row[f"seuil_{k}"] = thresholds[k - 1] if k <= len(thresholds) else ""
                row[f"montant_{k}"] = f"{envelope * shares[k - 1]:.2f}" if k <= len(shares) else ""
            indicators.append(row)
            if name in values:
                observations.append(
                    {
                        "cpts_id": cpts_id,
                        "annee_contrat": year,
                        "indicateur": name,
                        "valeur": values[name],
                    }
                )
        rate = rates[
            (rates["cpts_id"] == cpts_id)
            & (rates["annee_contrat"] == year)
            & (rates["mission"] == mission)
        ]
        replaced.append((rate.index[0], float(rate["taux_atteinte"].iloc[0]) * envelope))
    frame, seen = pd.DataFrame(indicators), pd.DataFrame(observations)
    engine = frame.rename(
        columns={
            "annee_contrat": "contract_year",
            "indicateur": "indicator",
            "type": "kind",
            "sens": "direction",
        }
    )
    for k in (1, 2, 3):
        engine[f"threshold_{k}"] = pd.to_numeric(engine[f"seuil_{k}"]).astype(float)
        engine[f"amount_{k}"] = pd.to_numeric(engine[f"montant_{k}"]).astype(float)
    value = (
        seen["valeur"]
        .map({"oui": 1.0, "non": 0.0})
        .fillna(pd.to_numeric(seen["valeur"].str.replace(",", "."), errors="coerce"))
    )
    earned = mission_earned(
        indicator_levels(
            engine,
            seen.rename(
                columns={"annee_contrat": "contract_year", "indicateur": "indicator"}
            ).assign(value=value),
        )
    )
    for (_, target), got in zip(replaced, earned["earned"], strict=True):
        if abs(got - target) > 0.005:
            raise BuildError(f"indicateurs d'exemple : {got} acquis au lieu de {target}")
    return tables | {
        "resultats": rates.drop(index=[index for index, _ in replaced]),
        "indicateurs_contrat": frame,
        "resultats_indicateurs": seen,
    }


def sorted_text(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Registry columns only, sorted by their natural keys (missions in catalogue order)."""
    rank = {m: i for i, m in enumerate(["fonctionnement", *catalogue()])}
    out = {}
    for name, spec in TABLES.items():
        if name not in tables:  # optional tables the example does not fill (territory indicators)
            continue
        frame = tables[name][list(spec.columns)]
        keys = [
            c
            for c in ("cpts_id", "annee_contrat", "mission", "code_commune", "composante")
            if c in frame.columns
        ]
        frame = frame.sort_values(
            keys, key=lambda c: c.map(rank) if c.name == "mission" else c, ignore_index=True
        )
        out[name] = frame.astype(str)
    return out


def summary(tables: dict[str, pd.DataFrame]) -> str:
    """The figures of the README, computed from the registry and the reference data."""
    cpts = tables["cpts"].set_index("cpts_id")
    members = tables["communes"]
    # Lyon is drawn by arrondissement (and Paris, Marseille are outside the region).
    units = load_territory_units(arrondissements=True, region=REGION)
    memberships = members.assign(part=pd.to_numeric(members["part"]))
    share = units["code"].map(covered_shares(memberships)).fillna(0.0)
    units["covered"] = share > 0
    units["covered_population"] = units["population"] * share
    units["open_population"] = units["population"] * (1 - share)
    population = units.set_index("code")["population"]
    weighted = members["code_commune"].map(population) * memberships["part"].fillna(1.0)
    cpts["population"] = round_population(weighted.groupby(members["cpts_id"]).sum())
    tiers = rules_at(SITUATION).tiers
    cpts["taille"] = tiers.tier(cpts["population"])
    names = load_departements().set_index("code")["nom"]
    lines = [
        "| Département | CPTS | dont non signées | taille 1 | taille 2 | taille 3 | taille 4 "
        "| population couverte | communes couvertes | communes en zone blanche "
        "| population en zone blanche |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dep, group in cpts.groupby("departement"):
        dep_units = units[units["dep"] == dep]
        counts = group["taille"].value_counts()
        white = dep_units[~dep_units["covered"]]
        lines.append(
            f"| {dep} {names[dep]} | {len(group)} | {(group['statut'] != 'signe').sum()} | "
            + " | ".join(str(counts.get(t, 0)) for t in (1, 2, 3, 4))
            + f" | {format_number(int(round_population(dep_units['covered_population'].sum())))}"
            f" | {int(dep_units['covered'].sum())} | {len(white)}"
            f" | {format_number(int(round_population(dep_units['open_population'].sum())))} |"
        )
    counts = cpts["taille"].value_counts()
    white = units[~units["covered"]]
    lines.append(
        f"| **Total** | **{len(cpts)}** | **{(cpts['statut'] != 'signe').sum()}** | "
        + " | ".join(f"**{counts.get(t, 0)}**" for t in (1, 2, 3, 4))
        + f" | **{format_number(int(round_population(units['covered_population'].sum())))}**"
        f" | **{int(units['covered'].sum())}** | **{len(white)}**"
        f" | **{format_number(int(round_population(units['open_population'].sum())))}** |"
    )
    return "\n".join(lines) + "\n\n" + mission_summary(tables, cpts)


def mission_summary(tables: dict[str, pd.DataFrame], cpts: pd.DataFrame) -> str:
    missions = tables["missions"].assign(
        start=lambda d: pd.to_datetime(d["date_demarrage"]),
        signature=lambda d: pd.to_datetime(d["cpts_id"].map(cpts["date_signature"])),
    )
    lines = [
        "| Mission | CPTS | démarrage hors calendrier |",
        "|---|---:|---:|",
    ]
    for mission in catalogue().values():
        rows = missions[missions["mission"] == mission.id]
        if mission.start_months is None:
            late = "sans échéance"
        else:
            deadline = rows["signature"].map(lambda s, m=mission: start_deadline(s, m))
            late = str(int((rows["start"] > deadline).sum()))
        lines.append(f"| {mission.short_label} (`{mission.id}`) | {len(rows)} | {late} |")
    status = cpts["statut"].value_counts()
    signatures = pd.to_datetime(cpts["date_signature"].where(cpts["date_signature"] != ""))
    return (
        "\n".join(lines)
        + f"\n\nStatuts : {status.get('signe', 0)} signées, {status.get('projet', 0)} en projet, "
        f"{status.get('pre-projet', 0)} en pré-projet. Signatures du "
        f"{format_date(signatures.min())} au {format_date(signatures.max())}. "
        f"`resultats.csv` : {len(tables['resultats'])} lignes ; `montants.csv` : "
        f"{len(tables['montants'])} lignes ; `indicateurs_contrat.csv` : "
        f"{len(tables['indicateurs_contrat'])} lignes ; `resultats_indicateurs.csv` : "
        f"{len(tables['resultats_indicateurs'])} lignes.\n"
    )


README = """\
# Registre d'exemple : CPTS d'Auvergne-Rhône-Alpes (ILLUSTRATIF)

**Ce registre est ILLUSTRATIF. Ce n'est PAS la liste officielle des CPTS** d'Auvergne-Rhône-Alpes :
aucune liste officielle des CPTS et de leurs communes n'est disponible hors ligne (les périmètres
réels sont publiés par les ARS et la DGOS, voir `data/README.md`). Les noms, périmètres, dates,
missions, taux d'atteinte, montants et indicateurs de contrat ci-dessous sont inventés pour
faire tourner les carnets, les rapports et les tests sur un cas réaliste. Ne les citez pas comme
des faits.

## Construction

Produit par `scripts/build_example_registry.py` (ne pas modifier à la main : relancer le
script ; deux exécutions donnent des fichiers identiques octet pour octet).

* **Périmètres** : {n_cpts} CPTS réparties dans les 12 départements de la région 84, chacune
  formée d'un EPCI à fiscalité propre 2026 réel (`data/epci_communes.csv`) ou de plusieurs EPCI
  limitrophes du même département (contiguïté vérifiée sur les contours IGN), avec toutes leurs
  communes de la région. Exceptions : « CPTS Saint-Étienne » ne couvre que la commune de
  Saint-Étienne (42218) ; à Lyon, les CPTS sont dessinées par arrondissement municipal (69381,
  69382, 69383, 69388) et la commune de Lyon (69123) n'apparaît jamais, pour ne pas compter deux
  fois ses habitants. Villeurbanne (69266) est une **commune partagée** (colonne `part` de
  `communes.csv`) : 0,6 de sa population pour « CPTS de Villeurbanne », 0,4 pour
  « CPTS Lyon 3e ».
* **Zones blanches** : dans chaque département, des EPCI entiers (et, à Lyon, cinq
  arrondissements) ne sont rattachés à aucune CPTS.
* **Statuts et dates** : la liste des CPTS non signées (`projet`, `pre-projet`, sans date ni
  mission) est fixée dans le script ; les dates de signature des autres sont tirées au hasard
  (générateur `numpy` de graine {seed}) entre le {first} et le {last}.
* **Missions** : les missions socle sont démarrées le plus souvent dans le délai du calendrier
  de déploiement (`cpts_analysis/aci/parameters/missions.yaml`), environ une sur quatre en retard
  (jusqu'à 8 mois après l'échéance) ; « Crises sanitaires » ne démarre jamais avant l'entrée en
  vigueur de l'avenant 2 ({avenant_2}). Les missions optionnelles sont tirées pour une partie
  des CPTS. Seules les missions démarrées au {situation} sont listées.
* **Résultats** : un taux d'atteinte par mission à part variable et par année de contrat
  achevée au {situation} (tirages variés : faibles, moyens, 100 %).
* **Montants** : quelques montants de contrat local (`montants.csv`) pour {n_overrides} CPTS,
  à ±25 % de l'enveloppe nationale de la ligne.
* **Indicateurs du contrat** : pour {n_cases} missions-années de {n_indicator_cpts} CPTS
  ({indicator_cases}), des indicateurs (`indicateurs_contrat.csv`) et leurs valeurs observées
  (`resultats_indicateurs.csv`), inventés sur le modèle des annexes publiées de deux contrats de
  taille 3 : une action, un résultat en hausse et un en baisse à trois paliers, un résultat à
  un palier ; les montants des paliers les plus hauts font l'enveloppe variable de la mission.
  Ils remplacent le taux d'atteinte tiré de ces missions-années et rapportent exactement le même
  montant : les autres chiffres du registre n'en changent pas.
* **Populations** : populations légales 2023 (`data/communes.csv`) ; taille ACI selon les
  seuils en vigueur au {situation}.

Le registre est validé par `cpts_analysis.territory.registry` à chaque construction :
**aucune erreur, aucun avertissement**.

## Chiffres

{summary}"""


def write_registry(out: Path, tables: dict[str, pd.DataFrame], readme: str) -> None:
    """Write beside ``out``, validate, then swap the folder in: readers never see half of it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    old = tmp.with_suffix(".old")
    try:
        for name, frame in tables.items():
            frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
        (tmp / "README.md").write_text(readme, encoding="utf-8")
        problems = validate_registry(tmp)
        if problems:
            raise BuildError("registre d'exemple invalide :\n" + "\n".join(map(str, problems)))
        tmp.chmod(0o755)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def build(out: Path) -> dict[str, pd.DataFrame]:
    tables = sorted_text(contract_indicators(build_tables(np.random.default_rng(SEED))))
    avenant_2 = RULES_START["avenant_2"]
    readme = README.format(
        n_cpts=len(tables["cpts"]),
        seed=SEED,
        first=format_date(FIRST_SIGNATURE),
        last=format_date(LAST_SIGNATURE),
        avenant_2=format_date(avenant_2),
        situation=format_date(SITUATION),
        n_overrides=tables["montants"]["cpts_id"].nunique(),
        n_cases=len(INDICATOR_CASES),
        n_indicator_cpts=len({case[0] for case in INDICATOR_CASES}),
        indicator_cases=", ".join(f"{c} année {y} {m}" for c, y, m, _ in INDICATOR_CASES),
        summary=summary(tables),
    )
    write_registry(out, tables, readme)
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dossier à produire")
    args = parser.parse_args(argv)
    try:
        tables = build(args.out)
    except CptsError as error:
        print(f"erreur : {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{name} {len(frame)}" for name, frame in tables.items())
    print(f"{args.out} : {counts} lignes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
