"""``cpts-analysis`` command line. Command names, options and JSON keys are a public contract.

Exit codes: 0 success; 1 invalid input data (a registry) or a failed report; 2 bad arguments.
Errors are printed as plain lines on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
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
from cpts_analysis.cli.arguments import EXIT_USAGE, Parser
from cpts_analysis.core.errors import CptsError, InputError

DESCRIPTION = (
    "Financement des CPTS (ACI CPTS 2019 et avenant 2), territoires et rapports de "
    "comparaison. « cpts-analysis COMMANDE --help » détaille chaque commande."
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cpts-analysis", description=DESCRIPTION)
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
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except CptsError as exc:
        for line in str(exc).splitlines():
            sys.stderr.write(f"cpts-analysis: erreur : {line}\n")
        # Bad data (a registry, a target folder) may have its own code; bad arguments get 2.
        return (
            getattr(args, "exit_on_error", EXIT_USAGE)
            if isinstance(exc, InputError)
            else EXIT_USAGE
        )
