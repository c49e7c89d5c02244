"""The CPTS registry: which CPTS exist, their communes, missions, results and local amounts.

No official CPTS list is available offline (``data/README.md``), so the registry is the user's
own input and is read strictly: every cell as text first, then parsed and checked, and every
problem of every file is reported at once with its file (or sheet), row, column and a French
message, so that one round trip is enough to fix a spreadsheet.

A registry is a folder of CSV files (UTF-8, with or without BOM, ``,`` or ``;`` separated, as
Excel writes them in France) or one ``.xlsx`` workbook whose sheets have the same names. Rows
are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.
Blank rows (Excel's trailing ``;;;;`` lines) are skipped; their numbers are kept for the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from cpts_analysis.communes import load_communes, load_departements
from cpts_analysis.errors import InputError, Problem
from cpts_analysis.formatting import format_date
from cpts_analysis.missions import catalogue
from cpts_analysis.rules import all_amounts, rule_set_ids_at, rule_sets

__all__ = [
    "MAX_PER_RULE",
    "STATUTS",
    "TABLES",
    "Registry",
    "TableSpec",
    "load_registry",
    "validate_registry",
    "write_template",
]

STATUTS = ("pre-projet", "projet", "signe")
FONCTIONNEMENT = "fonctionnement"
MAX_PER_RULE = 50  # problems listed per rule and file; the rest is counted in one last line
LINE = "ligne"  # internal column: the row number the user sees (unknown columns are dropped first)


@dataclass(frozen=True)
class TableSpec:
    """One file or sheet: its columns (name → parsed kind) and which values may be empty."""

    name: str
    columns: dict[str, str]
    required: bool = True
    optional_values: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # a row is given at most once per key


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "cpts",
            {
                "cpts_id": "text",
                "nom": "text",
                "departement": "text",
                "date_signature": "date",
                "statut": "text",
            },
            optional_values=("date_signature",),
        ),
        TableSpec("communes", {"cpts_id": "text", "code_commune": "text"}),
        TableSpec("missions", {"cpts_id": "text", "mission": "text", "date_demarrage": "date"}),
        TableSpec(
            "resultats",
            {
                "cpts_id": "text",
                "annee_contrat": "int",
                "mission": "text",
                "taux_atteinte": "float",
            },
            required=False,
            key=("cpts_id", "annee_contrat", "mission"),
        ),
        TableSpec(
            "montants",
            {
                "cpts_id": "text",
                "annee_contrat": "int",
                "mission": "text",
                "composante": "text",
                "montant": "float",
            },
            required=False,
            key=("cpts_id", "annee_contrat", "mission", "composante"),
        ),
    )
}
_ORDER = {name: index for index, name in enumerate(TABLES)}


@dataclass(frozen=True, eq=False)
class Registry:
    """A registry that passed validation, with parsed columns.

    Dates are ``datetime64`` (``NaT`` for a CPTS not yet signed), ``annee_contrat`` is
    ``int64``, ``taux_atteinte`` and ``montant`` are ``float64``; absent optional tables are
    empty frames with the same columns. ``warnings`` are the non-blocking problems found.
    """

    source: Path
    cpts: pd.DataFrame
    communes: pd.DataFrame
    missions: pd.DataFrame
    resultats: pd.DataFrame
    montants: pd.DataFrame
    warnings: tuple[Problem, ...] = ()


def validate_registry(path: str | Path, allow_overlap: bool = False) -> list[Problem]:
    """Every problem of the registry at ``path`` (errors and warnings, see ``severity``)."""
    return _validate(Path(path), allow_overlap)[0]


def load_registry(path: str | Path, allow_overlap: bool = False) -> Registry:
    """The parsed registry; ``InputError`` listing every problem if any of them is an error.

    ``allow_overlap`` turns "commune in two CPTS" into a warning (territories being redrawn).
    A registry whose files are unchanged (same paths, sizes and modification times) is
    validated once per process — a batch worker's warm kernel reuses it — and every call gets
    its own copies of the tables.
    """
    source = Path(path)
    cached = _load_validated(source.resolve(), allow_overlap, _stamps(source))
    tables = {name: getattr(cached, name).copy() for name in TABLES}
    return Registry(source=source, warnings=cached.warnings, **tables)


def _stamps(source: Path) -> tuple[tuple[str, int, int], ...]:
    if not source.exists():
        return ()
    files = sorted(source.iterdir()) if source.is_dir() else [source]
    stats = [(f.name, f.stat()) for f in files if f.is_file()]
    return tuple((name, stat.st_size, stat.st_mtime_ns) for name, stat in stats)


@functools.lru_cache(maxsize=4)
def _load_validated(
    source: Path, allow_overlap: bool, _stamps: tuple[tuple[str, int, int], ...]
) -> Registry:
    problems, frames = _validate(source, allow_overlap)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    tables = {name: _typed(spec, frames.get(name)) for name, spec in TABLES.items()}
    return Registry(source=source, warnings=tuple(problems), **tables)


def write_template(path: str | Path) -> Path:
    """Write an empty registry (headers only): a CSV folder, or a workbook if ``path`` is .xlsx.

    Built beside the target then renamed into place, so an interrupted run leaves nothing
    half-written; an existing non-empty target is never overwritten.
    """
    target = Path(path)
    occupied = target.is_file() and target.stat().st_size > 0
    if occupied or (target.is_dir() and any(target.iterdir())):
        raise InputError.single(str(target), "existe déjà et n'est pas vide : rien n'est écrasé")
    if not target.parent.is_dir():
        raise InputError.single(str(target.parent), "dossier absent : créez-le d'abord")
    workbook = target.suffix.lower() == ".xlsx"
    prefix = f".{target.name}."
    if workbook:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=".tmp")
        os.close(handle)
        tmp = Path(name)
    else:
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=prefix, suffix=".tmp"))
    tmp.chmod(0o644 if workbook else 0o755)  # mkstemp/mkdtemp make them private
    try:
        if workbook:
            book = openpyxl.Workbook()
            book.remove(book.active)
            for spec in TABLES.values():
                book.create_sheet(spec.name).append(list(spec.columns))
            book.save(tmp)
        else:
            for spec in TABLES.values():
                (tmp / f"{spec.name}.csv").write_text(",".join(spec.columns) + "\n", "utf-8")
        os.replace(tmp, target)
    except OSError as error:
        raise InputError.single(str(target), f"écriture impossible ({error})") from None
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp)
        else:
            tmp.unlink(missing_ok=True)
    return target


# --- Reading: every cell as text -------------------------------------------------------------

_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv_grid(file: Path, label: str) -> pd.DataFrame | Problem:
    """All cells as text, header included as row 0; the separator is guessed from the header."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
        return pd.read_csv(
            file,
            sep=";" if header.count(";") > header.count(",") else ",",
            header=None,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skip_blank_lines=False,
        )
    except UnicodeDecodeError:
        return Problem(
            label, "fichier non encodé en UTF-8 (dans Excel : enregistrer en « CSV UTF-8 »)"
        )
    except pd.errors.EmptyDataError:
        return Problem(label, "fichier vide : la ligne d'en-tête manque", row=1)
    except pd.errors.ParserError as error:
        ragged = _RAGGED.search(str(error))
        if ragged is None:
            return Problem(label, f"fichier CSV illisible ({error})")
        expected, line, seen = ragged.groups()
        return Problem(label, f"{seen} valeurs pour {expected} colonnes", row=int(line))
    except OSError as error:
        return Problem(label, f"fichier illisible ({error.strerror})")


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold (dates as AAAA-MM-JJ)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(path: Path) -> tuple[dict[str, pd.DataFrame | Problem], list[Problem]]:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as error:
        return {}, [Problem(path.name, f"classeur .xlsx illisible ({error})")]
    grids: dict[str, pd.DataFrame | Problem] = {}
    problems = []
    try:
        for spec in TABLES.values():
            label = _label(path, spec.name, workbook=True)
            if spec.name not in book.sheetnames:
                if spec.required:
                    found = ", ".join(book.sheetnames)
                    problems.append(
                        Problem(label, f"feuille absente (feuilles du classeur : {found})")
                    )
                continue
            rows = list(book[spec.name].iter_rows(values_only=True))
            grids[spec.name] = (
                pd.DataFrame(rows, dtype=object).map(_cell_text)
                if rows
                else Problem(label, "feuille vide : la ligne d'en-tête manque", row=1)
            )
    finally:
        book.close()
    return grids, problems


