"""``report`` and ``batch`` subcommands of ``cpts-analysis``.

Exit codes follow the CLI contract: 0 success, 1 when a report failed (the failing report, cell
and error are printed), 2 on bad arguments. Report modules are imported by the handlers only,
so other commands do not pay for papermill and nbconvert.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cpts_analysis.cli.arguments import iso_date, positive
from cpts_analysis.core.paths import REPORTS_DIR

if TYPE_CHECKING:
    from cpts_analysis.report.execute import ReportResult

EXIT_REPORT_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report`` and ``batch`` to the CLI's subparsers (each sets ``handler``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--registry", type=Path, default=None, metavar="PATH", help="registre des CPTS"
    )
    common.add_argument("--date", type=iso_date, default=None, help="date des règles, AAAA-MM-JJ")
    common.add_argument(
        "--out", type=Path, default=REPORTS_DIR, metavar="DIR", help="dossier des rapports"
    )
    common.add_argument(
        "--variant",
        type=Path,
        default=None,
        metavar="PATH",
        help="variante des règles (modèle reforme) : fichier YAML de surcharge ou dossier",
    )
    common.add_argument(
        "--indicateurs",
        type=Path,
        default=None,
        metavar="PATH",
        help="indicateurs hors registre : .xlsx (feuilles indicateurs et catalogue_indicateurs) "
        "ou .csv (catalogue dans catalogue_indicateurs.csv à côté)",
    )

    report = subparsers.add_parser(
        "report", parents=[common], help="rapport de comparaison d'un territoire"
    )
    report.add_argument(
        "--territory",
        required=True,
        metavar="CODE",
        help="département, région (departement:84, region:84) ou identifiant de CPTS",
    )
    report.add_argument("--notebook", default=None, metavar="NAME", help="modèle de rapport")
    report.set_defaults(handler=cmd_report, exit_on_error=EXIT_REPORT_FAILED)

    batch = subparsers.add_parser(
        "batch", parents=[common], help="rapports de tous les territoires d'un niveau"
    )
    batch.add_argument(
        "--by",
        required=True,
        choices=["departement", "region", "cpts"],
        help="un rapport par département, par région ou par CPTS du registre",
    )
    batch.add_argument(
        "--workers",
        type=positive(int),
        default=os.cpu_count() or 1,
        help="processus de calcul en parallèle (défaut : nombre de cœurs)",
    )
    batch.add_argument(
        "--notebook",
        default=None,
        metavar="NAME",
        help="modèle de rapport (défaut : comparaison, ou profil avec --by cpts)",
    )
    batch.add_argument("--only-failed", action="store_true", help="relancer les échecs seuls")
    batch.add_argument(
        "--timeout",
        type=positive(float),
        default=None,
        metavar="S",
        help="durée maximale d'un rapport, en secondes (défaut : 600)",
    )
    batch.set_defaults(handler=cmd_batch, exit_on_error=EXIT_REPORT_FAILED)


def cmd_report(args: argparse.Namespace) -> int:
    from cpts_analysis.report.entry_points import make_report

    result = make_report(
        args.territory,
        args.notebook,
        args.registry,
        args.date,
        args.out,
        variant=args.variant,
        indicators=args.indicateurs,
    )
    if not result.ok:
        _print_failure(result)
        return EXIT_REPORT_FAILED
    print(result.outputs["html"])
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from cpts_analysis.report.entry_points import make_batch

    batch = make_batch(
        args.by,
        args.registry,
        args.date,
        args.out,
        workers=args.workers,
        timeout=args.timeout,
        only_failed=args.only_failed,
        notebook=args.notebook,
        variant=args.variant,
        indicators=args.indicateurs,
    )
    print(
        f"{len(batch.results)} rapport(s) exécuté(s), dont {len(batch.failed)} en échec ; "
        f"{len(batch.skipped)} non relancé(s)"
    )
    print(f"Index : {batch.index}")
    print(f"Manifeste : {batch.manifest}")
    for result in batch.failed:
        _print_failure(result)
    return EXIT_REPORT_FAILED if batch.any_failed else 0


def _print_failure(result: ReportResult) -> None:
    name = result.label or result.slug
    sys.stderr.write(
        f"cpts-analysis: échec du rapport {name} ({result.notebook.stem}/{result.slug}) : "
        f"{result.error}\n"
    )
    if "failed_notebook" in result.outputs:
        sys.stderr.write(f"  notebook exécuté : {result.outputs['failed_notebook']}\n")
