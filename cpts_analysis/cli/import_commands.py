"""``import``: turn a flat CPTS list (CPTS × commune rows) into a registry in one command.

Exit codes: 0 every row resolved (registry written); 1 a row is unresolved (nothing written
unless ``--keep-unresolved``) or the source is unusable; 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cpts_analysis.cli.arguments import EXIT_DATA, print_problems

if TYPE_CHECKING:
    from cpts_analysis.territory.importing import ImportResult

DESCRIPTION = (
    "Lit une liste à plat (une ligne par CPTS et commune : CSV UTF-8 ou Windows-1252, "
    "séparateur , ou ; ; ou classeur .xlsx) et écrit un registre au format de `template` "
    "(dossier de CSV, ou .xlsx si OUT finit par .xlsx). Les communes sont données par code "
    "Insee, code d'avant une fusion ou nom (noms actuels, anciens noms, communes déléguées, "
    "nom sans article) ; rien n'est deviné : les lignes non résolues sont listées avec au plus "
    "3 candidats. Les colonnes de statut (« ACI signé », « Projet de santé validé »…), de date "
    "de signature (JJ/MM/AAAA ou date Excel) et de missions sont reprises ; ce qui ne peut "
    "l'être est listé. Le registre garde sa provenance (fichier, feuille, date, choix, noms "
    "reconnus, hypothèses) dans sa table provenance."
)
# Options recorded in the registry's provenance, as the user typed them.
RECORDED_OPTIONS = (
    "sheet",
    "cpts_column",
    "commune_column",
    "departement_column",
    "statut_column",
    "date_column",
    "equal_parts",
    "keep_unresolved",
)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import", help="créer un registre à partir d'une liste à plat", description=DESCRIPTION
    )
    parser.add_argument("source", help="liste à plat : .csv ou .xlsx")
    parser.add_argument("out", help="registre à créer : dossier, ou fichier .xlsx")
    parser.add_argument("--sheet", help="feuille du classeur (par défaut la première)")
    parser.add_argument("--cpts-column", help="en-tête de la colonne des CPTS")
    parser.add_argument("--commune-column", help="en-tête de la colonne des communes")
    parser.add_argument("--departement-column", help="en-tête de la colonne des départements")
    parser.add_argument("--statut-column", help="en-tête de la colonne du statut des CPTS")
    parser.add_argument("--date-column", help="en-tête de la colonne de la date de signature ACI")
    parser.add_argument(
        "--equal-parts",
        action="store_true",
        help="partager à parts égales une commune citée par plusieurs CPTS sans part",
    )
    parser.add_argument(
        "--keep-unresolved",
        action="store_true",
        help="écrire le registre sans les lignes non résolues (listées) au lieu de ne rien écrire",
    )
    parser.add_argument(
        "--format", choices=["table", "json"], default="table", help="format du compte rendu"
    )
    parser.set_defaults(handler=cmd_import, exit_on_error=EXIT_DATA)


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cpts_analysis.core.errors import CptsError, InputError
    from cpts_analysis.territory.importing import import_flat_table
    from cpts_analysis.territory.registry import write_registry
    from cpts_analysis.territory.registry.template import check_target

    target = Path(args.out)
    try:
        check_target(target)  # fail before the minute of work, not after
    except InputError as error:
        raise CptsError(str(error)) from None  # an occupied OUT is a bad argument: exit 2
    result = import_flat_table(
        args.source,
        sheet=args.sheet,
        cpts_column=args.cpts_column,
        commune_column=args.commune_column,
        departement_column=args.departement_column,
        equal_parts=args.equal_parts,
        statut_column=args.statut_column,
        date_column=args.date_column,
        choices=choices(args),
    )
    print_problems(result.warnings)
    write = not result.unresolved or args.keep_unresolved
    if write and result.cpts:
        write_registry(target, result.tables)
    if args.format == "json":
        print(json.dumps(result.payload(), ensure_ascii=False, indent=2))
    else:
        print(summary(result, args, written=write and bool(result.cpts)))
    return EXIT_DATA if result.unresolved else 0


def choices(args: argparse.Namespace) -> list[str]:
    """The options given, as typed (``--equal-parts``, ``--sheet CPTS 2026``)."""
    given = []
    for name in RECORDED_OPTIONS:
        value = getattr(args, name)
        option = "--" + name.replace("_", "-")
        if value is True:
            given.append(option)
        elif value not in (None, False):
            given.append(f"{option} {value}")
    return given


def summary(result: ImportResult, args: argparse.Namespace, written: bool) -> str:
    from cpts_analysis.core.vocabulary import CPTS_STATES

    lines = [
        f"{args.source} : {result.rows} ligne(s), {result.cpts} CPTS, "
        f"{result.communes} commune(s) distincte(s)",
        f"  résolues par code : {result.by_code} ; par code historique : "
        f"{len(result.historical)} ; par nom : {result.by_name} ; doublons fusionnés : "
        f"{result.duplicates} ; non résolues : {len(result.unresolved)}",
        "  statuts écrits : "
        + ", ".join(f"{CPTS_STATES[k]} {v}" for k, v in sorted(result.statuses().items())),
    ]
    if result.historical:
        lines.append("Codes historiques (remplacés par la commune actuelle) :")
        lines += [
            f"  ligne {h['row']} : {label}"
            for h, label in zip(result.historical, result.historical_labels, strict=True)
        ]
    if result.history_names:
        lines.append("Noms reconnus par l'historique des communes ou sans leur article :")
        lines += [
            f"  ligne {h['row']} : « {h['value']} » ({h['via']}) → {h['commune']}"
            for h in result.history_names
        ]
    if result.shared:
        lines.append("Communes citées par plusieurs CPTS :")
        lines += [f"  {s['code']} : {', '.join(s['cpts'])}" for s in result.shared]
        if not args.equal_parts:
            lines.append(
                "  → indiquez la part de chaque CPTS dans la colonne part du registre "
                "(ou relancez avec --equal-parts), puis lancez `validate`"
            )
    if result.unmapped:
        lines.append("Valeurs d'état non reprises :")
        lines += [
            f"  ligne {u['row']}, colonne {u['column']} : « {u['value']} » : {u['reason']}"
            for u in result.unmapped
        ]
    if result.unresolved:
        lines.append("Lignes non résolues :")
        for u, reason in zip(result.unresolved, result.reasons, strict=True):
            candidates = " ; ".join(u["candidates"]) or "aucun"
            lines.append(
                f"  ligne {u['row']} : « {u['value']} » ({reason}) — candidats : {candidates}"
            )
    if written:
        lines.append(f"Registre écrit : {args.out}")
    else:
        lines.append(
            "Rien n'est écrit : corrigez les lignes non résolues, ou relancez avec "
            "--keep-unresolved pour écrire le registre sans elles"
        )
    return "\n".join(lines)
