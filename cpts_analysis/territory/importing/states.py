"""The state a list gives each CPTS: status, ACI signing date and missions, as lists write them.

Published lists say « ACI signé », « Projet de santé validé » or « Lettre d'intention », give
dates as JJ/MM/AAAA or Excel serial numbers, and mark missions with « oui » or a date. Without
them every imported CPTS would be a project with no money. Only wordings listed here are read;
anything else is reported with its row and left out, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from cpts_analysis.aci.missions import catalogue
from cpts_analysis.aci.rules import rule_sets
from cpts_analysis.core.errors import Problem
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.vocabulary import CPTS_STATES, YES_NO
from cpts_analysis.territory.importing.names import header_key, name_key
from cpts_analysis.territory.importing.source import FlatTable, mission_of_header

# Status wordings, matched on ``name_key`` of the cell; the first rule that matches wins, so
# « en cours de signature » is a project before « signé » is looked for.
STATUS_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(en cours de signature|a signer|non signee?s?|pas signee?s?|"
            r"signature (prevue|a venir|en cours)|en attente de signature|en negociation|"
            r"en cours de negociation)\b"
        ),
        "projet",
    ),
    (re.compile(r"\b(signee?s?|contractualisee?s?|en fonctionnement)\b"), "signe"),
    (
        re.compile(
            r"\b(lettre d intention|pre projet|emergence|en constitution|constitution|amorcage|"
            r"reflexion|en creation|redaction|elaboration|ecriture|ingenierie|formalisation|"
            r"declaration d interet)\b"
        ),
        "pre-projet",
    ),
    (
        re.compile(r"^(en )?projet$|\bprojet (de sante )?(valide|approuve)e?s?\b"),
        "projet",
    ),
)
YES = {
    YES_NO[True],
    "o",
    "x",
    "1",
    "vrai",
    "true",
    "demarree",
    "demarre",
    "engagee",
    "engage",
    "en cours",
}
NO = {
    YES_NO[False],
    "n",
    "0",
    "faux",
    "false",
    "non demarree",
    "a venir",
    "en attente",
    "na",
    "n a",
}
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its 1900 bug)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_FRENCH = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.0+)?")
_LIST_SEPARATORS = re.compile(r"[,;/+|\n]|\bet\b")


def parse_list_date(text: str) -> dt.date | None:
    """``22/04/2021``, ``22/04/21``, ``2021-04-22`` (time ignored) or an Excel serial
    (``44308``); None for anything else or an impossible date."""
    value = text.strip()
    try:
        if match := _ISO.fullmatch(value):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _FRENCH.fullmatch(value):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day)
        if _SERIAL.fullmatch(value):
            return EXCEL_EPOCH + dt.timedelta(days=int(float(value)))
    except ValueError:
        return None
    return None


def status_of(text: str) -> str | None:
    """The registry status a wording means (« ACI signé » → ``signe``), or None."""
    key = name_key(text)
    return next((status for pattern, status in STATUS_RULES if pattern.search(key)), None)


@dataclass
class CptsState:
    """What the list says of one CPTS, ready for the ``cpts`` and ``missions`` tables."""

    statut: str = "projet"
    date_signature: str = ""
    missions: dict[str, str] = field(default_factory=dict)  # mission → AAAA-MM-JJ
    assumed_missions: list[str] = field(default_factory=list)  # started at the signing date


@dataclass
class StateReading:
    """Every CPTS's state, the values that could not be used (``unmapped``), warnings."""

    states: dict[str, CptsState]
    unmapped: list[dict[str, object]]
    warnings: list[Problem]
    columns: list[str]  # headers read for states, as written in the source


