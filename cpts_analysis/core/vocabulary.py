"""Every word a reader sees in a table, a workbook, the CLI or the batch index, in one place.

Data frames keep English ``snake_case`` columns and codes inside the package; this module turns
them into French at the edge (:func:`header`, :func:`to_french`, the ``*_label`` functions).
A label is written here once, so one concept has one name in every output.

Mission names are not here: they are dated and sourced with the rules, in
``aci/parameters/missions.yaml``, and :func:`cpts_analysis.aci.missions.group_label` reads them.
Registry sheet columns (``cpts_id``, ``nom``, ``code_commune``…) are the user's input format
(``data/README.md``) and keep their names; they get a French header like any other column.
"""

# size: one place for every word a reader sees (issue: a label written twice drifts)
from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import pandas as pd

STATUSES = {
    "confirmed": "confirmé",
    "consistent": "cohérent",
    "proposal": "projet de négociation",
    "disagree": "sources divergentes",
    "unconfirmed": "non confirmé",
    "local": "contrat local",
}
"""Status of a figure (parameter files, local contracts): how sure we are of it."""

GROUPS = {
    "fonctionnement": "Fonctionnement",
    "pre_contrat": "Avant contrat",
    "plafond": "Plafond",
}
"""Amount groups of the rule sets that are not missions."""

DEPLOYMENT_STATES = {
    "en_cours": "démarrée dans les délais",
    "demarree_en_retard": "démarrée en retard",
    "en_retard": "non démarrée, délai dépassé",
    "a_venir": "pas encore due",
    "optionnelle": "optionnelle non retenue",
}
"""State of a mission against the ACI calendar on the reference date."""

ENVELOPE_TOTALS = {
    "without_options": "Total sans volet supplémentaire SNP",
    "with_snp_supplement": "Total avec volet supplémentaire SNP",
    "maximum": "Maximum annuel (avec volet supplémentaire et activation de crise)",
}
"""Yearly envelope totals of a rule set (``aci.envelopes``), as the annex table names them."""

RENEWAL = "renouvellement tacite (hypothèse)"
"""A contract year after the fifth: paid as if the contract were tacitly renewed."""


def renewal_note(contract_years: int) -> str:
    """What a reader is told wherever figures rest on the tacit renewal (``contract_years``:
    the contract's duration, from the rules)."""
    return (
        f"Années de contrat {contract_years + 1} à {2 * contract_years} : {RENEWAL}. Le "
        f"contrat ACI dure {contract_years} ans ; son renouvellement tacite n'est pas confirmé "
        "par les textes lus (statut « non confirmé » dans les règles, fichier paiement.yaml)."
    )


DATE_FORM = "JJ/MM/AAAA"
"""How a French user writes a date: the placeholder of every date option (``--date
JJ/MM/AAAA``); the ISO form is read too."""
ISO_DATE_TOO = "AAAA-MM-JJ accepté aussi"
"""Said in the help of a date option, after its JJ/MM/AAAA example."""


def date_help(what: str, example: str, default: str | None = "aujourd'hui") -> str:
    """Help of a date option: what the date is, an example written as a French user writes
    it (``01/06/2025``), the forms read and the default."""
    tail = f" ; défaut : {default}" if default else ""
    return f"{what}, ex. {example} ({ISO_DATE_TOO}{tail})"


CPTS_STATES = {"signe": "ACI signé", "projet": "projet de santé", "pre-projet": "pré-projet"}
"""State of a CPTS in the registry (column ``statut``)."""

VARIABLE_SOURCES = {
    "indicateurs": "indicateurs du contrat",
    "taux": "taux d'atteinte saisi",
    "defaut": "100 % supposé (ni indicateur ni taux)",
}
"""Where a mission's earned variable part comes from, in the annual review."""

INDICATOR_KINDS = {
    "action": "action (réalisée ou non)",
    "hausse": "résultat en hausse",
    "baisse": "résultat en baisse",
}
"""Kind of a contract indicator (an action, or a result and its direction)."""

NATURES = {
    "fonctionnement": "fonctionnement de la CPTS",
    "fixe": "part fixe",
    "variable": "part variable",
    "activation": "activation de crise",
    "pre_contrat": "avant contrat",
    "plafond": "plafond publié",
}
"""Nature of an amount of the rules: how it is paid (fixed parts × prorata, variable parts
× prorata × achievement)."""