def _read_folder(path: Path) -> tuple[dict[str, pd.DataFrame | Problem], list[Problem]]:
    grids: dict[str, pd.DataFrame | Problem] = {}
    problems = []
    for spec in TABLES.values():
        file = path / f"{spec.name}.csv"
        label = _label(path, spec.name, workbook=False)
        if file.is_file():
            grids[spec.name] = _read_csv_grid(file, label)
        elif spec.required:
            found = ", ".join(sorted(p.name for p in path.glob("*.csv"))) or "aucun"
            problems.append(Problem(label, f"fichier absent (fichiers CSV du dossier : {found})"))
    return grids, problems


def _label(path: Path, table: str, workbook: bool) -> str:
    return f"{path.name}, feuille {table}" if workbook else f"{table}.csv"


def _frame(grid: pd.DataFrame, spec: TableSpec, label: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Known columns of a text grid plus ``LINE``; unknown columns are warned about and dropped."""
    header = [v.strip() if isinstance(v, str) else "" for v in grid.iloc[0]]
    body = grid.iloc[1:].fillna("").astype(str)
    body = body.apply(lambda column: column.str.strip())
    body = body[(body != "").any(axis=1)]
    problems = []
    kept: dict[str, pd.Series] = {}
    for position, name in enumerate(header):
        values = body.iloc[:, position]
        if name in kept:
            problems.append(Problem(label, "colonne présente deux fois", row=1, field=name))
        elif name in spec.columns:
            kept[name] = values
        elif name or (values != "").any():
            problems.append(
                Problem(
                    label,
                    f"colonne inconnue, ignorée (colonnes attendues : {', '.join(spec.columns)})",
                    row=1,
                    field=name or f"sans nom (n° {position + 1})",
                    severity="warning",
                )
            )
    problems += [
        Problem(label, "colonne obligatoire absente", row=1, field=name)
        for name in spec.columns
        if name not in kept
    ]
    frame = pd.DataFrame(kept, index=body.index)
    frame[LINE] = body.index.to_numpy() + 1
    return frame.reset_index(drop=True), problems


# --- Parsing ---------------------------------------------------------------------------------


def _parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Dates from ``AAAA-MM-JJ`` or ``JJ/MM/AAAA``, with the masks malformed and impossible."""
    iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    french = text.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}")
    dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    dates[iso] = pd.to_datetime(text[iso], format="%Y-%m-%d", errors="coerce")
    dates[french] = pd.to_datetime(text[french], format="%d/%m/%Y", errors="coerce")
    return dates, (text != "") & ~iso & ~french, (iso | french) & dates.isna()


def _parse_numbers(text: pd.Series) -> pd.Series:
    """Decimal comma and spaces (``12 500,50``) accepted; anything else non-finite is NaN."""
    cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return values.where(np.isfinite(values))


def _leading_zero_hint(code: str) -> str:
    """Excel turns 01001 into 1001 when a code column is typed as a number."""
    return f" ; zéro initial perdu ? « 0{code} »" if re.fullmatch(r"\d{4}", code) else ""


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(values)`` that keeps the dtype of ``values`` even when ``keys`` is empty."""
    return pd.Series(values.reindex(keys.to_numpy()).to_numpy(), index=keys.index)


def _typed(spec: TableSpec, frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None:
        frame = pd.DataFrame({name: pd.Series(dtype=str) for name in spec.columns})
    out = frame[list(spec.columns)].copy()
    for name, kind in spec.columns.items():
        if kind == "date":
            out[name] = _parse_dates(out[name])[0]
        elif kind == "int":
            out[name] = out[name].astype("int64")
        elif kind == "float":
            out[name] = _parse_numbers(out[name])
    return out


# --- Validation ------------------------------------------------------------------------------


def _validate(path: Path, allow_overlap: bool) -> tuple[list[Problem], dict[str, pd.DataFrame]]:
    if path.is_dir():
        grids, problems = _read_folder(path)
    elif path.is_file() and path.suffix.lower() == ".xlsx":
        grids, problems = _read_workbook(path)
    else:
        what = "introuvable" if not path.exists() else "ni dossier de CSV ni classeur .xlsx"
        return [Problem(str(path), f"registre {what}")], {}
    workbook = not path.is_dir()
    frames = {}
    for name, grid in grids.items():
        label = _label(path, name, workbook)
        if isinstance(grid, Problem):
            problems.append(grid)
        else:
            frames[name], found = _frame(grid, TABLES[name], label)
            problems += found
    checks = _Checks(frames, {n: _label(path, n, workbook) for n in TABLES}, allow_overlap)
    checks.run()
    order = {_label(path, n, workbook): i for n, i in _ORDER.items()}
    keyed = [(order.get(p.file, -1), -1 if p.row is None else p.row, p) for p in problems]
    keyed += checks.found
    keyed.sort(key=lambda item: item[:2])
    return [p for *_, p in keyed], frames


class _Checks:
    """The validation rules, vectorised; each finding goes through :meth:`report`."""

    def __init__(self, frames: dict[str, pd.DataFrame], labels: dict[str, str], overlap: bool):
        self.frames = frames
        self.labels = labels
        self.overlap_severity = "warning" if overlap else "error"
        self.found: list[tuple[int, float, Problem]] = []
        self.missions = catalogue()
        sets = rule_sets()
        self.first_rules = sets[0]
        self.durations = {r.id: r.payment.contract_years for r in sets}
        self.default_duration = sets[-1].payment.contract_years
        starts = {r.id: pd.Timestamp(r.start) for r in sets}
        labels_by_set = {r.id: r.label for r in sets}
        self.mission_since = pd.Series({m.id: starts[m.since] for m in self.missions.values()})
        self.mission_since_label = {m.id: labels_by_set[m.since] for m in self.missions.values()}
        amounts = all_amounts()[["group", "component"]].drop_duplicates()
        amounts = amounts[amounts["group"].isin([FONCTIONNEMENT, *self.missions])]
        self.components = pd.MultiIndex.from_frame(amounts)
        self.components_of = amounts.groupby("group", sort=False)["component"].agg(", ".join)

    def has(self, table: str, *columns: str) -> bool:
        frame = self.frames.get(table)
        return frame is not None and all(c in frame.columns for c in columns)

    def report(
        self,
        table: str,
        rows: pd.DataFrame,
        column: str | None,
        rule: str,
        detail: Callable[[Any], str] | None = None,
        severity: str = "error",
    ) -> None:
        """One problem per row (the first ``MAX_PER_RULE`` in file order), then the exact rest."""
        if rows.empty:
            return
        label, order = self.labels[table], _ORDER[table]
        rows = rows.sort_values(LINE, kind="stable")
        for row in rows.head(MAX_PER_RULE).itertuples(index=False):
            message = f"{rule} : {detail(row)}" if detail else rule
            problem = Problem(label, message, row=int(row.ligne), field=column, severity=severity)
            self.found.append((order, int(row.ligne), problem))
        rest = len(rows) - MAX_PER_RULE
        if rest > 0:
            plural = "s" if rest > 1 else ""
            message = f"… et {rest} autre{plural} ligne{plural} : {rule}"
            problem = Problem(label, message, field=column, severity=severity)
            self.found.append((order, math.inf, problem))

    def run(self) -> None:
        self.check_empty_values()
        self.check_cpts()
        self.check_references()
        self.check_communes()
        self.check_missions()
        for table in ("resultats", "montants"):
            self.check_contract_years(table)
            self.check_duplicate_keys(table)
        self.check_resultats()
        self.check_montants()

    # Every table ----------------------------------------------------------------------------

    def check_empty_values(self) -> None:
        for name, spec in TABLES.items():
            for column in spec.columns:
                if column not in spec.optional_values and self.has(name, column):
                    frame = self.frames[name]
                    self.report(name, frame[frame[column] == ""], column, "valeur obligatoire vide")

    def check_references(self) -> None:
        if not self.has("cpts", "cpts_id"):
            return
        known = self.frames["cpts"]["cpts_id"]
        for name in ("communes", "missions", "resultats", "montants"):
            if self.has(name, "cpts_id"):
                frame = self.frames[name]
                unknown = frame[(frame["cpts_id"] != "") & ~frame["cpts_id"].isin(known)]
                self.report(
                    name,
                    unknown,
                    "cpts_id",
                    "CPTS inconnue",
                    lambda r: f"« {r.cpts_id} » n'est pas dans {self.labels['cpts']}",
                )

    def check_contract_years(self, table: str) -> None:
        if not self.has(table, "cpts_id", "annee_contrat"):
            return
        frame = self.frames[table]
        text = frame["annee_contrat"]
        integer = text.str.fullmatch(r"\d+")
        duration = _lookup(frame["cpts_id"], self.contract_durations())
        duration = duration.fillna(self.default_duration).astype("float64")
        self.report(
            table,
            frame.assign(duree=duration)[(text != "") & ~integer],
            "annee_contrat",
            "année de contrat non entière",
            lambda r: f"« {r.annee_contrat} » (entier de 1 à {r.duree:.0f} attendu)",
        )
        years = pd.to_numeric(text.where(integer), errors="coerce").astype("float64")
        out = frame.assign(duree=duration)[integer & ((years < 1) | (years > duration))]
        self.report(
            table,
            out,
            "annee_contrat",
            "année de contrat hors du contrat",
            lambda r: f"{r.annee_contrat} (le contrat dure {r.duree:.0f} ans)",
        )

    def check_duplicate_keys(self, table: str) -> None:
        key = list(TABLES[table].key)
        if not self.has(table, *key):
            return
        frame = self.frames[table]
        filled = (frame[key] != "").all(axis=1)
        first = frame.groupby(key)[LINE].transform("min")
        twice = frame.assign(premiere=first)[filled & frame.duplicated(key)]
        self.report(
            table,
            twice,
            key[-1],
            "ligne en double",
            lambda r: f"même {', '.join(key)} que la ligne {r.premiere}",
        )

    # cpts -----------------------------------------------------------------------------------

    @functools.cached_property
    def departements(self) -> set[str]:
        return set(load_departements()["code"])

    @functools.cached_property
    def first_cpts(self) -> pd.DataFrame:
        """One row per CPTS id (its first row), with the parsed signature date."""
        cpts = self.frames["cpts"]
        first = cpts[cpts["cpts_id"] != ""].drop_duplicates("cpts_id")
        if "date_signature" in first.columns:
            first = first.assign(signature=_parse_dates(first["date_signature"])[0])
        return first.set_index("cpts_id")

    def contract_durations(self) -> pd.Series:
        """Contract length of each signed CPTS, from the rule set in force at its signature."""
        if not self.has("cpts", "cpts_id", "date_signature"):
            return pd.Series(dtype=float)
        signatures = self.first_cpts["signature"].dropna()
        return rule_set_ids_at(signatures).map(self.durations).dropna()

    def check_cpts(self) -> None:
        if "cpts" not in self.frames:
            return
        cpts = self.frames["cpts"]
        if cpts.empty:
            self.found.append(
                (0, -1, Problem(self.labels["cpts"], "aucune CPTS : le registre est vide"))
            )
        if self.has("cpts", "cpts_id"):
            first = cpts.groupby("cpts_id")[LINE].transform("min")
            twice = (cpts["cpts_id"] != "") & cpts.duplicated("cpts_id")
            self.report(
                "cpts",
                cpts.assign(premiere=first)[twice],
                "cpts_id",
                "cpts_id en double",
                lambda r: f"« {r.cpts_id} » est déjà défini ligne {r.premiere}",
            )
        if self.has("cpts", "departement"):
            dep = cpts["departement"]
            self.report(
                "cpts",
                cpts[(dep != "") & ~dep.isin(self.departements)],
                "departement",
                "département inconnu",
                lambda r: f"« {r.departement} » (code attendu sur 2 ou 3 caractères : 01, 2A, 974)",
            )
        if self.has("cpts", "statut"):
            statut = cpts["statut"]
            self.report(
                "cpts",
                cpts[(statut != "") & ~statut.isin(STATUTS)],
                "statut",
                "statut inconnu",
                lambda r: f"« {r.statut} » (valeurs admises : {', '.join(STATUTS)})",
            )
        if self.has("cpts", "date_signature"):
            dates = self.check_dates("cpts", "date_signature")
            start = pd.Timestamp(self.first_rules.start)
            self.report(
                "cpts",
                cpts[dates < start],
                "date_signature",
                "signature antérieure au premier ACI",
                lambda r: (
                    f"{r.date_signature}, avant l'entrée en vigueur de "
                    f"« {self.first_rules.label} » le {format_date(start)}"
                ),
            )
        if self.has("cpts", "statut", "date_signature"):
            signed, given = cpts["statut"] == "signe", cpts["date_signature"] != ""
            self.report(
                "cpts",
                cpts[signed & ~given],
                "date_signature",
                "date de signature manquante",
                lambda r: "le statut « signe » exige la date de signature du contrat ACI",
            )
            self.report(
                "cpts",
                cpts[cpts["statut"].isin(["projet", "pre-projet"]) & given],
                "date_signature",
                "date de signature pour une CPTS non signée",
                lambda r: f"statut « {r.statut} » : mettez le statut « signe » ou videz la date",
            )

    def check_dates(self, table: str, column: str) -> pd.Series:
        """Report malformed and impossible dates; return the parsed ones (NaT otherwise)."""
        frame = self.frames[table]
        dates, malformed, impossible = _parse_dates(frame[column])
        self.report(
            table,
            frame[malformed],
            column,
            "date mal formée",
            lambda r: f"« {getattr(r, column)} » (formats admis : AAAA-MM-JJ ou JJ/MM/AAAA)",
        )
        self.report(
            table,
            frame[impossible],
            column,
            "date impossible",
            lambda r: f"« {getattr(r, column)} » n'existe pas dans le calendrier",
        )
        return dates

    # communes -------------------------------------------------------------------------------

    def check_communes(self) -> None:
        if not self.has("communes", "cpts_id", "code_commune"):
            return
        frame = self.frames["communes"]
        code = frame["code_commune"]
        reference = load_communes().set_index("code")
        known = code.isin(reference.index)
        self.report(
            "communes",
            frame[(code != "") & ~known],
            "code_commune",
            "code commune inconnu",
            lambda r: (
                f"« {r.code_commune} » n'est pas un code Insee de commune ou "
                "d'arrondissement municipal (COG 2025)" + _leading_zero_hint(r.code_commune)
            ),
        )
        attributes = reference[["nom", "dep", "commune_parent"]]
        members = frame[known & (frame["cpts_id"] != "")].join(
            attributes.rename(columns={"commune_parent": "parent"}), on="code_commune"
        )
        self.check_overlaps(members)
        self.check_arrondissements(members, reference["nom"])
        if self.has("cpts", "cpts_id"):
            cpts = self.first_cpts
            empty = cpts[~cpts.index.isin(frame["cpts_id"])].reset_index()
            self.report(
                "cpts",
                empty,
                "cpts_id",
                "CPTS sans commune",
                lambda r: f"« {r.cpts_id} » n'a aucune ligne dans {self.labels['communes']}",
            )
            if "departement" in cpts.columns:
                self.check_department_match(cpts, members)

    def check_overlaps(self, members: pd.DataFrame) -> None:
        keys = ["cpts_id", "code_commune"]
        first_line = members.groupby(keys)[LINE].transform("min")
        twice = members.duplicated(keys)
        self.report(
            "communes",
            members.assign(premiere=first_line)[twice],
            "code_commune",
            "commune en double dans la CPTS",
            lambda r: f"{r.code_commune} ({r.nom}) déjà donnée ligne {r.premiere}",
        )
        distinct = members[~twice]
        first = distinct.drop_duplicates("code_commune").set_index("code_commune")
        shared = distinct[distinct.duplicated("code_commune")]
        shared = shared.assign(
            autre=shared["code_commune"].map(first["cpts_id"]),
            autre_ligne=shared["code_commune"].map(first[LINE]),
        )
        self.report(
            "communes",
            shared,
            "code_commune",
            "commune dans deux CPTS",
            lambda r: (
                f"{r.code_commune} ({r.nom}) est déjà dans la CPTS « {r.autre} » "
                f"(ligne {r.autre_ligne})"
            ),
            severity=self.overlap_severity,
        )

    def check_arrondissements(self, members: pd.DataFrame, names: pd.Series) -> None:
        """A city and one of its arrondissements would count the same inhabitants twice."""
        cities = members.drop_duplicates("code_commune").set_index("code_commune")
        clash = members[members["parent"].isin(cities.index)]
        clash = clash.assign(
            ville=clash["parent"].map(names),
            ville_ligne=clash["parent"].map(cities[LINE]),
            ville_cpts=clash["parent"].map(cities["cpts_id"]),
        )
        self.report(
            "communes",
            clash,
            "code_commune",
            "ville et arrondissement à la fois",
            lambda r: (
                f"{r.code_commune} ({r.nom}) est un arrondissement de {r.parent} "
                f"({r.ville}), présente ligne {r.ville_ligne} (CPTS « {r.ville_cpts} ») : sa "
                "population serait comptée deux fois ; gardez la ville ou ses arrondissements"
            ),
        )

    def check_department_match(self, cpts: pd.DataFrame, members: pd.DataFrame) -> None:
        counts = members.groupby(["cpts_id", "dep"]).size().rename("nombre")
        top = counts[counts == counts.groupby(level="cpts_id").transform("max")]
        majority = top.reset_index().drop_duplicates("cpts_id").set_index("cpts_id")
        declared = cpts[
            cpts.index.isin(majority.index) & cpts["departement"].isin(self.departements)
        ]
        pairs = pd.MultiIndex.from_arrays([declared.index, declared["departement"]])
        mismatch = declared[~pairs.isin(top.index)].assign(
            majoritaire=lambda d: d.index.map(majority["dep"]),
            nombre=lambda d: d.index.map(majority["nombre"]),
            total=lambda d: d.index.map(counts.groupby(level="cpts_id").sum()),
        )
        self.report(
            "cpts",
            mismatch.reset_index(),
            "departement",
            "département différent de celui des communes",
            lambda r: (
                f"{r.departement} déclaré, mais {r.nombre} commune(s) sur {r.total} "
                f"sont dans le {r.majoritaire}"
            ),
            severity="warning",
        )

    # missions, resultats, montants ----------------------------------------------------------

    def known_mission(self, table: str, extra: tuple[str, ...] = ()) -> pd.Series:
        """Report unknown mission ids; return the mask of known ones."""
        frame = self.frames[table]
        valid = [*extra, *self.missions]
        known = frame["mission"].isin(valid)
        self.report(
            table,
            frame[(frame["mission"] != "") & ~known],
            "mission",
            "mission inconnue",
            lambda r: f"« {r.mission} » (missions : {', '.join(valid)})",
        )
        return known

    def running(self, table: str) -> pd.Series:
        """Rows whose (cpts_id, mission) is declared in the missions table."""
        frame = self.frames[table]
        declared = self.frames["missions"][["cpts_id", "mission"]]
        pairs = pd.MultiIndex.from_frame(frame[["cpts_id", "mission"]])
        return pd.Series(pairs.isin(pd.MultiIndex.from_frame(declared)), index=frame.index)

    def known_cpts(self, table: str) -> pd.Series:
        frame = self.frames[table]
        if not self.has("cpts", "cpts_id"):
            return pd.Series(False, index=frame.index)
        return frame["cpts_id"].isin(self.frames["cpts"]["cpts_id"])

    def check_missions(self) -> None:
        if not self.has("missions", "cpts_id", "mission", "date_demarrage"):
            return
        frame = self.frames["missions"]
        known = self.known_mission("missions")
        keys = ["cpts_id", "mission"]
        first = frame.groupby(keys)[LINE].transform("min")
        self.report(
            "missions",
            frame.assign(premiere=first)[known & frame.duplicated(keys)],
            "mission",
            "mission en double pour la CPTS",
            lambda r: f"{r.mission} déjà donnée ligne {r.premiere}",
        )
        starts = self.check_dates("missions", "date_demarrage")
        since = _lookup(frame["mission"], self.mission_since)
        too_early = frame.assign(
            debut=starts, depuis=since, regles=frame["mission"].map(self.mission_since_label)
        )[known & (starts < since)]
        self.report(
            "missions",
            too_early,
            "date_demarrage",
            "mission pas encore créée à cette date",
            lambda r: (
                f"{r.mission} démarre le {format_date(r.debut)} mais n'existe qu'à partir du "
                f"{format_date(r.depuis)} (« {r.regles} »)"
            ),
        )
        if not self.has("cpts", "cpts_id", "date_signature"):
            return
        cpts = self.first_cpts
        signature = _lookup(frame["cpts_id"], cpts["signature"])
        before = frame.assign(debut=starts, signature=signature)[starts < signature]
        self.report(
            "missions",
            before,
            "date_demarrage",
            "mission démarrée avant la signature",
            lambda r: (
                f"démarrage le {format_date(r.debut)}, signature le {format_date(r.signature)}"
            ),
        )
        unsigned = cpts.index[cpts["date_signature"] == ""]
        self.report(
            "missions",
            frame[frame["cpts_id"].isin(unsigned)],
            "cpts_id",
            "mission d'une CPTS sans signature",
            lambda r: (
                f"« {r.cpts_id} » n'a pas de date de signature : la mission {r.mission} "
                "ne sera pas financée avant la signature"
            ),
            severity="warning",
        )

    def check_resultats(self) -> None:
        if not self.has("resultats", "cpts_id", "mission", "taux_atteinte"):
            return
        frame = self.frames["resultats"]
        known = self.known_mission("resultats")
        self.report_undeclared("resultats", known, "résultat d'une mission non déclarée")
        text = frame["taux_atteinte"]
        rate = _parse_numbers(text)
        self.report(
            "resultats",
            frame[(text != "") & rate.isna()],
            "taux_atteinte",
            "taux d'atteinte non numérique",
            lambda r: f"« {r.taux_atteinte} » (nombre de 0 à 1 attendu, virgule admise : 0,85)",
        )
        self.report(
            "resultats",
            frame[(rate < 0) | (rate > 1)],
            "taux_atteinte",
            "taux d'atteinte hors de 0–1",
            lambda r: f"« {r.taux_atteinte} » (un taux de 85 % s'écrit 0,85)",
        )

    def report_undeclared(self, table: str, rows: pd.Series, rule: str) -> None:
        """Rows of ``table`` about a mission their CPTS does not run (per the missions table)."""
        if not self.has("missions", "cpts_id", "mission"):
            return
        idle = rows & self.known_cpts(table) & ~self.running(table)
        self.report(
            table,
            self.frames[table][idle],
            "mission",
            rule,
            lambda r: (
                f"« {r.cpts_id} » n'a pas la mission {r.mission} dans {self.labels['missions']}"
            ),
        )

    def check_montants(self) -> None:
        if not self.has("montants", "cpts_id", "mission", "composante", "montant"):
            return
        frame = self.frames["montants"]
        known = self.known_mission("montants", extra=(FONCTIONNEMENT,))
        pairs = pd.MultiIndex.from_frame(frame[["mission", "composante"]])
        unknown = known & (frame["composante"] != "") & ~pairs.isin(self.components)
        self.report(
            "montants",
            frame.assign(admises=frame["mission"].map(self.components_of))[unknown],
            "composante",
            "composante inconnue pour cette mission",
            lambda r: f"« {r.composante} » (composantes de {r.mission} : {r.admises})",
        )
        mission = known & (frame["mission"] != FONCTIONNEMENT)
        self.report_undeclared("montants", mission, "montant d'une mission non déclarée")
        text = frame["montant"]
        amount = _parse_numbers(text)
        self.report(
            "montants",
            frame[(text != "") & amount.isna()],
            "montant",
            "montant non numérique",
            lambda r: f"« {r.montant} » (montant en euros attendu, virgule admise : 12500,50)",
        )
        self.report(
            "montants",
            frame[amount < 0],
            "montant",
            "montant négatif",
            lambda r: f"« {r.montant} » (un montant est positif ou nul)",
        )
