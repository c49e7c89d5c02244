"""``cpts-analysis`` command line. Command names, options and JSON keys are a public contract.

Exit codes (:data:`EXIT_CODES`): 0 success; 1 invalid input data (a registry) or a failed run;
2 bad arguments; 130 interrupted (Ctrl-C). Errors are printed as plain lines on stderr, never
as a traceback; a closed output pipe (``cpts-analysis … | head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from importlib.metadata import version

from cpts_analysis.cli import (
    aci_commands,
    budget_commands,
    cache_commands,
    import_commands,
    reform_commands,
    registry_commands,
    report_commands,
    review_commands,
)
from cpts_analysis.cli.arguments import EXIT_DATA, EXIT_USAGE, Parser
from cpts_analysis.core.errors import CptsError, InputError
from cpts_analysis.runner.errors import RunFailure

# 128 + the signal, as a shell reports a command stopped by Ctrl-C or by a closed pipe.
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_CLOSED_PIPE = 128 + signal.SIGPIPE
DESCRIPTION = (
    "Financement des CPTS (ACI CPTS 2019 et avenant 2), territoires et rapports de "
    "comparaison. « cpts-analysis COMMANDE --help » détaille chaque commande."
)
EXIT_CODES = (
    "codes de sortie : 0 succès ; 1 données invalides (registre…) ou exécution en échec "
    "(rapport, cluster, disque plein, dossier occupé) ; 2 ligne de commande invalide ; "
    "130 interruption (Ctrl-C) ; 141 sortie fermée avant la fin (cpts-analysis … | head)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cpts-analysis", description=DESCRIPTION, epilog=EXIT_CODES)
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {version('cpts-analysis')}",
        help="afficher la version et quitter",
    )
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        parser_class=Parser,
        title="commandes",
        metavar="COMMANDE",
        help="une des commandes suivantes",
    )
    commands_by_family = (
        aci_commands,
        registry_commands,
        import_commands,
        budget_commands,
        review_commands,
        report_commands,
        reform_commands,
        cache_commands,
    )
    for module in commands_by_family:
        module.register(commands)
    for choice in commands._choices_actions:  # each command's --help starts with its summary
        command = commands.choices[choice.dest]
        command.description = command.description or choice.help
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except KeyboardInterrupt as exc:
        sys.stderr.write(f"cpts-analysis: {exc or 'interrompu (Ctrl-C)'}\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more can be shown; flushing at exit would
        # fail again, so standard output now goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLOSED_PIPE


def _run(args: argparse.Namespace) -> int:
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _interrupt_once) if main_thread else None
    try:
        return int(args.handler(args))
    except CptsError as exc:
        for line in str(exc).splitlines():
            sys.stderr.write(f"cpts-analysis: erreur : {line}\n")
        # Bad data (a registry) may have its command's code; a failed run gets 1; bad
        # arguments 2.
        if isinstance(exc, InputError):
            return int(getattr(args, "exit_on_error", EXIT_USAGE))
        return EXIT_DATA if isinstance(exc, RunFailure) else EXIT_USAGE
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _interrupt_once(signum: int, frame: object) -> None:
    """First Ctrl-C: interrupt; later ones are ignored while the command records and stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt
