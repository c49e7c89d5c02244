"""``index.html``: the entry page of a reports folder, built from ``manifest.json``.

Links every report, shows its scalar headline figures in French formats, and puts failures in
a section of their own at the top so that they cannot be missed.
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
from cpts_analysis.core.vocabulary import REPORT_STATUSES, headline_label
from cpts_analysis.report.sidecars import read_headline
from cpts_analysis.runner.display import display_value, is_scalar
from cpts_analysis.runner.export import TEMPLATES_DIR

INDEX_FILE = "index.html"
FAILURE_LINKS = {"failed_notebook": "notebook exécuté", "error": "message d'erreur"}


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("batch_index.html.j2")


def write_index(out_dir: Path, reports: dict[str, dict[str, Any]]) -> Path:
    path = out_dir / INDEX_FILE
    write_text_atomic(path, render_index(out_dir, reports))
    return path


def render_index(out_dir: Path, reports: dict[str, dict[str, Any]]) -> str:
    records = [reports[key] | {"key": key} for key in sorted(reports)]
    failed = [r for r in records if r["status"] == "failed"]
    return _template().render(
        generated=format_date(dt.date.today()),
        counts={"total": len(records), "ok": len(records) - len(failed), "failed": len(failed)},
        failures=[_failure(r) for r in failed],
        groups=_groups(out_dir, records),
    )


def _failure(record: dict[str, Any]) -> dict[str, Any]:
    error = record["error"] or {}
    return {
        "label": record["label"] or record["key"],
        "notebook": Path(record["notebook"]).name,
        "cell": error.get("cell"),
        "source": error.get("source", ""),
        "ename": error.get("ename", ""),
        "evalue": error.get("evalue", ""),
        "links": [
            (name, quote(record["outputs"][kind]))
            for kind, name in FAILURE_LINKS.items()
            if kind in record["outputs"]
        ],
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
    html = record["outputs"].get("html") if record["status"] != "failed" else None
    pdf = record["outputs"].get("pdf") if record["status"] != "failed" else None
    return {
        "label": record["label"] or record["key"],
        "href": quote(html) if html else "",
        "pdf": quote(pdf) if pdf else "",
        "status": record["status"],
        "status_label": REPORT_STATUSES[record["status"]],
        "duration": f"{format_number(record['duration_s'], 1)} s",
        "cells": [_cell(figures[c]) if c in figures else ("", False) for c in columns],
    }


def _cell(value: Any) -> tuple[str, bool]:
    """Displayed text, and whether it is a number (right-aligned)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return display_value(value), number


def _headline(out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Scalar headline figures of a successful report ({} if failed or the file is gone)."""
    relative = record["outputs"].get("headline")
    if record["status"] == "failed" or not relative or not (out_dir / relative).exists():
        return {}
    headline = read_headline((out_dir / relative).parent)["headline"]
    return {key: value for key, value in headline.items() if is_scalar(value)}
