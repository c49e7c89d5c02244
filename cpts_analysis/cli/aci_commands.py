"""ACI commands: ``tier``, ``rules``, ``funding`` and ``schedule``."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from cpts_analysis.cli.arguments import (
    MISSION_START,
    Parser,
    add_csv_option,
    add_date_option,
    emit,
    mission_code,
    mission_start,
    population,
    rate,
    signing_date,
)
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.vocabulary import (
    ISO_DATE_TOO,
    PAYMENT_KINDS,
    TOTAL,
    contract_year_labels,
    header,
    renewal_note,
    status_label,
    to_french,
)
from cpts_analysis.report.tables import TIER_COLUMNS, annex_table, euro_cell, render_text


def register(commands: argparse._SubParsersAction) -> None:
    tier = commands.add_parser("tier", help="taille ACI d'une population")
    tier.add_argument("population", type=population, help=POPULATION_HELP)
    add_date_option(tier, *RULES_DATE)
    tier.set_defaults(handler=cmd_tier)

    rules = commands.add_parser("rules", help="règles ACI en vigueur à une date")
    add_date_option(rules, *RULES_DATE)
    rules.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="format de sortie : table (lisible) ou json (clés stables)",
    )
    rules.set_defaults(handler=cmd_rules)

    options = Parser(add_help=False)
    options.add_argument(
        "--population",
        type=population,
        required=True,
        metavar="HABITANTS",
        help=POPULATION_HELP,
    )
    options.add_argument(
        "--achievement",
        type=rate,
        default=1.0,
        metavar="TAUX",
        help="taux d'atteinte des indicateurs des parts variables, de 0 à 1, ex. 0.75 (défaut : 1)",
    )
    options.add_argument(
        "--snp-supplement",
        action="store_true",
        help="ajouter le complément soins non programmés (mission accès aux soins)",
    )
    options.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help=FORMAT_HELP
    )
    add_csv_option(options)

    funding = commands.add_parser("funding", parents=[options], help="enveloppe annuelle")
    add_date_option(funding, *RULES_DATE)
    funding.add_argument(
        "--missions",
        default="all",
        metavar="LISTE",
        help="missions déployées, séparées par des virgules, ex. acces_soins,parcours ; "
        "« all » : toutes (défaut)",
    )
    funding.add_argument(
        "--crisis-activated",
        action="store_true",
        help="compter la part activation : l'ARS a reconnu une crise sanitaire dans l'année",
    )
    funding.add_argument(
        "--fonctionnement-uplift",
        action="store_true",
        help="appliquer la majoration du fonctionnement (option de l'avenant 2, non confirmée)",
    )
    funding.add_argument(
        "--contract-year",
        type=int,
        default=1,
        metavar="ANNÉE",
        help="année du contrat, de 1 à 5 (défaut : 1)",
    )
    funding.set_defaults(handler=cmd_funding)

    schedule = commands.add_parser("schedule", parents=[options], help="échéancier des versements")
    add_date_option(
        schedule,
        "date de signature du contrat",
        "15/03/2021",
        flag="--signed",
        parse=signing_date,
        required=True,
    )
    schedule.add_argument(
        "--mission",
        type=mission_start,
        action="append",
        metavar=MISSION_START,
        help=f"démarrage d'une mission, ex. parcours=01/09/2021 ({ISO_DATE_TOO} ; répéter "
        "l'option pour chaque mission)",
    )
    schedule.set_defaults(handler=cmd_schedule)


RULES_DATE = ("date des règles appliquées", "01/06/2022")
FORMAT_HELP = "format de sortie : table (lisible), json (clés stables) ou csv (tableur)"
POPULATION_HELP = "nombre d'habitants couverts par la CPTS, ex. 52000"


def cmd_tier(args: argparse.Namespace) -> int:
    from cpts_analysis.aci.rules import rules_at

    print(rules_at(args.date).tiers.tier(args.population))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from cpts_analysis.aci.rules import rules_at

    rule_set = rules_at(args.date)
    table, sources = annex_table(rule_set)
    if args.format == "json":
        lines = rule_set.amounts.assign(
            effective_date=rule_set.amounts["effective_date"].astype(str)
        )
        payload = {
            "rule_set": rule_set.id,
            "label": rule_set.label,
            "in_force_from": rule_set.start.isoformat(),
            "in_force_until": rule_set.end.isoformat() if rule_set.end else None,
            "status": rule_set.status,
            "source": rule_set.source,
            "tiers": [
                {"tier": tier, "label": label} for tier, label in rule_set.tiers.labels().items()
            ],
            "tiers_status": rule_set.tiers_status,
            "missions": [
                {
                    "id": m.id,
                    "label": m.label,
                    "category": m.category,
                    "start_months": m.start_months,
                    "deploy_months": m.deploy_months,
                }
                for m in rule_set.missions.values()
            ],
            "lines": json.loads(
                lines.rename(columns={"group": "mission"})
                .drop(columns=["rule_set"])
                .to_json(orient="records", force_ascii=False)
            ),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(rule_set.describe_period() + f" — statut de la date : {status_label(rule_set.status)}")
    tiers = " ; ".join(f"taille {t} : {label}" for t, label in rule_set.tiers.labels().items())
    print(f"Tailles ({status_label(rule_set.tiers_status)} aux bornes) — {tiers}")
    print("Montants annuels :\n")
    print(render_text(table, {col: euro_cell for col in TIER_COLUMNS}))
    print("\nSources :")
    for number, source in enumerate(sources, 1):
        print(f"[{number}] {source}")
    return 0


def _mission_list(text: str) -> list[str] | None:
    return (
        None if text == "all" else [mission_code(m.strip()) for m in text.split(",") if m.strip()]
    )


def cmd_funding(args: argparse.Namespace) -> int:
    from cpts_analysis.aci.funding import annual_envelope, round_cents

    year = annual_envelope(
        args.population,
        date=args.date,
        missions=_mission_list(args.missions),
        achievement=args.achievement,
        snp_supplement=args.snp_supplement,
        crisis_activated=args.crisis_activated,
        contract_year=args.contract_year,
        fonctionnement_uplift=args.fonctionnement_uplift,
    )
    lines = year[["mission", "component", "amount", "status"]]
    total = float(round_cents(lines["amount"].sum()))
    payload = {
        "rule_set": year["rule_set"].iloc[0],
        "tier": int(year["tier"].iloc[0]),
        "population": args.population,
        "lines": lines.to_dict(orient="records"),
        "total": total,
    }

    def text() -> str:
        from cpts_analysis.aci.missions import group_label
        from cpts_analysis.analysis.readable import rule_set_labels

        shown = to_french(
            pd.DataFrame(
                {
                    "mission": year["mission"].map(group_label),
                    "component": year["label"],
                    "amount": year["amount"],
                    "status": year["status"].map(status_label),
                }
            )
        )
        shown.loc[len(shown)] = [TOTAL, "", total, ""]
        rules = rule_set_labels().get(payload["rule_set"], payload["rule_set"])
        head = (
            f"{args.population} habitants → taille {payload['tier']} ; règles : {rules} ; "
            f"année de contrat {args.contract_year}"
        )
        return head + "\n\n" + render_text(shown, {header("amount"): euro_cell})

    emit(lines, payload, args.format, text, args.csv)
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from cpts_analysis.aci.funding import compute_funding, round_cents
    from cpts_analysis.aci.missions import group_label
    from cpts_analysis.aci.rules import rules_at
    from cpts_analysis.aci.schedule import payment_schedule

    signed = pd.Timestamp(args.signed)
    missions = pd.DataFrame(args.mission or [], columns=["mission", "start"]).assign(cpts_id="cpts")
    problems = []
    for mission, start in args.mission or []:
        if mission not in _all_missions():
            problems.append(
                f"mission inconnue « {mission} » (connues : {', '.join(_all_missions())})"
            )
        if pd.Timestamp(start) < signed:
            problems.append(
                f"mission {mission} démarrée le {format_date(start)}, avant la signature "
                f"du {format_date(signed)}"
            )
    if missions["mission"].duplicated().any():
        problems.append("une mission est donnée deux fois")
    if problems:
        raise InputError.single("--mission", " ; ".join(problems))
    contracts = pd.DataFrame(
        {
            "cpts_id": ["cpts"],
            "population": [args.population],
            "signature": [signed],
            "snp_supplement": [args.snp_supplement],
        }
    )
    funding = compute_funding(contracts, missions, default_achievement=args.achievement)
    payments = payment_schedule(funding, missions)
    table = payments.assign(date=payments["date"].dt.strftime("%Y-%m-%d"))[
        ["date", "contract_year", "renewal", "mission", "component", "kind", "amount"]
    ].astype({"contract_year": "int64", "renewal": "bool"})
    total = float(round_cents(table["amount"].sum()))
    payload = {"payments": table.to_dict(orient="records"), "total": total}

    def text() -> str:
        shown = to_french(
            pd.DataFrame(
                {
                    "date": payments["date"].map(format_date),
                    "contract_year": contract_year_labels(payments),
                    "mission": payments["mission"].map(group_label),
                    "component": payments["label"],
                    "kind": payments["kind"].map(PAYMENT_KINDS),
                    "amount": payments["amount"],
                }
            )
        )
        shown.loc[len(shown)] = [TOTAL, "", "", "", "", total]
        return render_text(shown, {header("amount"): euro_cell})

    emit(table, payload, args.format, text, args.csv)
    if payments["renewal"].any() and args.format == "table":
        print(f"\n{renewal_note(rules_at(signed).payment.contract_years)}")
    return 0


def _all_missions() -> list[str]:
    from cpts_analysis.aci.missions import catalogue

    return list(catalogue())
