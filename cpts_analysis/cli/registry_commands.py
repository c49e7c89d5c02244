"""Registry commands: ``validate``, ``template`` and ``territories``."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pandas as pd

from cpts_analysis.cli.arguments import EXIT_DATA, add_date_option, print_problems
from cpts_analysis.cli.workbook_export import add_xlsx_option, write_xlsx
from cpts_analysis.core.formatting import format_number, format_percent
from cpts_analysis.core.vocabulary import SHEETS, header, to_french
from cpts_analysis.report.tables import render_text

REGISTRY_HELP = "registre des CPTS : dossier de CSV ou classeur .xlsx, ex. data/exemple_ara"
OVERLAP_HELP = "accepter une commune dans deux CPTS (avertissement au lieu d'erreur)"


def register(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser("validate", help="vérifier un registre de CPTS")
    validate.add_argument("path", metavar="CHEMIN", help=REGISTRY_HELP)
    validate.add_argument("--allow-overlap", action="store_true", help=OVERLAP_HELP)
    validate.set_defaults(handler=cmd_validate)

    template = commands.add_parser("template", help="créer un registre vierge (dossier ou .xlsx)")
    template.add_argument(
        "path",
        metavar="CHEMIN",
        help="dossier de CSV à créer, ou classeur à créer s'il finit par .xlsx, ex. registre.xlsx",
    )
    template.set_defaults(handler=cmd_template, exit_on_error=EXIT_DATA)

    territories = commands.add_parser("territories", help="population, taille et couverture")
    territories.add_argument("path", metavar="CHEMIN", help=REGISTRY_HELP)
    add_date_option(territories, "date des seuils de taille appliqués", "01/06/2022")
    territories.add_argument("--allow-overlap", action="store_true", help=OVERLAP_HELP)
    territories.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="format de sortie : table (lisible) ou json (clés stables)",
    )
    add_xlsx_option(territories)
    territories.set_defaults(handler=cmd_territories, exit_on_error=EXIT_DATA)


def cmd_validate(args: argparse.Namespace) -> int:
    from cpts_analysis.territory.registry import validate_registry

    problems = validate_registry(args.path, allow_overlap=args.allow_overlap)
    print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{args.path} : {errors} erreur(s), {warnings} avertissement(s)")
    return EXIT_DATA if errors else 0


def cmd_template(args: argparse.Namespace) -> int:
    from cpts_analysis.territory.registry import write_template

    print(write_template(args.path))
    return 0


def cmd_territories(args: argparse.Namespace) -> int:
    from cpts_analysis.territory.registry import load_registry
    from cpts_analysis.territory.territories import coverage, cpts_summary

    registry = load_registry(args.path, allow_overlap=args.allow_overlap)
    print_problems(registry.warnings)
    summary = cpts_summary(registry.cpts, registry.communes, args.date)
    cover = coverage(registry.communes)
    day = args.date or dt.date.today()
    tables = {header("cpts"): summary, SHEETS["coverage"]: cover}
    write_xlsx(args.xlsx, f"Territoires du registre {registry.source.name}", registry, day, tables)
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
        to_french(pd.DataFrame(payload["cpts"])),
        {header("population"): format_number, header("tier"): str, header("communes"): str},
    )
    columns = ["departement", "nom", "population", "population_couverte", "taux"]
    cover_text = render_text(
        to_french(cover[columns]),
        {
            header("population"): format_number,
            header("population_couverte"): format_number,
            header("taux"): format_percent,
        },
    )
    print(f"{cpts_text}\n\nCouverture par département\n{cover_text}")
    return 0
