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

from cpts_analysis.cli.arguments import Parser, iso_date, positive
from cpts_analysis.core.errors import CptsError
from cpts_analysis.core.paths import REPORTS_DIR
from cpts_analysis.runner import DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from cpts_analysis.runner.execute import ReportResult

SCHEDULER_ENV = "CPTS_DASK_SCHEDULER"
EXIT_REPORT_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report`` and ``batch`` to the CLI's subparsers (each sets ``handler``)."""
    common = Parser(add_help=False)
    common.add_argument(
        "--registry",
        type=Path,
        default=None,
        metavar="CHEMIN",
        help="registre des CPTS : dossier de CSV ou classeur .xlsx "
        "(défaut : registre illustratif data/exemple_ara)",
    )
    common.add_argument(
        "--date",
        type=iso_date,
        default=None,
        metavar="AAAA-MM-JJ",
        help="date de référence des règles et du déploiement, ex. 2025-06-01 "
        "(défaut : aujourd'hui)",
    )
    common.add_argument(
        "--out",
        type=Path,
        default=REPORTS_DIR,
        metavar="DOSSIER",
        help="dossier où écrire les rapports (défaut : reports/ du projet)",
    )
    common.add_argument(
        "--pdf",
        action="store_true",
        help="écrire aussi report.pdf (A4, pages numérotées), imprimé par Chromium ; "
        "demande l'option pdf du paquet : pip install 'cpts-analysis[pdf]'",
    )
    common.add_argument(
        "--variant",
        type=Path,
        default=None,
        metavar="CHEMIN",
        help="variante des règles comparée aux règles en vigueur (modèle reforme) : fichier "
        "YAML de surcharge ou dossier de paramètres, ex. examples/variantes/"
        "part_variable_plus_20.yaml",
    )
    common.add_argument(
        "--indicateurs",
        type=Path,
        default=None,
        metavar="CHEMIN",
        help="indicateurs hors registre (modèle comparaison_territoriale) : .xlsx (feuilles "
        "indicateurs et catalogue_indicateurs) ou .csv (catalogue_indicateurs.csv à côté)",
    )

    report = subparsers.add_parser(
        "report", parents=[common], help="rapport de comparaison d'un territoire"
    )
    report.add_argument(
        "--territory",
        required=True,
        metavar="CODE",
        help="département, région ou identifiant de CPTS, ex. 42, departement:42, region:84, "
        "ARA-42-01",
    )
    report.add_argument(
        "--notebook",
        default=None,
        metavar="MODÈLE",
        help="modèle de rapport (dossier notebooks/) : comparaison_territoriale (défaut), "
        "scenarios, reforme (avec --variant), ou profil_cpts avec un identifiant de CPTS pour "
        "--territory",
    )
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
        default=None,
        metavar="N",
        help="processus de calcul du cluster local (défaut : nombre de cœurs)",
    )
    batch.add_argument(
        "--scheduler",
        default=os.environ.get(SCHEDULER_ENV) or None,
        metavar="ADRESSE",
        help=f"cluster Dask existant, ex. tcp://serveur:8786 (défaut : ${SCHEDULER_ENV}, "
        "sinon un cluster local)",
    )
    batch.add_argument(
        "--notebook",
        default=None,
        metavar="MODÈLE",
        help="modèle de rapport (défaut : comparaison_territoriale, ou profil_cpts avec "
        "--by cpts), ex. reforme avec --variant",
    )
    batch.add_argument(
        "--only-failed",
        action="store_true",
        help="ne relancer que les rapports en échec au lot précédent (manifest.json)",
    )
    batch.add_argument(
        "--timeout",
        type=positive(float),
        default=None,
        metavar="SECONDES",
        help="durée maximale d'un rapport, au-delà il est interrompu "
        f"(défaut : {DEFAULT_TIMEOUT_S:g})",
    )
    batch.set_defaults(handler=cmd_batch, exit_on_error=EXIT_REPORT_FAILED)


def cmd_report(args: argparse.Namespace) -> int:
    from cpts_analysis.runner import kernels

    if not _pdf_ready(args):
        return EXIT_REPORT_FAILED
    # The kernel boots and imports the report modules while this process loads its own.
    kernels.prestart()
    try:
        return _report(args)
    finally:
        kernels.shutdown_all()


def _report(args: argparse.Namespace) -> int:
    from cpts_analysis.runner.entry_points import make_report

    result = make_report(
        args.territory,
        args.notebook,
        args.registry,
        args.date,
        args.out,
        variant=args.variant,
        indicators=args.indicateurs,
        pdf=args.pdf,
        reuse_kernel=True,
    )
    if not result.ok:
        _print_failure(result)
        return EXIT_REPORT_FAILED
    print(result.outputs["html"])
    if args.pdf:
        print(result.outputs["pdf"])
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from cpts_analysis.runner import forkserver

    if args.scheduler and args.workers is not None:
        raise CptsError(
            "--workers ne s'applique qu'au cluster local : avec --scheduler "
            f"(ou ${SCHEDULER_ENV}), le cluster existant fixe ses travailleurs"
        )
    if not _pdf_ready(args):
        return EXIT_REPORT_FAILED
    if not args.scheduler:
        # The embedded workers' fork server imports while this process loads the rest.
        forkserver.start()
    from cpts_analysis.runner.entry_points import make_batch

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
        pdf=args.pdf,
        scheduler=args.scheduler,
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


def _pdf_ready(args: argparse.Namespace) -> bool:
    """With ``--pdf``, check the browser first: its absence fails at once, not per report."""
    from cpts_analysis.runner.pdf import PdfUnavailable, check_available

    if not args.pdf:
        return True
    try:
        check_available()
    except PdfUnavailable as exc:
        sys.stderr.write(f"cpts-analysis: erreur : {exc}\n")
        return False
    return True


def _print_failure(result: ReportResult) -> None:
    name = result.label or result.slug
    sys.stderr.write(
        f"cpts-analysis: échec du rapport {name} ({result.notebook.stem}/{result.slug}) : "
        f"{result.error}\n"
    )
    if "failed_notebook" in result.outputs:
        sys.stderr.write(f"  notebook exécuté : {result.outputs['failed_notebook']}\n")
