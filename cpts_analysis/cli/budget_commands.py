"""``budget``: payments per calendar year of a territory, by mission (JSON keys are a contract)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cpts_analysis.cli.arguments import EXIT_DATA, add_csv_option, add_date_option, emit
from cpts_analysis.cli.workbook_export import add_xlsx_option, write_xlsx
from cpts_analysis.core.errors import CptsError, InputError
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.vocabulary import SHEETS


def register(commands: argparse._SubParsersAction) -> None:
    budget = commands.add_parser(
        "budget",
        help="versements ACI par année civile d'un territoire, par mission",
        description=(
            "Somme, par année civile, des versements de l'échéancier de chaque CPTS signée du "
            "territoire (résultats, montants locaux et renouvellement tacite du registre). "
            "Une année est prévisionnelle (projected) quand l'un de ses versements tombe "
            "après la date de référence."
        ),
    )
    budget.add_argument(
        "--territory",
        required=True,
        metavar="CODE",
        help="département, région ou CPTS, comme pour report (ex. 42, region:84, ARA-42-01)",
    )
    budget.add_argument(
        "--registry",
        type=Path,
        default=None,
        metavar="PATH",
        help="registre des CPTS : dossier de CSV ou classeur .xlsx (défaut : data/exemple_ara)",
    )
    budget.add_argument(
        "--from", dest="first", type=int, default=None, metavar="ANNÉE", help="première année"
    )
    budget.add_argument(
        "--to", dest="last", type=int, default=None, metavar="ANNÉE", help="dernière année"
    )
    add_date_option(budget, "date de référence séparant réalisé et projeté", "01/06/2025")
    budget.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="format de sortie (json : clés stables ; csv : par mission et composante)",
    )
    add_csv_option(budget)
    add_xlsx_option(budget)
    budget.set_defaults(handler=cmd_budget, exit_on_error=EXIT_DATA)


def cmd_budget(args: argparse.Namespace) -> int:
    from cpts_analysis.analysis.budget import territory_budget
    from cpts_analysis.core.paths import EXAMPLE_REGISTRY
    from cpts_analysis.core.vocabulary import header, to_french
    from cpts_analysis.report.budget_content import amount_columns, budget_frame, budget_labels
    from cpts_analysis.report.tables import euro_cell, render_text
    from cpts_analysis.territory.registry import load_registry
    from cpts_analysis.territory.resolution import resolve_territory

    if args.first is not None and args.last is not None and args.first > args.last:
        raise CptsError(f"--from {args.first} est postérieur à --to {args.last}")
    registry = load_registry(args.registry or EXAMPLE_REGISTRY)  # bad data: exit code 1
    try:
        resolve_territory(args.territory, registry)
    except InputError as error:  # a territory the registry does not know is a bad argument
        raise CptsError(str(error)) from None
    budget = territory_budget(registry, args.territory, args.date, args.first, args.last)
    lines = budget.lines

    def text() -> str:
        head = (
            f"Versements ACI par année civile — {budget.territory.title} ; "
            f"date de référence {format_date(budget.date)} ; registre {registry.source}"
        )
        if lines.empty:
            return head + "\n\nAucun versement (aucune CPTS signée dans la période)."
        shown = budget_frame(lines)
        labels = budget_labels(shown)
        formats = {header(column, labels): euro_cell for column in amount_columns(shown)}
        return head + "\n\n" + render_text(to_french(shown, labels), formats)

    table, labels, kinds = budget.display_table()
    title = f"Versements ACI par année civile — {budget.territory.title}"
    write_xlsx(args.xlsx, title, registry, budget.date, {SHEETS["budget"]: table}, labels, kinds)
    emit(lines, budget.payload(args.territory), args.format, text, args.csv)
    return 0
