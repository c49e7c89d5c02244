"""What a reader sees of a report, and the codes that must never be part of it (issue 20)."""

from __future__ import annotations

import csv
import html as html_module
import io
import re
from collections.abc import Iterable
from pathlib import Path

# Codes that must never reach what people read (issue 20): territory codes with their level,
# registry states, rule set ids, mission ids, statuses and booleans of the machine formats.
CODE_FORMS = re.compile(
    r"\b(?:region|departement):\d|\bsigne\b|\bpre-projet\b|avenant_2|aci_2019|acces_soins|"
    r"crise_sanitaire|\b(?:un)?confirmed\b|\bTrue\b|\bFalse\b|\bNaN\b|\bnan\b|\bNone\b"
)


def visible_text(html: str) -> str:
    """What a reader sees of a page: no markup, style, script or image data."""
    text = re.sub(r"<(style|script)\b.*?</\1>|<img[^>]*>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", text))


def known_codes() -> set[str]:
    """Every code the package labels for readers: the keys of the vocabulary's code maps, mission,
    component, rule set and shipped indicator ids, minus those written like a label."""
    from cpts_analysis.aci.missions import catalogue, group_label
    from cpts_analysis.aci.rules import component_labels
    from cpts_analysis.analysis.readable import rule_set_labels
    from cpts_analysis.core import vocabulary
    from cpts_analysis.territory.indicators import SHIPPED_CATALOGUE

    maps = [
        *vocabulary.CODE_LABELS.values(),
        vocabulary.GROUPS,
        vocabulary.FORMER_NAMES,
        vocabulary.LEVELS,
        {mission: group_label(mission) for mission in catalogue()},
        component_labels(),
        rule_set_labels(),
        dict(zip(SHIPPED_CATALOGUE["indicateur"], SHIPPED_CATALOGUE["libelle"], strict=True)),
    ]
    pairs = [(code, label) for names in maps for code, label in names.items()]
    labels = {label for _, label in pairs}
    return {code for code, _ in pairs if isinstance(code, str) and code not in labels}


def codes_in(cells: Iterable[tuple[str, object]]) -> set[tuple[str, str]]:
    """(where, cell) of every cell, among ``(where, value)`` pairs, that is a known code."""
    codes = known_codes()
    return {(where, value) for where, value in cells if isinstance(value, str) and value in codes}


def workbook_cells(path: Path) -> list[tuple[str, object]]:
    """Every cell of a workbook, with its sheet's name."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return [
        (sheet.title, value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
    ]


def french_csv_cells(text: str) -> list[tuple[str, object]]:
    """Every cell of a CSV for French Excel (``;``-separated)."""
    return [("csv", value) for row in csv.reader(io.StringIO(text), delimiter=";") for value in row]