class _Reader:
    def __init__(self, table: FlatTable):
        self.table = table
        self.unmapped: list[dict[str, object]] = []
        self.warnings: list[Problem] = []
        self.first_aci = pd.Timestamp(rule_sets()[0].start).date()
        starts = {r.id: pd.Timestamp(r.start).date() for r in rule_sets()}
        self.missions = catalogue()
        self.mission_since = {m.id: starts[m.since] for m in self.missions.values()}

    def skip(self, row: int, role: str, value: str, reason: str) -> None:
        column = self.table.columns[role]
        self.unmapped.append({"row": row, "column": column, "value": value, "reason": reason})
        self.warnings.append(
            Problem(
                self.table.label,
                f"« {value} » non repris : {reason}",
                row=row,
                field=column,
                severity="warning",
            )
        )

    def first(self, group: pd.DataFrame, role: str) -> tuple[int, str] | None:
        """The first non-empty value of ``role`` for one CPTS; a different later one is
        reported (a list repeats the state on every commune row, or gives it once)."""
        given = group[group[role] != ""]
        if given.empty:
            return None
        row, value = int(given["ligne"].iloc[0]), str(given[role].iloc[0])
        others = given[given[role] != value]
        for line, other, cpts in zip(others["ligne"], others[role], others["cpts"], strict=True):
            self.skip(
                int(line),
                role,
                str(other),
                f"la CPTS « {cpts} » a déjà « {value} » ligne {row} ; la première valeur est "
                "reprise",
            )
        return row, value

    def state(self, group: pd.DataFrame) -> CptsState:
        state = CptsState()
        status = self.first(group, "statut") if "statut" in self.table.columns else None
        date = (
            self.first(group, "date_signature") if "date_signature" in self.table.columns else None
        )
        signed_on = None
        if date is not None:
            signed_on = parse_list_date(date[1])
            if signed_on is None:
                self.skip(date[0], "date_signature", date[1], "date illisible (JJ/MM/AAAA)")
            elif signed_on < self.first_aci:
                self.skip(
                    date[0],
                    "date_signature",
                    date[1],
                    f"signature avant le premier ACI ({format_date(self.first_aci)})",
                )
                signed_on = None
        if status is not None:
            found = status_of(status[1])
            if found is None:
                self.skip(
                    status[0],
                    "statut",
                    status[1],
                    "statut non reconnu (par exemple « ACI signé », « Projet de santé "
                    "validé », « Lettre d'intention ») : CPTS laissée au statut « projet »",
                )
            elif found == "signe" and signed_on is None:
                self.skip(
                    status[0],
                    "statut",
                    status[1],
                    "signée sans date de signature lisible : CPTS laissée au statut "
                    "« projet » (ajoutez la date pour compter ses financements)",
                )
            else:
                state.statut = found
        elif signed_on is not None:
            state.statut = "signe"  # a signing date alone says the contract is signed
        if state.statut == "signe" and signed_on is not None:
            state.date_signature = signed_on.isoformat()
        elif signed_on is not None and date is not None:
            self.skip(
                date[0],
                "date_signature",
                date[1],
                f"date de signature pour une CPTS au statut « {CPTS_STATES[state.statut]} »",
            )
        self.read_missions(group, state, signed_on if state.date_signature else None)
        return state

    def read_missions(self, group: pd.DataFrame, state: CptsState, signed: dt.date | None) -> None:
        marks: list[tuple[str, int, str, str, dt.date | None]] = []  # mission, row, role, cell
        for role in self.table.columns:
            if not role.startswith("mission:"):
                continue
            cell = self.first(group, role)
            if cell is None:
                continue
            key = name_key(cell[1])
            if key in NO:
                continue
            when = parse_list_date(cell[1])
            if when is None and key not in YES:
                self.skip(cell[0], role, cell[1], "ni date ni oui / non")
                continue
            marks.append((role.removeprefix("mission:"), cell[0], role, cell[1], when))
        listed = self.first(group, "missions") if "missions" in self.table.columns else None
        row, text = listed if listed is not None else (0, "")
        for part in filter(None, (p.strip() for p in _LIST_SEPARATORS.split(text))):
            mission = mission_of_header(header_key(part))
            if mission is None:
                self.skip(row, "missions", part, "mission non reconnue")
            else:
                marks.append((mission, row, "missions", part, None))
        for mission, row, role, text, when in marks:
            if mission in state.missions:
                continue
            if signed is None:
                self.skip(row, role, text, "mission d'une CPTS sans date de signature")
                continue
            since = self.mission_since[mission]
            if when is None:
                when = max(signed, since)
                state.assumed_missions.append(mission)
            elif when < signed or when < since:
                limit = max(signed, since)
                self.skip(row, role, text, f"démarrage avant le {format_date(limit)}")
                continue
            state.missions[mission] = when.isoformat()


def read_states(table: FlatTable, rows: pd.DataFrame) -> StateReading:
    """Per CPTS key (``cpts_key`` of ``rows``), the state the list gives; the defaults
    (``projet``, no date, no mission) where it gives none."""
    reader = _Reader(table)
    states = {key: reader.state(group) for key, group in rows.groupby("cpts_key", sort=False)}
    roles = [r for r in table.columns if r in ("statut", "date_signature", "missions")]
    roles += [r for r in table.columns if r.startswith("mission:")]
    assumed = sorted({m for s in states.values() for m in s.assumed_missions})
    if assumed:
        labels = ", ".join(reader.missions[m].short_label for m in assumed)
        reader.warnings.append(
            Problem(
                table.label,
                f"missions marquées sans date ({labels}) : démarrage supposé à la date de "
                "signature (ou à l'entrée en vigueur de la mission si elle est postérieure)",
                severity="warning",
            )
        )
    return StateReading(states, reader.unmapped, reader.warnings, [table.columns[r] for r in roles])
