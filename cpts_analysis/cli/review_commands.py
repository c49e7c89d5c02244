"""``revue``: the annual review of one CPTS and contract year (JSON keys are a contract)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cpts_analysis.cli.arguments import EXIT_DATA, add_date_option, emit, positive


def register(commands: argparse._SubParsersAction) -> None:
    review = commands.add_parser(
        "revue",
        help="revue annuelle d'une CPTS : part variable acquise par indicateur du contrat",
        description=(
            "Pour une CPTS et une année de contrat : ce que chaque indicateur du contrat a "
            "acquis (palier atteint, écart au palier suivant), la part variable de chaque "
            "mission face à son enveloppe, les indicateurs non renseignés et le solde à verser "
            "à la date anniversaire qui clôt l'année. Une mission sans indicateur prend son "
            "taux d'atteinte saisi (resultats), ou 100 % à défaut."
        ),
    )
    review.add_argument("--cpts", required=True, metavar="ID", help="identifiant de la CPTS")
    review.add_argument(
        "--annee",
        required=True,
        type=positive(int),
        metavar="N",
        help="année de contrat (1 = l'année qui suit la signature)",
    )
    review.add_argument(
        "--registry",
        type=Path,
        default=None,
        metavar="PATH",
        help="registre des CPTS : dossier de CSV ou classeur .xlsx (défaut : data/exemple_ara)",
    )
    add_date_option(review, "date de référence (le solde est-il déjà versé ?)", "01/06/2025")
    review.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="format de sortie (json : clés stables)",
    )
    review.set_defaults(handler=cmd_review, exit_on_error=EXIT_DATA)


def cmd_review(args: argparse.Namespace) -> int:
    from cpts_analysis.analysis.annual_review import annual_review
    from cpts_analysis.core.errors import CptsError, InputError
    from cpts_analysis.core.paths import EXAMPLE_REGISTRY
    from cpts_analysis.report.review_content import review_text
    from cpts_analysis.territory.registry import load_registry

    registry = load_registry(args.registry or EXAMPLE_REGISTRY)  # bad data: exit code 1
    try:
        review = annual_review(registry, args.cpts, args.annee, args.date)
    except InputError as error:  # an unknown CPTS or a year outside its contract: bad argument
        raise CptsError(str(error)) from None
    emit(
        review.missions, review.payload(), args.format, lambda: review_text(review, registry.source)
    )
    return 0
