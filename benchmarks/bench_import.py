"""Benchmark: ``import`` of a flat list at the scale of a real regional list, and nationally.

Prints figures; asserts nothing. Run: ``.venv/bin/python benchmarks/bench_import.py``.
The lists are built from real communes grouped by real EPCI (one CPTS per EPCI), so that names
are real and ambiguous ones occur as they would: a region (about 70 CPTS, 900+ rows), half
by name (lower-case, no accents, ``St``), a tenth by a former code; then one CPTS per EPCI
of France by code (about 1 250 CPTS, 34 871 rows).
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import pandas as pd


def report(label: str, seconds: float) -> None:
    print(f"{label:<62} {seconds:8.2f} s")


def flat_list(region: str | None, names: bool) -> pd.DataFrame:
    from cpts_analysis.territory.communes import (
        load_commune_history,
        load_communes,
        load_epci_communes,
    )

    communes = load_communes().set_index("code")
    members = load_epci_communes()
    members = members.assign(dep=members["code_commune"].map(communes["dep"]))
    if region is not None:
        members = members[members["code_commune"].map(communes["reg"]) == region]
    value = members["code_commune"].copy()
    if names:
        typed = members["code_commune"].map(communes["nom"]).str.lower()
        typed = typed.str.replace("saint-", "st-", regex=False)
        value = value.where(members.index.to_series() % 2 == 0, typed)
        history = load_commune_history()
        former = history[history["type"] == "ancienne"].drop_duplicates("code")
        olds = members["code_commune"].map(former.set_index("code")["code_ancien"])
        value = value.where(olds.isna() | (members.index.to_series() % 10 != 1), olds)
    return pd.DataFrame(
        {"cpts": "CPTS " + members["epci"], "commune": value, "dep": members["dep"]}
    )


def main() -> None:
    start = time.perf_counter()
    from cpts_analysis.territory.importing import import_flat_table
    from cpts_analysis.territory.registry import write_registry

    report("import cpts_analysis", time.perf_counter() - start)
    for label, region, names in (
        ("Provence-Alpes-Côte d'Azur (93), mixed codes/names", "93", True),
        ("France, one CPTS per EPCI, codes", None, False),
    ):
        rows = flat_list(region, names)
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "liste.csv"
            rows.to_csv(source, index=False, sep=";", encoding="cp1252", errors="replace")
            start = time.perf_counter()
            result = import_flat_table(source, equal_parts=True)
            elapsed = time.perf_counter() - start
            write_start = time.perf_counter()
            write_registry(Path(folder) / "registre", result.tables)
            written = time.perf_counter() - write_start
        report(f"{label}: {len(rows)} rows, {result.cpts} CPTS", elapsed)
        report("  write the registry", written)
        print(
            f"  by code {result.by_code}, historical {len(result.historical)}, by name "
            f"{result.by_name}, unresolved {len(result.unresolved)}, shared {len(result.shared)}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
