"""What every registry check shares: the tables, the reference data, and how findings are kept.

Findings are vectorised: a rule selects the offending rows of a table and ``report`` turns them
into problems, at most ``MAX_PER_RULE`` per rule and file plus one line counting the rest, so
that a 10 000-row mistake stays readable.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from cpts_analysis.aci.missions import catalogue
from cpts_analysis.aci.rules import all_amounts, rule_set_ids_at, rule_sets
from cpts_analysis.core.errors import Problem
from cpts_analysis.core.formatting import format_date
from cpts_analysis.territory.communes import load_departements
from cpts_analysis.territory.registry.tables import (
    FONCTIONNEMENT,
    LINE,
    MAX_PER_RULE,
    ORDER,
    parse_dates,
)


def date_hint(text: str) -> str:
    """How a malformed date of a real file usually came to be, and its fix."""
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):  # Excel's serial number of the day
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
        return (
            f" ; numéro de série d'une date Excel ? {format_date(day)} : donnez à la colonne "
            "le format Date d'Excel ou écrivez JJ/MM/AAAA"
        )
    if re.search(r"\d[ T]\d{1,2}:\d{2}", text):
        return " ; l'heure n'est pas admise : gardez la date seule"
    return ""


class CheckContext:
    """The tables under check, the reference they are checked against, the findings so far.

    Each rule family (one module each) subclasses it; ``RegistryChecks`` combines them.
    """

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
        label, order = self.labels[table], ORDER[table]
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

    @functools.cached_property
    def departements(self) -> set[str]:
        return set(load_departements()["code"])

    @functools.cached_property
    def first_cpts(self) -> pd.DataFrame:
        """One row per CPTS id (its first row), with the parsed signature date."""
        cpts = self.frames["cpts"]
        first = cpts[cpts["cpts_id"] != ""].drop_duplicates("cpts_id")
        if "date_signature" in first.columns:
            first = first.assign(signature=parse_dates(first["date_signature"])[0])
        return first.set_index("cpts_id")

    def contract_durations(self) -> pd.Series:
        """Contract length of each signed CPTS, from the rule set in force at its signature."""
        if not self.has("cpts", "cpts_id", "date_signature"):
            return pd.Series(dtype=float)
        signatures = self.first_cpts["signature"].dropna()
        return rule_set_ids_at(signatures).map(self.durations).dropna()

    def check_dates(self, table: str, column: str) -> pd.Series:
        """Report malformed and impossible dates; return the parsed ones (NaT otherwise)."""
        frame = self.frames[table]
        dates, malformed, impossible = parse_dates(frame[column])
        self.report(
            table,
            frame[malformed],
            column,
            "date mal formée",
            lambda r: (
                f"« {getattr(r, column)} » (formats admis : AAAA-MM-JJ ou JJ/MM/AAAA)"
                + date_hint(getattr(r, column))
            ),
        )
        self.report(
            table,
            frame[impossible],
            column,
            "date impossible",
            lambda r: f"« {getattr(r, column)} » n'existe pas dans le calendrier",
        )
        return dates

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
