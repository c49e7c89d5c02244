"""``reform``: a territory's funding under the rules in force and under a rule variant.

Exit codes: 0 success; 1 when the variant or the registry does not load (every problem is
printed with file and key); 2 on bad arguments (a path that does not exist, a territory that is
neither a department, a region nor a CPTS of the registry).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cpts_analysis.cli.arguments import EXIT_DATA, add_csv_option, add_date_option, print_csv
from cpts_analysis.cli.workbook_export import add_xlsx_option, write_xlsx
from cpts_analysis.core.errors import CptsError, InputError
from cpts_analysis.core.formatting import format_date, format_euros, format_percent
from cpts_analysis.core.vocabulary import SHEETS, header, to_french
from cpts_analysis.report.tables import euro_cell, render_text

if TYPE_CHECKING:
    from cpts_analysis.analysis.reform import Reform


def existing_path(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"chemin introuvable : {text}")
    return path


def register(commands: argparse._SubParsersAction) -> None:
    reform = commands.add_parser(
        "reform",
        help="coût d'une variante des règles ACI (proposition d'avenant) pour un territoire",
        description=(
            "Financement de l'année de contrat en cours à la date D pour chaque CPTS du "
            "territoire, selon les règles en vigueur et selon la variante, et l'écart."
        ),
    )
    reform.add_argument(
        "--variant",
        type=existing_path,
        required=True,
        metavar="PATH",
        help="variante : fichier YAML de surcharge (voir examples/variantes/) ou dossier de "
        "paramètres complet",
    )
    reform.add_argument(
        "--territory",
        required=True,
        metavar="CODE",
        help="département, région (departement:84, region:84) ou identifiant de CPTS",
    )
    reform.add_argument(
        "--registry",
        type=existing_path,
        default=None,
        metavar="PATH",
        help="registre des CPTS, dossier de CSV ou classeur .xlsx (défaut : data/exemple_ara)",
    )
    add_date_option(reform, "date D : l'année de contrat en cours ce jour-là", "01/06/2027")
    reform.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="format de sortie (json : clés stables)",
    )
    add_csv_option(reform)
    add_xlsx_option(reform)
    reform.add_argument(
        "--years",
        action="store_true",
        help="ajouter les totaux par année civile sur tout l'horizon des contrats "
        "(json : clé years ; table et csv : ce tableau)",
    )
    reform.set_defaults(handler=cmd_reform, exit_on_error=EXIT_DATA)


def cmd_reform(args: argparse.Namespace) -> int:
    from cpts_analysis.aci.variants import load_variant
    from cpts_analysis.analysis.reform import compare_variant
    from cpts_analysis.core.paths import EXAMPLE_REGISTRY
    from cpts_analysis.territory.registry import load_registry
    from cpts_analysis.territory.resolution import resolve_territory

    variant = load_variant(args.variant)
    registry = load_registry(args.registry or EXAMPLE_REGISTRY)
    try:
        resolve_territory(args.territory, registry)
    except InputError as exc:  # a bad --territory is a bad argument (exit 2), not bad data
        raise CptsError(str(exc)) from None
    result = compare_variant(registry, args.territory, variant, args.date)
    payload = result.payload()
    years = result.years
    if args.years:
        payload["years"] = [
            {
                "year": int(row.annee),
                "current": float(row.current),
                "variant": float(row.variant),
                "delta": float(row.delta),
            }
            for row in years.itertuples()
        ]
    tables = {
        header("cpts"): result.cpts,
        SHEETS["by_tier"]: result.by_tier(),
        SHEETS["by_year"]: years,
        SHEETS["changes"]: result.changes,
    }
    title = f"Coût d'une variante des règles — {result.territory.title}"
    write_xlsx(args.xlsx, title, registry, result.date, tables)
    if args.format == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        table = years if args.years else pd.DataFrame(payload["cpts"])
        print_csv(table, args.csv)
    else:
        print(_text(result, years if args.years else None))
    return 0


def _text(result: Reform, years: pd.DataFrame | None) -> str:
    head = [
        f"{result.territory.title} — année de contrat en cours le {format_date(result.date)}",
        f"Variante : {result.variant.description} ({result.variant.label})",
        f"Total : {format_euros(result.current)} selon les règles en vigueur, "
        f"{format_euros(result.variant_total)} selon la variante, "
        f"écart {format_euros(result.variant_total - result.current)}",
    ]
    prorated = result.prorated[result.prorated["delta"] != 0]
    if len(prorated):
        starts = ", ".join(format_date(d) for d in result.variant.new_starts)
        head.append(
            f"{len(prorated)} CPTS ont commencé leur année de contrat avant la variante "
            f"({starts}) : leur écart est au prorata des jours sous la variante "
            f"(colonne « {header('part_variante')} »)."
        )
    amounts: dict[str, Callable[[Any], str]] = dict.fromkeys(
        ["current", "variant", "delta"], euro_cell
    )
    if years is not None:
        cells = {"annee": str} | amounts
        shown = years[list(cells)]
    else:
        cells = {"tier": str} | amounts | {"part_variante": format_percent}
        shown = result.cpts[
            ["cpts_id", "nom", "tier", "current", "variant", "delta", "part_variante"]
        ]
    formats = {header(column): cell for column, cell in cells.items()}
    return "\n".join(head) + "\n\n" + render_text(to_french(shown), formats)