PAYMENT_KINDS = {"full": "versement intégral", "advance": "avance", "balance": "solde"}
"""Kind of a dated payment of the schedule."""

BUDGET_STATES = {False: "réalisé", True: "prévisionnel"}
"""A calendar year of the budget: every payment due by the reference date, or not."""

REPORT_STATUSES = {
    "ok": "à jour",
    "skipped": "à jour (inchangé)",
    "failed": "échec",
    "interrupted": "interrompu",
    "running": "en cours d'exécution",
}
"""State of a report in a batch."""

LAST_VALID_REPORT = "dernier rapport valide du {date}"
"""Beside a failed or interrupted report: the date of the report still published."""

FORMER_COMMUNE_KINDS = {
    "ancienne": "ancienne commune",
    "deleguee": "commune déléguée",
    "associee": "commune associée",
}
"""What a former commune code became (INSEE history)."""

FORMER_NAMES = {
    **FORMER_COMMUNE_KINDS,
    "changement de nom": "ancien nom",
    "fusion": "nom d'avant fusion",
    "scission": "nom d'avant scission",
}
"""How an imported name was recognised through the commune history."""

PROVENANCE = {
    "source": "Fichier importé",
    "feuille": "Feuille",
    "date_import": "Date de l'import",
    "choix": "Option choisie",
    "colonnes": "Colonnes lues",
    "compte": "Lignes lues",
    "ancien_code": "Commune donnée par un ancien code",
    "nom_historique": "Commune reconnue par un ancien nom",
    "non_resolue": "Ligne non reprise",
    "non_repris": "Valeur non reprise",
    "part_egale": "Part supposée égale",
    "hypothese": "Hypothèse",
}
"""Elements of a registry's ``provenance`` table (written by ``import``)."""

IMPORT_COLUMN_ROLES = {
    "cpts": "CPTS",
    "commune": "commune",
    "departement": "département",
    "part": "part",
    "statut": "statut",
    "date_signature": "date de signature",
    "missions": "missions",
}
"""What a column of an imported list was read as."""

YES_NO = {True: "oui", False: "non"}
"""A yes/no column (tacit renewal, projected year) in a workbook or a CSV for Excel."""

LEVELS = {"departement": "Département", "region": "Région"}
"""Territory levels, as the first word of a territory's title."""

TOTAL = "Total"
TIER = "Taille"
FIGURE_PENDING = "Figure en cours de dessin…"
"""Shown in place of a figure drawn apart until its image replaces it (never in a finished
report)."""

