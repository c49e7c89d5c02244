"""Pages generated at build time (mkdocs-gen-files): sources, command line, API reference.

Generated from the code itself, so the site cannot drift from the parameter files, the CLI
parser or the public API.
"""

from __future__ import annotations

import argparse

import mkdocs_gen_files

import cpts_analysis
from cpts_analysis.aci.sources import parameter_sources
from cpts_analysis.cli.program import build_parser
from cpts_analysis.core.formatting import format_date, format_number
from cpts_analysis.core.vocabulary import status_label
from cpts_analysis.report.inputs import TEMPLATES


def _cell(value: object) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):  # the reports' French format: 60 000, 0,75
        decimals = 0 if float(value).is_integer() else len(repr(float(value)).split(".")[1])
        return format_number(value, decimals)
    return " ".join(str(value).split()).replace("|", "\\|")


def sources_page() -> str:
    table = parameter_sources()
    lines = [
        "# Sources des montants",
        "",
        "Cette page est **générée** à partir des fichiers de `cpts_analysis/aci/parameters/` :",
        "chaque valeur utilisée par le moteur, avec sa date d'effet, son statut et sa source.",
        "Pourquoi un statut est ce qu'il est : voir [Preuves et statuts](preuves.md).",
        "",
    ]
    for file, rows in table.groupby("fichier", sort=False):
        lines += [
            f"## `{file}`",
            "",
            "| Quantité | Date d'effet | Valeur | Statut | Source | Note |",
            "|---|---|---|---|---|---|",
        ]
        for row in rows.itertuples():
            date = format_date(row.date_effet) if isinstance(row.date_effet, str) else ""
            lines.append(
                f"| `{row.quantite}` | {date} | {_cell(row.valeur)} | "
                f"{status_label(row.statut)} | {_cell(row.source)} | {_cell(row.note)} |"
            )
        lines.append("")
    return "\n".join(lines)


def cli_page() -> str:
    parser = build_parser()
    lines = [
        "# Ligne de commande",
        "",
        "Page **générée** à partir de l'analyseur de la commande `cpts-analysis` (aussi",
        "`python -m cpts_analysis`). Les codes de sortie sont donnés à la fin de l'aide générale",
        "ci-dessous. Les clés JSON (`--format json`) sont un contrat stable.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    for name, command in subparsers.choices.items():
        lines += [f"## `{name}`", "", "```text", command.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def parameters_page() -> str:
    lines = [
        "# Paramètres des modèles de rapport",
        "",
        "Page **générée** à partir des modèles de `cpts_analysis.report.inputs` : chaque",
        "paramètre de chaque modèle de rapport (`notebooks/<modèle>.ipynb`), sa valeur par",
        "défaut (celle de la cellule « parameters » du modèle) et l'option de `report` et",
        "`batch` qui le fixe. Le sujet du rapport est fixé par `--territory` (ou par `batch",
        "--by`) ; `output_dir` est fixé par le lanceur de rapports.",
        "",
    ]
    for name, model in TEMPLATES.items():
        options = {parameter: flag for flag, parameter in model.options().items()}
        options[model.SUBJECT] = "--territory"
        lines += [
            f"## `{name}`",
            "",
            " ".join((model.__doc__ or "").split()),
            "",
            "| Paramètre | Défaut | Option | Description |",
            "|---|---|---|---|",
        ]
        for parameter, field in model.model_fields.items():
            option = f"`{options[parameter]}`" if parameter in options else ""
            lines.append(
                f"| `{parameter}` | `{field.default!r}` | {option} | {_cell(field.description)} |"
            )
        lines.append("")
    return "\n".join(lines)


def api_page() -> str:
    lines = [
        "# API Python",
        "",
        "Page **générée** à partir de `cpts_analysis.__all__` : les points d'entrée disponibles",
        "après `import cpts_analysis as cpts`, chargés à la première utilisation. Les exemples",
        "des docstrings sont exécutés par la suite de tests.",
        "",
        "::: cpts_analysis",
        "    options:",
        "      members: false",
        "      show_root_heading: false",
        "",
    ]
    for name in cpts_analysis.__all__:
        lines += [f"::: {cpts_analysis._EXPORTS[name]}.{name}", ""]
    return "\n".join(lines)


for path, build in {
    "sources.md": sources_page,
    "cli.md": cli_page,
    "parametres.md": parameters_page,
    "api.md": api_page,
}.items():
    with mkdocs_gen_files.open(path, "w") as page:
        page.write(build())
