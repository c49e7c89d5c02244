"""``report`` and ``batch`` subcommands of ``cpts-analysis``.

Exit codes follow the CLI contract: 0 success; 1 when a report failed or was interrupted by a
fault (the report, cell and error are printed), the cluster was lost, the disk is full or the
output folder is held by another run; 2 on bad arguments; 130 on Ctrl-C, once what was
published is kept and the rest recorded. Report modules are imported by the handlers only,
so other commands do not pay for papermill and nbconvert.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cpts_analysis.cli.arguments import Parser, positive
from cpts_analysis.cli.template_options import (
    add_template_options,
    subject_help,
    template_values,
)
from cpts_analysis.core.cache import NO_CACHE_ENV
from cpts_analysis.core.errors import CptsError
from cpts_analysis.core.paths import REPORTS_DIR
from cpts_analysis.core.vocabulary import REPORT_STATUSES
from cpts_analysis.report.inputs import TEMPLATES
from cpts_analysis.runner import DEFAULT_TIMEOUT_S
from cpts_analysis.runner.address import check_address
from cpts_analysis.runner.errors import ReportInputError

if TYPE_CHECKING:
    from cpts_analysis.report.inputs import NotebookInputs
    from cpts_analysis.runner.execute import ReportResult

SCHEDULER_ENV = "CPTS_DASK_SCHEDULER"
EXIT_REPORT_FAILED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report`` and ``batch`` to the CLI's subparsers (each sets ``handler``)."""
    common = Parser(add_help=False)
    add_template_options(common)
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
        "--no-cache",
        action="store_true",
        help="tout recalculer sans lire ni écrire le cache (registre validé, contours des "
        "territoires) ; « cpts-analysis cache --clear » le vide",
    )

    report = subparsers.add_parser(
        "report", parents=[common], help="rapport de comparaison d'un territoire"
    )
    report.add_argument(
        "--territory",
        required=True,
        metavar="CODE",
        help=f"ce dont traite le rapport, selon le modèle : {subject_help()}",
    )
    report.add_argument(
        "--notebook",
        default=None,
        metavar="MODÈLE",
        help=f"modèle de rapport (dossier notebooks/) : {', '.join(TEMPLATES)} "
        "(défaut : comparaison_territoriale)",
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
        type=_address,
        default=os.environ.get(SCHEDULER_ENV) or None,
        metavar="ADRESSE",
        help=f"cluster Dask existant, ex. tcp://serveur:8786 (défaut : ${SCHEDULER_ENV}, "
        "sinon un cluster local)",
    )
    batch.add_argument(
        "--notebook",
        default=None,
        metavar="MODÈLE",
        help=f"modèle de rapport : {', '.join(TEMPLATES)} (défaut : comparaison_territoriale, "
        "ou profil_cpts avec --by cpts)",
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


def _address(text: str) -> str:
    try:
        return check_address(text)
    except ReportInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_report(args: argparse.Namespace) -> int:
    from cpts_analysis.runner import jobs, kernels, pdf

    _cache_option(args)
    notebook = args.notebook or jobs.DEFAULT_NOTEBOOK
    # Every parameter is checked before the report runs: a refusal is immediate, and the
    # kernel started before the arguments were read (cpts_analysis.cli.main) is shut down.
    inputs = jobs.report_inputs(notebook, args.territory, template_values(args))
    if not _pdf_ready(args, pdf.check_installed):
        return EXIT_REPORT_FAILED
    # The kernel boots and imports the report modules while this process loads its own; the
    # browser launches meanwhile, and while the kernel runs the cells: it waits for the page.
    kernels.prestart(idle_cores=True)
    if args.pdf:
        pdf.start()
    try:
        return _report(args, notebook, inputs)
    finally:
        kernels.shutdown_all()
        pdf.close()


def _report(args: argparse.Namespace, notebook: str, inputs: NotebookInputs) -> int:
    from cpts_analysis.runner.entry_points import run_checked

    result = run_checked(notebook, inputs, args.out, pdf=args.pdf, reuse_kernel=True)
    if not result.ok:
        _print_failure(result)
        return EXIT_REPORT_FAILED
    print(result.outputs["html"])
    if args.pdf:
        print(result.outputs["pdf"])
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from cpts_analysis.runner import forkserver, pdf

    _cache_option(args)
    if args.scheduler and args.workers is not None:
        raise CptsError(
            "--workers ne s'applique qu'au cluster local : avec --scheduler "
            f"(ou ${SCHEDULER_ENV}), le cluster existant fixe ses travailleurs"
        )
    if not args.scheduler:
        # The embedded workers' fork server imports while this process loads the rest.
        forkserver.start()
    if not _pdf_ready(args, pdf.check_available):  # make_batch finds it launched, closes it
        return EXIT_REPORT_FAILED
    from cpts_analysis.runner.entry_points import make_batch

    batch = make_batch(
        args.by,
        out=args.out,
        workers=args.workers,
        timeout=args.timeout,
        only_failed=args.only_failed,
        notebook=args.notebook,
        pdf=args.pdf,
        scheduler=args.scheduler,
        **template_values(args),
    )
    interrupted = sum(result.status == "interrupted" for result in batch.results)
    print(
        f"{len(batch.results)} rapport(s) exécuté(s), dont {len(batch.failed)} en échec"
        + (f" (dont {interrupted} interrompu(s))" if interrupted else "")
        + f" ; {len(batch.skipped)} non relancé(s)"
    )
    print(f"Index : {batch.index}")
    print(f"Manifeste : {batch.manifest}")
    for result in batch.failed:
        _print_failure(result)
    return EXIT_REPORT_FAILED if batch.any_failed else 0


def _cache_option(args: argparse.Namespace) -> None:
    """``--no-cache`` for this process and every kernel or local worker it starts, which
    inherit its environment (an existing cluster's workers keep their own)."""
    if args.no_cache:
        os.environ[NO_CACHE_ENV] = "1"


def _pdf_ready(args: argparse.Namespace, check: Callable[[], None]) -> bool:
    """With ``--pdf``, check the browser first: its absence fails at once, not per report."""
    from cpts_analysis.runner.errors import PdfUnavailable

    if not args.pdf:
        return True
    try:
        check()
    except PdfUnavailable as exc:
        sys.stderr.write(f"cpts-analysis: erreur : {exc}\n")
        return False
    return True


def _print_failure(result: ReportResult) -> None:
    name = result.label or result.slug
    what = "interruption" if result.status == "interrupted" else REPORT_STATUSES["failed"]
    sys.stderr.write(
        f"cpts-analysis: {what} du rapport {name} ({result.notebook.stem}/{result.slug}) : "
        f"{result.error}\n"
    )
    if "failure_notebook" in result.outputs:
        sys.stderr.write(f"  notebook exécuté : {result.outputs['failure_notebook']}\n")
    if result.published:
        sys.stderr.write(f"  le rapport publié auparavant reste en place : {result.folder}\n")