HEADERS = {
    # registry and territory columns
    "cpts_id": "Identifiant CPTS",
    "cpts": "CPTS",
    "nom": "Nom",
    "departement": "Département",
    "dep": "Département",
    "reg": "Région",
    "code": "Code commune",
    "code_commune": "Code commune",
    "commune": "Commune",
    "uncovered_commune": "Commune sans CPTS",
    "part": "Part",
    "population": "Population",
    "population_cpts": "Population attribuée",
    "commune_population": "Population de la commune",
    "population_couverte": "Population couverte",
    "population_non_couverte": "Population non couverte",
    "part_non_couverte": "Part non couverte",
    "communes": "Communes",
    "covered_communes": "Communes du territoire couvertes",
    "variable_envelope": "Part variable maximale",
    "earned": "Acquis",
    "not_earned": "Non acquis",
    "variable_source": "Origine",
    "indicator_kind": "Type",
    "initial_value": "Valeur initiale",
    "observed_value": "Valeur observée",
    "levels": "Paliers",
    "level_reached": "Palier atteint",
    "next_level": "Prochain palier",
    "amount_at_stake": "Montant en jeu",
    "renewal_amount": "Dont renouvellement tacite (hypothèse)",
    "covered_commune_names": "Noms des communes",
    "attached_departement": "Département de rattachement",
    "communes_couvertes": "Communes couvertes",
    "taux": "Taux de couverture",
    "epci": "EPCI",
    "nom_epci": "Nom de l'EPCI",
    "communes_epci": "Communes de l'EPCI",
    "part_epci": "Part des communes de l'EPCI",
    "part_population_epci": "Part de la population de l'EPCI",
    "date_signature": "Signature",
    "statut": "Statut",
    "tier": TIER,
    "taille": TIER,
    "distance_next_tier": "Habitants pour la taille suivante",
    "distance_previous_tier": "Habitants avant la taille inférieure",
    # missions and deployment
    "mission": "Mission",
    "group": "Mission",
    "missions_en_cours": "Missions en cours",
    "missions_demarrees_en_retard": "Missions démarrées en retard",
    "missions_en_retard": "Missions en retard",
    "date_demarrage": "Démarrage",
    "date_limite_demarrage": "Date limite de démarrage",
    "date_limite_deploiement": "Date limite de déploiement",
    "etat": "État",
    "retard_jours": "Retard (jours)",
    # funding lines and schedule
    "contract_year": "Année de contrat",
    "annee_contrat": "Année de contrat",
    "renewal": "Renouvellement tacite",
    "year_start": "Début de l'année de contrat",
    "year_end": "Fin de l'année de contrat",
    "debut": "Début",
    "fin": "Fin",
    "rule_set": "Règles",
    "regles": "Règles",
    "rule_set_label": "Jeu de règles",
    "from": "À partir du",
    "component": "Composante",
    "composante": "Composante",
    "label": "Composante",
    "nature": "Nature",
    "line": "Ligne",
    "sources": "Sources",
    "active_from": "Mission active depuis",
    "envelope": "Enveloppe annuelle",
    "enveloppe": "Enveloppe annuelle",
    "total": "Enveloppe annuelle",
    "prorata": "Prorata",
    "achievement": "Taux d'atteinte",
    "amount": "Montant",
    "montant": "Montant du contrat local",
    "montant_total": "Montant total",
    "maximum": "Maximum",
    "status": "Statut",
    "source": "Source",
    "note": "Note",
    "date": "Date",
    "kind": "Versement",
    "financement_annuel": "Financement annuel",
    "euros_par_habitant": "€ / habitant",
    # budget
    "year": "Année civile",
    "annee": "Année civile",
    "projected": "Prévisionnel",
    "past": "Déjà échu",
    "budget_state": "État",
    # rule variants and scenarios
    "rang": "Rang",
    "current": "En vigueur",
    "variant": "Variante",
    "delta": "Écart",
    "ecart": "Écart",
    "delta_par_habitant": "Écart par habitant",
    "part_variante": "Part de l'année sous la variante",
    "configuration": "Configuration",
    "habitants_pour_monter": "Habitants pour la taille suivante",
    "gain_si_monte": "Gain",
    "habitants_avant_descente": "Habitants avant la taille inférieure",
    "perte_si_descend": "Perte",
    # indicators
    "indicateur": "Indicateur",
    "libelle": "Indicateur",
    "unite": "Unité",
    "agregation": "Calcul par CPTS",
    "valeur": "Valeur",
    "communes_renseignees": "Communes renseignées",
}
"""Column (English, or registry format) → French header."""


class Kind(Enum):
    """What a column holds, for the formats of a workbook and a CSV for Excel."""

    AMOUNT = "amount"  # euros, no decimals
    UNIT_AMOUNT = "unit_amount"  # euros per inhabitant, with cents
    RATE = "rate"  # a share or a rate, shown as a percentage
    DATE = "date"
    DATETIME = "datetime"
    COUNT = "count"  # inhabitants, communes: thousands grouped
    INTEGER = "integer"  # a year, a tier: no grouping
    CODE = "code"  # kept as text so that 01024 keeps its zero
    YES_NO = "yes_no"
    MISSION = "mission"
    MISSIONS = "missions"  # a list « a, b » of mission ids
    RULE_SET = "rule_set"
    COMPONENT = "component"  # a component id of the rules (``fixe``), named by the rules


