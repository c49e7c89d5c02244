"""What a report notebook hands back besides its HTML: headline figures and tables, as files.

The batch index and comparison pages read ``headline.json`` instead of scraping cell outputs,
and users get the tables as a workbook. Imported inside notebook kernels: keep it light.

``meta`` keys the runner understands (all optional): ``title`` (report title), ``rule_set``,
``data_vintages`` (name → vintage), ``parameter_labels`` (parameter → French label) and
``parameters``; ``rule_set_status``, ``reference_date`` and ``registry`` (name, file,
provenance) also fill the workbook's « À propos » sheet (:func:`report.about.report_meta`
builds them). ``generated_at`` is added here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cpts_analysis.core.files import atomic_path, write_text_atomic
from cpts_analysis.core.vocabulary import SHEETS, Kind
from cpts_analysis.report.about import about_rows
from cpts_analysis.report.background import Forked
from cpts_analysis.report.figure_output import all_drawn
from cpts_analysis.report.workbook import write_workbook

HEADLINE_FILE = "headline.json"
TABLES_FILE = "tables.xlsx"


class Sidecars:
    """Sidecars being written: the workbook (maybe in a forked child, see
    :mod:`~cpts_analysis.report.background`) now, ``headline.json`` by :meth:`finish`."""

    def __init__(self, folder: Path | None, payload: dict, workbook: Forked | None) -> None:
        self._folder, self._payload, self._workbook = folder, payload, workbook

    def finish(self) -> None:
        """Wait for the figures drawn apart and the workbook, then write ``headline.json``: its
        presence tells the runner the notebook reached its end with every output complete."""
        all_drawn()
        if self._workbook is not None:
            self._workbook.wait()
        if self._folder is not None:
            text = json.dumps(self._payload, ensure_ascii=False, indent=2, allow_nan=False)
            write_text_atomic(self._folder / HEADLINE_FILE, text + "\n")


def start_sidecars(
    output_dir: str,
    headline: dict,
    tables: dict[str, pd.DataFrame],
    meta: dict,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, Kind] | None = None,
    *,
    background: bool = False,
) -> Sidecars:
    """Start writing ``tables.xlsx`` into ``output_dir`` (in a forked child if ``background``,
    while the next cells run); :meth:`Sidecars.finish` completes it. A no-op when
    ``output_dir`` is ``""``, the template default: a notebook opened by hand writes nothing.

    Tables are named by a key of :data:`~cpts_analysis.core.vocabulary.SHEETS` (or a French
    name). The workbook is French (:func:`~cpts_analysis.report.workbook.write_workbook`; ``labels``
    and ``kinds`` for columns only the caller can name, such as rule set ids) and opens on an
    « À propos » sheet made from ``meta``. Nothing is printed, so the generation time never lands
    in a cell output.
    """
    if not output_dir:
        return Sidecars(None, {}, None)
    folder = Path(output_dir)
    produced = dt.datetime.now().replace(microsecond=0)
    payload = {
        "headline": to_json(headline),
        "meta": {**to_json(meta), "generated_at": produced.isoformat()},
    }
    if not tables:
        return Sidecars(folder, payload, None)
    sheets = {SHEETS.get(name, name): table for name, table in tables.items()}
    about = about_rows(meta, produced)

    folder.mkdir(parents=True, exist_ok=True)

    def write() -> None:
        with atomic_path(folder / TABLES_FILE, make_folder=False) as temporary:
            write_workbook(temporary, sheets, labels, kinds, about)

    if background:
        return Sidecars(folder, payload, Forked(f"L'écriture de {TABLES_FILE}", write))
    write()
    return Sidecars(folder, payload, None)


def save_sidecars(
    output_dir: str,
    headline: dict,
    tables: dict[str, pd.DataFrame],
    meta: dict,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, Kind] | None = None,
) -> None:
    """Write ``tables.xlsx`` then ``headline.json`` (see :func:`start_sidecars`)."""
    start_sidecars(output_dir, headline, tables, meta, labels, kinds).finish()


def read_headline(folder: Path) -> dict:
    """``{"headline": {...}, "meta": {...}}`` as written by :func:`save_sidecars`."""
    return json.loads((folder / HEADLINE_FILE).read_text(encoding="utf-8"))


def to_json(value: Any) -> Any:
    """Plain JSON data from what notebooks compute (numpy scalars, timestamps, NaN → null)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return to_json(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"valeur non convertible en JSON : {value!r} ({type(value).__name__})")
