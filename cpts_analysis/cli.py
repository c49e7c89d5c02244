"""``cpts-analysis`` command line. Command names, options and JSON keys are a public contract.

Exit codes: 0 success; 1 invalid input data (a registry) or a failed report; 2 bad arguments.
Errors are printed as plain lines on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence

import pandas as pd

from cpts_analysis.errors import CptsError, InputError
from cpts_analysis.formatting import format_date, format_number, format_percent
from cpts_analysis.tables import (
    TIER_COLUMNS,
    annex_table,
    euro_cell,
    group_label,
    render_text,
    status_label,
)

EXIT_DATA = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: erreur : {message}\n")
        raise SystemExit(EXIT_USAGE)


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide « {text} » (format attendu AAAA-MM-JJ)"
        ) from None


def rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"taux d'atteinte « {text} » hors de 0–1")
    return value


def population(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"population « {text} » : un nombre entier d'habitants est attendu"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"population « {text} » négative")
    return value


def mission_start(text: str) -> tuple[str, dt.date]:
    mission, sep, day = text.partition("=")
    if not sep or not mission:
        raise argparse.ArgumentTypeError(f"« {text} » : format attendu MISSION=AAAA-MM-JJ")
    return mission.strip(), iso_date(day.strip())


def _emit(table: pd.DataFrame, payload: dict, fmt: str, text: Callable[[], str]) -> None:
    if fmt == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        print(table.to_csv(index=False), end="")
    else:
        print(text())


def cmd_tier(args: argparse.Namespace) -> int:
    from cpts_analysis.rules import rules_at

    print(rules_at(args.date).tiers.tier(args.population))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from cpts_analysis.rules import rules_at

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
    return None if text == "all" else [m.strip() for m in text.split(",") if m.strip()]


def cmd_funding(args: argparse.Namespace) -> int:
    from cpts_analysis.funding import annual_envelope, round_cents

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
        shown = pd.DataFrame(
            {
                "Mission": year["mission"].map(group_label),
                "Composante": year["label"],
                "Montant": year["amount"],
                "Statut": year["status"].map(status_label),
            }
        )
        shown.loc[len(shown)] = ["Total", "", total, ""]
        head = (
            f"{args.population} habitants → taille {payload['tier']} ; règles "
            f"« {payload['rule_set']} » ; année de contrat {args.contract_year}"
        )
        return head + "\n\n" + render_text(shown, {"Montant": euro_cell})

    _emit(lines, payload, args.format, text)
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from cpts_analysis.funding import compute_funding, round_cents
    from cpts_analysis.schedule import KIND_LABELS, payment_schedule

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
        ["date", "mission", "component", "kind", "amount"]
    ]
    total = float(round_cents(table["amount"].sum()))
    payload = {"payments": table.to_dict(orient="records"), "total": total}

    def text() -> str:
        shown = pd.DataFrame(
            {
                "Date": payments["date"].map(format_date),
                "Année": payments["contract_year"],
                "Mission": payments["mission"].map(group_label),
                "Composante": payments["label"],
                "Versement": payments["kind"].map(KIND_LABELS),
                "Montant": payments["amount"],
            }
        )
        shown.loc[len(shown)] = ["Total", "", "", "", "", total]
        return render_text(shown, {"Montant": euro_cell})

    _emit(table, payload, args.format, text)
    return 0


def _print_problems(problems) -> None:
    for problem in problems:
        sys.stderr.write(f"{problem}\n")


def cmd_validate(args: argparse.Namespace) -> int:
    from cpts_analysis.registry import validate_registry

    problems = validate_registry(args.path, allow_overlap=args.allow_overlap)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{args.path} : {errors} erreur(s), {warnings} avertissement(s)")
    return EXIT_DATA if errors else 0


def cmd_template(args: argparse.Namespace) -> int:
    from cpts_analysis.registry import write_template

    print(write_template(args.path))
    return 0


def cmd_territories(args: argparse.Namespace) -> int:
    from cpts_analysis.registry import load_registry
    from cpts_analysis.territories import coverage, cpts_summary

    registry = load_registry(args.path, allow_overlap=args.allow_overlap)
    _print_problems(registry.warnings)
    summary = cpts_summary(registry.cpts, registry.communes, args.date)
    cover = coverage(registry.communes)
    payload = {
        "cpts": [
            {
                "cpts_id": r.cpts_id,
                "nom": r.nom,
                "population": int(r.population),
                "tier": int(r.tier),
                "communes": int(r.communes),
            }
            for r in summary.itertuples()
        ],
        "coverage": [
            {
                "departement": r.departement,
                "population": int(r.population),
                "population_couverte": int(r.population_couverte),
                "taux": round(float(r.taux), 6),
            }
            for r in cover.itertuples()
        ],
    }
    if args.format == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    cpts_text = render_text(
        pd.DataFrame(payload["cpts"]).rename(
            columns={
                "cpts_id": "CPTS",
                "nom": "Nom",
                "population": "Population",
                "tier": "Taille",
                "communes": "Communes",
            }
        ),
        {"Population": lambda v: format_number(v), "Taille": str, "Communes": str},
    )
    cover_text = render_text(
        cover.rename(
            columns={
                "departement": "Département",
                "nom": "Nom",
                "population": "Population",
                "population_couverte": "Couverte",
                "taux": "Taux",
            }
        )[["Département", "Nom", "Population", "Couverte", "Taux"]],
        {"Population": format_number, "Couverte": format_number, "Taux": format_percent},
    )
    print(f"{cpts_text}\n\nCouverture par département\n{cover_text}")
    return 0


def _all_missions() -> list[str]:
    from cpts_analysis.missions import catalogue

    return list(catalogue())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cpts-analysis", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    tier = commands.add_parser("tier", help="taille ACI d'une population")
    tier.add_argument("population", type=population)
    tier.add_argument("--date", type=iso_date, default=None)
    tier.set_defaults(handler=cmd_tier)

    rules = commands.add_parser("rules", help="règles ACI en vigueur à une date")
    rules.add_argument("--date", type=iso_date, default=None)
    rules.add_argument("--format", choices=["table", "json"], default="table")
    rules.set_defaults(handler=cmd_rules)

    options = _Parser(add_help=False)
    options.add_argument("--population", type=population, required=True)
    options.add_argument("--achievement", type=rate, default=1.0)
    options.add_argument("--snp-supplement", action="store_true")
    options.add_argument("--format", choices=["table", "json", "csv"], default="table")

    funding = commands.add_parser("funding", parents=[options], help="enveloppe annuelle")
    funding.add_argument("--date", type=iso_date, default=None)
    funding.add_argument("--missions", default="all")
    funding.add_argument("--crisis-activated", action="store_true")
    funding.add_argument("--fonctionnement-uplift", action="store_true")
    funding.add_argument("--contract-year", type=int, default=1)
    funding.set_defaults(handler=cmd_funding)

    schedule = commands.add_parser("schedule", parents=[options], help="échéancier des versements")
    schedule.add_argument("--signed", type=iso_date, required=True)
    schedule.add_argument("--mission", type=mission_start, action="append")
    schedule.set_defaults(handler=cmd_schedule)

    validate = commands.add_parser("validate", help="vérifier un registre de CPTS")
    validate.add_argument("path")
    validate.add_argument("--allow-overlap", action="store_true")
    validate.set_defaults(handler=cmd_validate)

    template = commands.add_parser("template", help="créer un registre vierge (dossier ou .xlsx)")
    template.add_argument("path")
    template.set_defaults(handler=cmd_template, exit_on_error=EXIT_DATA)

    territories = commands.add_parser("territories", help="population, taille et couverture")
    territories.add_argument("path")
    territories.add_argument("--date", type=iso_date, default=None)
    territories.add_argument("--allow-overlap", action="store_true")
    territories.add_argument("--format", choices=["table", "json"], default="table")
    territories.set_defaults(handler=cmd_territories, exit_on_error=EXIT_DATA)

    from cpts_analysis.report.cli_commands import register

    register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CptsError as exc:
        for line in str(exc).splitlines():
            sys.stderr.write(f"cpts-analysis: erreur : {line}\n")
        # Bad data (a registry, a target folder) may have its own code; bad arguments get 2.
        return (
            getattr(args, "exit_on_error", EXIT_USAGE)
            if isinstance(exc, InputError)
            else (EXIT_USAGE)
        )


if __name__ == "__main__":
    raise SystemExit(main())
