"""Command-line options of the report commands, derived from the templates' parameter models.

Nothing is declared here: each option, its help and its metavar come from the parameter it
sets in :data:`~cpts_analysis.report.inputs.TEMPLATES`, so a parameter added to a template's
model is an option of ``report`` and ``batch`` at once.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

from pydantic.fields import FieldInfo

from cpts_analysis.report.inputs import TEMPLATES, option_key


def add_template_options(parser: argparse.ArgumentParser) -> None:
    """One option per template parameter that has one, saying which templates take it."""
    fields: dict[str, FieldInfo] = {}
    users: defaultdict[str, list[str]] = defaultdict(list)
    for name, model in TEMPLATES.items():
        for flag, parameter in model.options().items():
            fields.setdefault(flag, model.model_fields[parameter])
            users[flag].append(name)
    for flag, field in fields.items():
        help_text = field.description or ""
        if len(users[flag]) < len(TEMPLATES):
            help_text += f" ; modèle{'s' if len(users[flag]) > 1 else ''} "
            help_text += ", ".join(users[flag])
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if field.annotation is bool:
            parser.add_argument(flag, action="store_const", const=True, help=help_text)
        else:
            kind = int if field.annotation is int else str
            metavar = str(extra.get("metavar"))
            parser.add_argument(flag, type=kind, default=None, metavar=metavar, help=help_text)


def template_values(args: argparse.Namespace) -> dict[str, Any]:
    """The template options of parsed ``args``, by name (None: not given): keyword arguments
    of :func:`~cpts_analysis.runner.entry_points.make_report` and ``make_batch``."""
    flags = {flag for model in TEMPLATES.values() for flag in model.options()}
    return {option_key(flag): getattr(args, option_key(flag)) for flag in flags}


def subject_help() -> str:
    """What ``--territory`` names, template by template."""
    by_help: defaultdict[str, list[str]] = defaultdict(list)
    for name, model in TEMPLATES.items():
        by_help[model.model_fields[model.SUBJECT].description or ""].append(name)
    return " ; ".join(f"{', '.join(names)} : {text}" for text, names in by_help.items())
