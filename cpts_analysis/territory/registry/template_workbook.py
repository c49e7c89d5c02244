"""The registry as a workbook people can fill: instructions, drop-down lists, code columns kept
as text, an example row per sheet of a blank template.

Excel turns ``01`` into ``1`` and ``01024`` into ``1024`` in a column in the General format, so
code columns are stored as text (number format ``@``). Every cell is written as text or a
number, never as a formula: a name beginning with ``=`` gets Excel's quote prefix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cpts_analysis.aci.missions import catalogue
from cpts_analysis.core.cells import formula_like
from cpts_analysis.core.vocabulary import CPTS_STATES, SHEETS, YES_NO
from cpts_analysis.territory.indicators import AGGREGATIONS
from cpts_analysis.territory.registry.tables import (
    DIRECTIONS,
    FONCTIONNEMENT,
    INDICATOR_KINDS,
    TABLES,
)

CODE_COLUMNS = ("cpts_id", "code_commune", "departement")
VALIDATED_ROWS = 2000  # rows of each sheet that carry the drop-down lists and checks
FIRST_DATE, LAST_DATE = dt.date(2019, 1, 1), dt.date(2099, 12, 31)
EXAMPLE = "EXEMPLE-01"
EXAMPLES: dict[str, list[object]] = {
    "cpts": [EXAMPLE, "CPTS d'exemple (ligne à remplacer)", "01", "2023-02-27", "signe"],
    "communes": [EXAMPLE, "01024", ""],
    "missions": [EXAMPLE, "acces_soins", "2023-07-28"],
    "resultats": [EXAMPLE, 1, "acces_soins", 0.75],
    "montants": [EXAMPLE, 1, FONCTIONNEMENT, FONCTIONNEMENT, 66000],
    "indicateurs_contrat": [EXAMPLE, 2, "acces_soins", "annuaire", "Annuaire partagé en ligne",
                            "action", "", "", "", 15000, "", "", "", ""],
    "resultats_indicateurs": [EXAMPLE, 2, "annuaire", YES_NO[True]],
    "indicateurs": ["01024", "exemple", 12],
    "catalogue_indicateurs": ["exemple", "Indicateur d'exemple", "", "somme"],
}  # fmt: skip
"""One example row per sheet of a blank template, consistent with one another: it passes
``validate``, and is replaced by the user's rows."""
INSTRUCTIONS = [
    "Registre des CPTS pour cpts-analysis : une feuille par table, une ligne d'en-tête, une "
    "ligne par enregistrement. La ligne 2 de chaque feuille est un exemple : remplacez-la.",
    "Ne renommez ni les feuilles ni les colonnes ; les feuilles facultatives peuvent rester "
    "vides (en-tête seul).",
    "Codes (cpts_id, code_commune, departement) : saisis en texte, ils gardent leur zéro "
    "initial (01, 01024).",
    "Dates : JJ/MM/AAAA ou AAAA-MM-JJ. Montants en euros et taux de 0 à 1 : la virgule "
    "décimale est acceptée.",
    "Listes déroulantes : statut, mission, type et sens d'un indicateur, agrégation.",
    "Vérifier le registre : cpts-analysis validate REGISTRE.xlsx (chaque problème cite la "
    "feuille, la ligne et la colonne telles qu'Excel les montre).",
]
SHEET_NOTES = {
    "cpts": "une ligne par CPTS : identifiant, nom, département, date de signature de l'ACI, "
    "statut (pre-projet, projet, signe)",
    "communes": "les communes de chaque CPTS (code Insee) ; part : fraction de la population "
    "de la commune, vide pour la commune entière",
    "missions": "date de démarrage de chaque mission d'une CPTS",
    "resultats": "taux d'atteinte (0 à 1) d'une mission pour une année de contrat (facultatif)",
    "montants": "montants d'un contrat ACI local, s'ils diffèrent des montants nationaux "
    "(facultatif)",
    "indicateurs_contrat": "indicateurs du contrat, jusqu'à trois paliers avec leur montant "
    "(facultatif)",
    "resultats_indicateurs": "valeurs observées des indicateurs du contrat ; oui ou non pour "
    "une action (facultatif)",
    "indicateurs": "valeurs d'indicateurs par commune (facultatif)",
    "catalogue_indicateurs": "libellé, unité et agrégation de ces indicateurs (facultatif)",
}