COLUMN_KINDS: dict[str, Kind] = {
    **dict.fromkeys(
        (
            "variable_envelope",
            "earned",
            "not_earned",
            "amount_at_stake",
            "renewal_amount",
            "envelope",
            "enveloppe",
            "total",
            "amount",
            "montant",
            "montant_total",
            "maximum",
            "financement_annuel",
            "current",
            "variant",
            "delta",
            "ecart",
            "gain_si_monte",
            "perte_si_descend",
        ),
        Kind.AMOUNT,
    ),
    **dict.fromkeys(("euros_par_habitant", "delta_par_habitant"), Kind.UNIT_AMOUNT),
    **dict.fromkeys(
        (
            "part",
            "part_non_couverte",
            "taux",
            "part_epci",
            "part_population_epci",
            "prorata",
            "achievement",
            "part_variante",
        ),
        Kind.RATE,
    ),
    **dict.fromkeys(
        (
            "date_signature",
            "date_demarrage",
            "date_limite_demarrage",
            "date_limite_deploiement",
            "year_start",
            "year_end",
            "debut",
            "fin",
            "from",
            "active_from",
            "date",
        ),
        Kind.DATE,
    ),
    **dict.fromkeys(
        (
            "population",
            "population_cpts",
            "commune_population",
            "population_couverte",
            "population_non_couverte",
            "communes",
            "covered_communes",
            "communes_couvertes",
            "communes_epci",
            "distance_next_tier",
            "distance_previous_tier",
            "habitants_pour_monter",
            "habitants_avant_descente",
            "retard_jours",
            "communes_renseignees",
        ),
        Kind.COUNT,
    ),
    **dict.fromkeys(
        ("contract_year", "annee_contrat", "year", "annee", "tier", "taille", "rang"), Kind.INTEGER
    ),
    **dict.fromkeys(
        ("cpts_id", "departement", "dep", "reg", "code", "code_commune", "epci"), Kind.CODE
    ),
    **dict.fromkeys(("renewal", "projected", "past"), Kind.YES_NO),
    **dict.fromkeys(("mission", "group"), Kind.MISSION),
    **dict.fromkeys(
        ("missions_en_cours", "missions_demarrees_en_retard", "missions_en_retard"), Kind.MISSIONS
    ),
    **dict.fromkeys(("rule_set", "regles"), Kind.RULE_SET),
    **dict.fromkeys(("component", "composante"), Kind.COMPONENT),
}
"""Column → kind, so a workbook or a CSV for Excel knows an amount (euros, no decimals), an
amount per inhabitant (cents), a rate (percent), a date, a count, a year-like integer, a code
kept as text (``01024``), a yes/no, a mission or list of missions, a rule set id, a component
id. Declared here beside the headers rather than guessed from values: ``0.57`` may be a rate or
a value."""

CODE_LABELS: dict[str, Mapping[Any, str]] = {
    "statut": CPTS_STATES,
    "status": STATUSES,
    "etat": DEPLOYMENT_STATES,
    "kind": PAYMENT_KINDS,
    "variable_source": VARIABLE_SOURCES,
    "indicator_kind": INDICATOR_KINDS,
    "budget_state": BUDGET_STATES,
    "nature": NATURES,
}
"""Column → labels of its codes (``signe`` → « ACI signé »), for workbooks and CSV for Excel."""

SHEETS = {
    "about": "À propos",
    "current": "Financement de l'année en cours",
    "schedule": "Échéancier",
    "deployment": "Déploiement",
    "coverage": "Couverture",
    "white_zones": "Zones blanches",
    "shared": "Communes partagées",
    "uncertain": "Montants non confirmés",
    "budget": "Budget annuel",
    "years": "Années",
    "funding": "Financement",
    "variable": "Parts variables",
    "by_tier": "Par taille",
    "by_year": "Par année civile",
    "changes": "Valeurs modifiées",
    "thresholds": "Seuils",
    "merger": "Fusion",
    "split": "Scission",
    "rule_sets": "Règles",
    "indicators": "Indicateurs",
    "missions": "Missions",
    "instructions": "Instructions",
}
"""Sheet names of the workbooks (Excel allows 31 characters); a notebook names its tables by
these keys."""

ABOUT = {
    "element": "Élément",
    "value": "Valeur",
    "title": "Contenu",
    "registry": "Registre des CPTS",
    "registry_file": "Fichier du registre",
    "provenance": "Provenance du registre",
    "reference_date": "Date de référence",
    "rule_set": "Règles ACI appliquées",
    "rule_set_status": "Statut des règles",
    "data": "Données",
    "version": "Version de cpts-analysis",
    "produced": "Produit le",
    "example_registry": "registre illustratif fourni avec cpts-analysis",
}
"""Rows of the « À propos » sheet of every workbook."""

