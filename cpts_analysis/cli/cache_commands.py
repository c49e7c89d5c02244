"""``cache`` subcommand: where the on-disk cache is, how big, and emptying it."""

from __future__ import annotations

import argparse

from cpts_analysis.core import cache
from cpts_analysis.core.formatting import format_number


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "cache",
        help="dossier du cache des rapports (registre validé, contours) ; --clear le vide",
    )
    command.add_argument(
        "--clear", action="store_true", help="vider le cache (il se remplit au prochain rapport)"
    )
    command.set_defaults(handler=cmd_cache)


def cmd_cache(args: argparse.Namespace) -> int:
    folder = cache.cache_dir()
    if args.clear:
        removed = cache.clear()
        print(f"Cache vidé : {folder} ({format_number(removed)} entrée(s) supprimée(s))")
        return 0
    entries, size = cache.usage()
    print(f"Cache : {folder}")
    print(f"{format_number(entries)} entrée(s), {format_number(size / 1e6, 1)} Mo")
    return 0
