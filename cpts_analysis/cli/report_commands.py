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
from cpts_analysis.core.errors import CptsError
from cpts_analysis.core.paths import REPORTS_DIR

if TYPE_CHECKING:
    from cpts_analysis.report.execute import ReportResult

DEFAULT_TIMEOUT_S = 600.0
SCHEDULER_ENV = "CPTS_DASK_SCHEDULER"
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
        default=None,
        help="processus de calcul du cluster local (défaut : nombre de cœurs)",
    )
    batch.add_argument(
        "--scheduler",
        default=os.environ.get(SCHEDULER_ENV) or None,
        metavar="ADRESSE",
        help=f"cluster Dask existant, ex. tcp://serveur:8786 (défaut : ${SCHEDULER_ENV}, "
        "sinon un cluster local)",
    )
    batch.add_argument("--only-failed", action="store_true", help="relancer les échecs seuls")
    batch.add_argument(
        "--timeout",
        type=positive(float),
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help="durée maximale d'un rapport, en secondes",
    )
    batch.set_defaults(handler=cmd_batch, exit_on_error=EXIT_REPORT_FAILED)


def cmd_report(args: argparse.Namespace) -> int:
    from cpts_analysis.report import kernels

    # The kernel boots and imports the report modules while this process loads its own.
    kernels.prestart()
    try:
        return _report(args)
    finally:
        kernels.shutdown_all()


def _report(args: argparse.Namespace) -> int:
    from cpts_analysis.report import jobs
    from cpts_analysis.report.execute import run_report
    from cpts_analysis.territory.registry import load_registry

    if args.registry is not None and args.registry.exists():
        load_registry(args.registry)  # every registry problem at once, before the report runs
    job = jobs.report_job(
        args.notebook or jobs.DEFAULT_NOTEBOOK,
        args.territory,
        args.registry or jobs.DEFAULT_REGISTRY,
        args.date.isoformat() if args.date else None,
    )
    result = run_report(
        job.notebook,
        job.parameters,
        args.out,
        DEFAULT_TIMEOUT_S,
        slug=job.slug,
        label=job.label,
        reuse_kernel=True,
    )
    if not result.ok:
        _print_failure(result)
        return EXIT_REPORT_FAILED
    print(result.outputs["html"])
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from cpts_analysis.report import jobs
    from cpts_analysis.report.batch import run_batch

    if args.scheduler and args.workers is not None:
        raise CptsError(
            "--workers ne s'applique qu'au cluster local : avec --scheduler "
            f"(ou ${SCHEDULER_ENV}), le cluster existant fixe ses travailleurs"
        )
    batch = run_batch(
        jobs.batch_jobs(
            args.by,
            args.registry or jobs.DEFAULT_REGISTRY,
            args.date.isoformat() if args.date else None,
        ),
        args.out,
        workers=args.workers or os.cpu_count() or 1,
        timeout=args.timeout,
        only_failed=args.only_failed,
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


def _print_failure(result: ReportResult) -> None:
    name = result.label or result.slug
    sys.stderr.write(
        f"cpts-analysis: échec du rapport {name} ({result.notebook.stem}/{result.slug}) : "
        f"{result.error}\n"
    )
    if "failed_notebook" in result.outputs:
        sys.stderr.write(f"  notebook exécuté : {result.outputs['failed_notebook']}\n")