def write_registry_workbook(path: Path, frames: dict[str, pd.DataFrame], blank: bool) -> None:
    """The registry ``frames`` as a workbook at ``path``: an « Instructions » sheet, then one
    sheet per table with validation; ``blank`` adds the example rows."""
    book = openpyxl.Workbook()
    instructions = book.active
    instructions.title = SHEETS["instructions"]
    _instructions(instructions, frames)
    lists = _lists()
    for name, frame in frames.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        rows = [EXAMPLES[name]] if blank and name in EXAMPLES else []
        rows += [list(row) for row in frame.itertuples(index=False)]
        for row in rows:
            sheet.append(row)
        _format(sheet, list(frame.columns), lists)
    book.save(path)


def _instructions(sheet: Worksheet, frames: dict[str, pd.DataFrame]) -> None:
    for line in INSTRUCTIONS:
        sheet.append([line])
    sheet.append([])
    for name in frames:
        sheet.append([f"{name} : {SHEET_NOTES.get(name, '')}"])
    sheet.column_dimensions["A"].width = 110
    sheet["A1"].font = Font(bold=True)


def _lists() -> dict[str, list[str]]:
    missions = list(catalogue())
    return {
        "statut": list(CPTS_STATES),
        "mission": [FONCTIONNEMENT, *missions],
        "type": list(INDICATOR_KINDS),
        "sens": list(DIRECTIONS),
        "agregation": list(AGGREGATIONS),
    }


def _format(sheet: Worksheet, columns: list[str], lists: dict[str, list[str]]) -> None:
    """Header style, frozen header, widths, text codes, drop-down lists and checks."""
    kinds = TABLES[sheet.title].columns
    last = sheet.max_row
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        header = sheet.cell(1, number)
        header.font = Font(bold=True)
        header.fill = PatternFill("solid", fgColor="E8EEF4")
        sheet.column_dimensions[letter].width = max(len(column) + 4, 14)
        cells = f"{letter}2:{letter}{VALIDATED_ROWS}"
        if column in CODE_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, last + 1):
                sheet.cell(row, number).number_format = "@"
        validation = _validation(column, kinds.get(column, "text"), lists)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(cells)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
    sheet.freeze_panes = "A2"


def _validation(column: str, kind: str, lists: dict[str, list[str]]) -> DataValidation | None:
    if column in lists:
        return _checked(
            DataValidation(type="list", formula1=f'"{",".join(lists[column])}"', allow_blank=True),
            f"une valeur de la liste : {', '.join(lists[column])}",
        )
    if kind == "date":
        first, last = (f"DATE({d.year},{d.month},{d.day})" for d in (FIRST_DATE, LAST_DATE))
        return _checked(
            DataValidation(type="date", operator="between", formula1=first, formula2=last),
            f"une date entre le {FIRST_DATE:%d/%m/%Y} et le {LAST_DATE:%d/%m/%Y}",
        )
    if kind == "int":
        return _checked(
            DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1"),
            "un nombre entier positif (1 = première année du contrat)",
        )
    if kind == "part" or column == "taux_atteinte":
        return _checked(
            DataValidation(type="decimal", operator="between", formula1="0", formula2="1"),
            "un nombre de 0 à 1 (0,75 pour 75 %)",
        )
    if column == "montant" or column.startswith("montant_"):
        return _checked(
            DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0"),
            "un montant positif en euros",
        )
    return None


def _checked(validation: DataValidation, expected: str) -> DataValidation:
    validation.allow_blank = True
    validation.error = f"Valeur attendue : {expected}."
    validation.errorTitle = "Valeur refusée"
    validation.prompt = expected
    validation.showErrorMessage = True
    validation.showInputMessage = True
    return validation
