"""Reading a flat CPTS list (one row per CPTS × commune) and finding its columns by header."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from cpts_analysis.core.errors import CptsError, InputError, Problem
from cpts_analysis.territory.importing.names import header_key
from cpts_analysis.territory.registry.reading import cell_text, read_csv_grid, uncached_formulas

# Accepted headers, compared after ``header_key`` (case, accents, spaces and ``_`` ignored);
# for the commune, a code column is preferred to a name column when both are present.
HEADERS = {
    "cpts": ("cpts", "nomcpts", "cptsnom", "nomdelacpts"),
    "commune": ("codecommune", "codeinsee", "insee", "commune", "nomcommune", "libellecommune"),
    "departement": ("departement", "dep", "codedepartement"),
    "part": ("part",),
    "statut": (
        "statut",
        "statutcpts",
        "statutaci",
        "etat",
        "etatdavancement",
        "avancement",
        "stade",
        "etape",
        "phase",
    ),
    "date_signature": (
        "datesignature",
        "datedesignature",
        "datesignatureaci",
        "datedesignatureaci",
        "datedesignaturedelaci",
        "datedesignatureducontrat",
        "datedesignatureducontrataci",
        "datesignaturecontrat",
        "datesignaturecontrataci",
        "signatureaci",
        "datecontractualisation",
        "datedecontractualisation",
        "dateaci",
    ),
    "missions": ("missions", "missionsengagees", "missionsdemarrees", "missionsaci"),
}
# A column per mission: its header names the mission (« Accès aux soins », « Mission parcours »,
# « Date démarrage prévention »); searched in this order, first keyword found wins.
MISSION_KEYWORDS = (
    ("accesauxsoins", "acces_soins"),
    ("accessoins", "acces_soins"),
    ("parcours", "parcours"),
    ("prevention", "prevention"),
    ("crise", "crise_sanitaire"),
    ("qualite", "qualite"),
    ("pertinence", "qualite"),
    ("accompagnement", "accompagnement"),
)
HEADER_SEARCH_ROWS = 10  # title lines above the header are common in published sheets


@dataclass(frozen=True)
class FlatTable:
    """The rows of a flat list: ``ligne`` (as the spreadsheet shows it), one text column per
    role of ``HEADERS`` (empty when the source has none), and ``mission:<id>`` for each
    column that names a mission."""

    label: str
    rows: pd.DataFrame
    columns: dict[str, str]  # role (or ``mission:<id>``) → header as written in the source
    warnings: tuple[Problem, ...]
    sheet: str | None = None  # the sheet read, for a workbook


def read_grid(path: Path, sheet: str | None) -> tuple[pd.DataFrame, str, list[Problem], str | None]:
    """Every cell as text (row 0 = first line), the label used in messages, warnings, and the
    sheet read (None for a CSV)."""
    if not path.is_file():
        raise CptsError(f"{path} : fichier introuvable")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise InputError.single(path.name, f"classeur .xlsx illisible ({error})") from None
        try:
            if sheet is not None and sheet not in book.sheetnames:
                found = ", ".join(book.sheetnames)
                raise CptsError(f"{path.name} : feuille « {sheet} » absente (feuilles : {found})")
            name = sheet or book.sheetnames[0]
            rows = list(book[name].iter_rows(values_only=True))
            label = f"{path.name}, feuille {name}"
            warnings = uncached_formulas(formulas[name], rows, label)
        finally:
            book.close()
            formulas.close()
        if not rows:
            raise InputError.single(label, "feuille vide")
        return pd.DataFrame(rows, dtype=object).map(cell_text), label, warnings, name
    if sheet is not None:
        raise CptsError(f"--sheet ne s'applique qu'à un classeur .xlsx, pas à {path.name}")
    if suffix not in (".csv", ".txt"):
        raise CptsError(f"{path.name} : format non pris en charge (.csv ou .xlsx attendu)")
    grid, warnings = read_csv_grid(path, path.name)
    if isinstance(grid, Problem):
        raise InputError([grid])
    return grid.fillna(""), path.name, warnings, None


def find_columns(
    header: list[str], overrides: dict[str, str | None]
) -> tuple[dict[str, int], list[str]]:
    """Role → column position; roles given on the command line must exist (else listed)."""
    keys = [header_key(h) for h in header]
    found: dict[str, int] = {}
    missing = []
    for role, accepted in HEADERS.items():
        wanted = overrides.get(role)
        if wanted is not None:
            if header_key(wanted) in keys:
                found[role] = keys.index(header_key(wanted))
            else:
                missing.append(wanted)
            continue
        for name in accepted:
            if name in keys:
                found[role] = keys.index(name)
                break
    taken = set(found.values())
    for position, key in enumerate(keys):
        mission = mission_of_header(key)
        if position not in taken and mission and f"mission:{mission}" not in found:
            found[f"mission:{mission}"] = position
    return found, missing


def mission_of_header(key: str) -> str | None:
    """The mission a column header names (``Accès aux soins`` → ``acces_soins``), if any."""
    return next((mission for word, mission in MISSION_KEYWORDS if word in key), None)


def read_flat_table(
    path: str | Path,
    sheet: str | None = None,
    cpts_column: str | None = None,
    commune_column: str | None = None,
    departement_column: str | None = None,
    statut_column: str | None = None,
    date_column: str | None = None,
) -> FlatTable:
    """The flat list at ``path`` (CSV in UTF-8 or Windows-1252, ``,`` or ``;``; or .xlsx).

    The header is the first of the first ten lines that names a CPTS and a commune column.
    ``CptsError`` (a bad argument) when a column or sheet given on the command line is absent;
    ``InputError`` when the file itself cannot be used.
    """
    grid, label, warnings, sheet_read = read_grid(Path(path), sheet)
    overrides = {
        "cpts": cpts_column,
        "commune": commune_column,
        "departement": departement_column,
        "statut": statut_column,
        "date_signature": date_column,
    }
    for line in range(min(HEADER_SEARCH_ROWS, len(grid))):
        header = [str(v).strip() for v in grid.iloc[line]]
        found, missing = find_columns(header, overrides)
        if "cpts" in found and "commune" in found:
            break
    else:
        first = [str(v).strip() for v in grid.iloc[0]]
        found, missing = find_columns(first, overrides)
        line = 0
    if missing:
        raise CptsError(
            f"{label} : colonne(s) {', '.join(missing)} absente(s) de l'en-tête "
            f"({', '.join(h for h in first_header(grid, line) if h)})"
        )
    absent = [role for role in ("cpts", "commune") if role not in found]
    if absent:
        expected = "; ".join(f"{role} : {', '.join(HEADERS[role])}" for role in absent)
        raise InputError.single(
            label,
            f"colonne introuvable dans les {HEADER_SEARCH_ROWS} premières lignes ({expected}) ; "
            "indiquez-la avec --cpts-column / --commune-column",
            row=1,
        )
    body = grid.iloc[line + 1 :]
    roles = list(HEADERS) + [role for role in found if role.startswith("mission:")]
    rows = pd.DataFrame(
        {
            role: body.iloc[:, found[role]].astype(str).str.strip()
            if role in found
            else pd.Series("", index=body.index)
            for role in roles
        }
    )
    rows.insert(0, "ligne", body.index.to_numpy() + 1)
    rows = rows[(rows[["cpts", "commune"]] != "").any(axis=1)].reset_index(drop=True)
    if rows.empty:
        raise InputError.single(label, "aucune ligne de données sous l'en-tête", row=line + 1)
    header = first_header(grid, line)
    columns = {role: header[position] for role, position in found.items()}
    return FlatTable(label, rows, columns, tuple(warnings), sheet_read)


def first_header(grid: pd.DataFrame, line: int) -> list[str]:
    return [str(v).strip() for v in grid.iloc[line]]