HEADLINE = {
    "territoire": "Territoire",
    "niveau": "Niveau",
    "nom": "Nom",
    "cpts": "CPTS",
    "date_reference": "Date de référence",
    "regles": "Règles ACI appliquées",
    "nombre_cpts": "CPTS du registre rattachées au territoire",
    "cpts_signees": "dont CPTS ayant signé l'ACI",
    "population": "Population (Insee 2023)",
    "population_couverte": "Population couverte par une CPTS",
    "taux_couverture": "Taux de couverture",
    "communes_zone_blanche": "Communes en zone blanche",
    "financement_annuel_total": "Financement ACI de l'année de contrat en cours",
    "euros_par_habitant_couvert": "Financement par habitant couvert",
    "missions_en_retard": "Missions socles en retard (non démarrées)",
    "cpts_en_renouvellement": "CPTS financées au titre d'un renouvellement tacite",
    "montants_non_confirmes": "Montants utilisés au statut non confirmé",
    "taille": "Taille ACI",
    "contrat_indicatif": "Contrat indicatif",
    "enveloppe_5_ans": "Enveloppe de la période de contrat en cours",
    "versements": "Versements",
    "montants_locaux": "Montants locaux",
    "variante": "Variante",
    "total_en_vigueur": "Financement selon les règles en vigueur",
    "total_variante": "Financement selon la variante",
    "ecart": "Écart (coût de la variante)",
    "cpts_gagnantes": "CPTS gagnantes",
    "cpts_perdantes": "CPTS perdantes",
    "cpts_au_prorata": "CPTS dont l'écart est au prorata",
    "valeurs_modifiees": "Valeurs modifiées par la variante",
    "gain_total_si_seuil_franchi": "Gain total si chaque CPTS franchit son seuil",
    "ecart_fusion": "Écart : fusion − CPTS séparées",
    "ecart_scission": "Écart : deux parties − CPTS entière",
    "ecart_regles": "Écart : avenant 2 − ACI 2019",
    "annee_contrat": "Année de contrat",
    "total_acquis": "Part variable acquise",
    "total_max": "Part variable maximale de l'année",
    "solde_a_verser": "Solde de l'année (à l'anniversaire)",
    "indicateurs_non_renseignes": "Indicateurs non renseignés",
}
"""Key of ``headline.json`` (a public contract, never renamed) → French label."""

PARAMETERS = {
    "territoire": "Territoire",
    "cpts": "CPTS",
    "registre": "Registre des CPTS",
    "date_reference": "Date de référence",
    "variante": "Variante des règles",
    "annee": "Année de contrat",
}
"""Template parameter → French label in a report's header."""


def header(column: str, labels: Mapping[str, str] | None = None) -> str:
    """French header of ``column``; ``labels`` names columns only the caller knows (mission
    ids, rule set ids). An unknown column is an error: a reader never sees a code."""
    if labels and column in labels:
        return labels[column]
    try:
        return HEADERS[column]
    except KeyError:
        raise KeyError(f"colonne sans libellé dans core/vocabulary.py : {column!r}") from None


def to_french(
    frame: pd.DataFrame, labels: Mapping[str, str] | None = None, *, strict: bool = True
) -> pd.DataFrame:
    """A copy of ``frame`` with French headers (named index levels included).

    ``strict=False`` leaves the columns the vocabulary does not know as they are: the workbook
    of a template written by a user may hold any table.
    """

    def french(name: object) -> object:
        known = str(name) in HEADERS or str(name) in (labels or {})
        return header(str(name), labels) if name is not None and (known or strict) else name

    renamed = frame.rename(columns=french)
    if any(name is not None for name in renamed.index.names):
        renamed.index = renamed.index.set_names([french(n) for n in renamed.index.names])
    return renamed


def headline_label(key: str) -> str:
    """French label of a ``headline.json`` key (the key itself if a template adds a new one)."""
    return HEADLINE.get(key, key)


def status_label(status: str | None) -> str:
    return STATUSES.get(status or "", status or "–")


def tier_header(tier: int) -> str:
    """``Taille 3``: the column of one tier."""
    return f"{TIER} {tier}"


def contract_year_labels(frame: pd.DataFrame) -> pd.Series:
    """``contract_year`` as text, with « renouvellement tacite (hypothèse) » after the fifth."""
    years = frame["contract_year"].astype("int64").astype(str)
    return years.where(~frame["renewal"].astype(bool), years + f" — {RENEWAL}")
