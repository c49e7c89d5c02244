"""``index.html``: the entry page of a reports folder, built from ``manifest.json``.

Links every published report, shows its scalar headline figures in French formats, and puts
failures and interruptions in a section of their own at the top so that they cannot be missed;
a report whose last attempt failed still links the valid report it left in place, with its
date. The page carries a generator mark: an ``index.html`` without it is someone else's, and is
never overwritten.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from cpts_analysis.core.files import write_text_atomic
from cpts_analysis.core.formatting import format_date, format_number
from cpts_analysis.core.vocabulary import LAST_VALID_REPORT, REPORT_STATUSES, headline_label
from cpts_analysis.report.sidecars import read_headline
from cpts_analysis.runner.display import display_value, is_scalar
from cpts_analysis.runner.errors import OutputRefused
from cpts_analysis.runner.export import TEMPLATES_DIR
from cpts_analysis.runner.publication import FAILURE_NOTEBOOK, GENERATOR

INDEX_FILE = "index.html"
GENERATOR_MARK = f'<meta name="generator" content="{GENERATOR}">'
LEGACY_MARK = "<title>Rapports CPTS</title>"  # pages written before the generator mark
NOT_DONE = ("failed", "interrupted", "running")


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("batch_index.html.j2")


def check_owned(out_dir: Path) -> None:
    """Refuse to run where an ``index.html`` that cpts-analysis did not write would be replaced."""
    path = out_dir / INDEX_FILE
    if not path.exists():
        return
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise OutputRefused(f"{path} illisible ({exc.strerror})") from None
    if GENERATOR_MARK not in text and LEGACY_MARK not in text:
        raise OutputRefused(
            f"{path} n'a pas été écrit par cpts-analysis : déplacez-le, ou choisissez un autre "
            "dossier avec --out (il n'est jamais écrasé)"
        )


def write_index(out_dir: Path, reports: dict[str, dict[str, Any]]) -> Path:
    path = out_dir / INDEX_FILE
    check_owned(out_dir)
    write_text_atomic(path, render_index(out_dir, reports))
    return path


def render_index(out_dir: Path, reports: dict[str, dict[str, Any]]) -> str:
    records = [reports[key] | {"key": key} for key in sorted(reports)]
    counts = {status: sum(r["status"] == status for r in records) for status in NOT_DONE}
    return _template().render(
        generator=GENERATOR,
        generated=format_date(dt.date.today()),
        counts=counts | {"total": len(records), "ok": len(records) - sum(counts.values())},
        failures=[_failure(out_dir, r) for r in records if r["status"] in NOT_DONE],
        groups=_groups(out_dir, records),
    )


def status_label(record: dict[str, Any]) -> str:
    """« à jour », « échec », or « échec, dernier rapport valide du 01/06/2025 »."""
    label = REPORT_STATUSES[record["status"]]
    published = record["published"]
    if record["status"] in NOT_DONE and published:
        return (
            f"{label}, {LAST_VALID_REPORT.format(date=format_date(published['published_at'][:10]))}"
        )
    return label


def _failure(out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    attempt = record["attempt"]
    error = attempt["error"] or {}
    folder = record["key"]
    links = [("message d'erreur", attempt["failure"])] if attempt["failure"] else []
    if attempt["failure"] and (out_dir / folder / FAILURE_NOTEBOOK).exists():
        links.append(("notebook exécuté", f"{folder}/{FAILURE_NOTEBOOK}"))
    return {
        "label": record["label"] or record["key"],
        "notebook": Path(record["notebook"]).name,
        "status_label": status_label(record),
        "cell": error.get("cell"),
        "source": error.get("source", ""),
        "ename": error.get("ename", ""),
        "evalue": error.get("evalue", ""),
        "links": [(name, quote(href)) for name, href in links],
    }


def _groups(out_dir: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One table per template; columns are the scalar headline figures its reports give."""
    by_notebook: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for record in records:
        figures = _headline(out_dir, record)
        by_notebook.setdefault(Path(record["notebook"]).stem, []).append((record, figures))
    groups = []
    for name, rows in by_notebook.items():
        columns = list(dict.fromkeys(key for _, figures in rows for key in figures))
        groups.append(
            {
                "name": name,
                "columns": [headline_label(column) for column in columns],
                "rows": [_row(record, figures, columns) for record, figures in rows],
            }
        )
    return groups


def _row(record: dict[str, Any], figures: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    outputs = record["published"]["outputs"] if record["published"] else {}
    html, pdf = outputs.get("html"), outputs.get("pdf")
    duration = (record["published"] or {}).get("duration_s")
    return {
        "label": record["label"] or record["key"],
        "href": quote(html) if html else "",
        "pdf": quote(pdf) if pdf else "",
        "status": record["status"],
        "status_label": status_label(record),
        "duration": "–" if duration is None else f"{format_number(duration, 1)} s",
        "cells": [_cell(figures[c]) if c in figures else ("", False) for c in columns],
    }


def _cell(value: Any) -> tuple[str, bool]:
    """Displayed text, and whether it is a number (right-aligned)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return display_value(value), number


def _headline(out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Scalar headline figures of the published report ({} if none, or the file is gone)."""
    relative = record["published"]["outputs"].get("headline") if record["published"] else None
    if not relative or not (out_dir / relative).exists():
        return {}
    headline = read_headline((out_dir / relative).parent)["headline"]
    return {key: value for key, value in headline.items() if is_scalar(value)}
