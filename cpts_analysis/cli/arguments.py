"""Argument types, the parser class and output helpers shared by every command."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from cpts_analysis.core.errors import Problem
from cpts_analysis.core.french_input import (
    parse_code,
    parse_count,
    parse_date,
    parse_rate,
    parse_signing_date,
)
from cpts_analysis.core.vocabulary import DATE_FORM, date_help

EXIT_DATA = 1
EXIT_USAGE = 2


class _FrenchHelp(argparse.HelpFormatter):
    def _split_lines(self, text: str, width: int) -> list[str]:
        # Never cut « AAAA-MM-JJ » or « en-têtes » at their hyphen.
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def add_usage(self, usage, actions, groups, prefix=None):
        # Subcommands pass prefix="" to compute their name: only the default is translated.
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse in French (help, usage, section titles) that reports a usage error as one
    line and exit code 2."""

    def __init__(self, *, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _FrenchHelp)
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: erreur : {in_french(message)}\n")
        raise SystemExit(EXIT_USAGE)


# argparse's own usage errors (Python 3.11+), as French users should read them.
ARGPARSE_MESSAGES = [
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.*)", r"arguments non reconnus : \1"),
    (r"one of the arguments (.*) is required", r"un des arguments \1 est obligatoire"),
    (r"not allowed with argument (.*)", r"incompatible avec l'argument \1"),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"choix invalide : \1 (choix possibles : \2)"),
    (r"invalid (\S+) value: (.*)", r"valeur invalide : \2"),
    (r"expected one argument", "une valeur attendue"),
    (r"expected at most one argument", "au plus une valeur attendue"),
    (r"expected at least one argument", "au moins une valeur attendue"),
    (r"expected (\d+) arguments?", r"\1 valeurs attendues"),
    (r"ambiguous option: (\S+) could match (.*)", r"option ambiguë : \1 peut désigner \2"),
    (r"ignored explicit argument (.*)", r"valeur en trop ignorée : \1"),
]


def in_french(message: str) -> str:
    """An argparse message in French: its own phrases translated, ours kept as they are."""
    prefix, sep, rest = message.partition(": ")
    if sep and prefix.startswith("argument "):  # « argument --date: <why> »
        return f"{prefix} : {in_french(rest)}"
    for pattern, french in ARGPARSE_MESSAGES:
        if match := re.fullmatch(pattern, message, flags=re.DOTALL):
            return match.expand(french)
    return message


def _french(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a parser of :mod:`cpts_analysis.core.french_input`."""

    def argument(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    argument.__name__ = parse.__name__
    return argument


iso_date = _french(parse_date)
"""A date option: JJ/MM/AAAA or AAAA-MM-JJ (the name stays for the callers)."""
signing_date = _french(parse_signing_date)
rate = _french(parse_rate)
population = _french(parse_count)


def add_date_option(
    parser: argparse.ArgumentParser,
    what: str,
    example: str,
    flag: str = "--date",
    parse: Callable[[str], dt.date] = iso_date,
    required: bool = False,
) -> None:
    """A date option shown as French users write it (``--date JJ/MM/AAAA``), the ISO form
    read too; today when not given (nothing for a ``required`` one)."""
    parser.add_argument(
        flag,
        type=parse,
        default=None,
        required=required,
        metavar=DATE_FORM,
        help=date_help(what, example, None if required else "aujourd'hui"),
    )


MISSION_START = f"MISSION={DATE_FORM}"


def mission_start(text: str) -> tuple[str, dt.date]:
    """``parcours=2021-09-01``; the mission by its id or its name (``Accès aux soins=…``)."""
    mission, sep, day = text.partition("=")
    if not sep or not mission:
        raise argparse.ArgumentTypeError(f"« {text} » : format attendu {MISSION_START}")
    return mission_code(mission.strip()), iso_date(day.strip())


def mission_code(text: str) -> str:
    """A mission by its id or its French name, whatever the case and accents; an unknown one
    is kept as typed so that the command lists the known ones."""
    from cpts_analysis.aci.missions import catalogue

    names = {m.id: m.short_label for m in catalogue().values()}
    return parse_code(text, names) or text


CSV_VARIANTS = ("excel", "tidy")
CSV_HELP = (
    "variante de --format csv : excel (défaut) pour Excel en français : « ; », virgule "
    "décimale, UTF-8 avec BOM, en-têtes et libellés français, dates JJ/MM/AAAA ; tidy pour les "
    "programmes : « , », point décimal, colonnes et codes snake_case, dates AAAA-MM-JJ, sans BOM"
)


def add_csv_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", choices=CSV_VARIANTS, default="excel", help=CSV_HELP)


def emit(
    table: pd.DataFrame,
    payload: dict[str, Any],
    fmt: str,
    text: Callable[[], str],
    csv: str = "excel",
) -> None:
    if fmt == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        print_csv(table, csv)
    else:
        print(text())


def print_csv(table: pd.DataFrame, variant: str) -> None:
    """``table`` as CSV on standard output, for French Excel (``excel``) or for programs
    (``tidy``); text that a spreadsheet would run as a formula starts with ``'`` in both."""
    from cpts_analysis.analysis.readable import readable_frame
    from cpts_analysis.core.cells import neutralised_frame

    if variant == "tidy":
        sys.stdout.write(neutralised_frame(table).to_csv(index=False, lineterminator="\n"))
        return
    frame, _ = readable_frame(table)
    text = neutralised_frame(frame).to_csv(
        index=False, sep=";", decimal=",", date_format="%d/%m/%Y", lineterminator="\r\n"
    )
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8-sig"))
    sys.stdout.buffer.flush()


def print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        sys.stderr.write(f"{problem}\n")


def positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"« {text} » : un nombre positif est attendu")
        return value

    return parse
