"""Benchmark: load all communes and compute every CPTS population, tier and coverage.

Prints figures; asserts nothing (timings belong here, not in tests). Run:
    .venv/bin/python benchmarks/bench_territories.py [REGISTRY]
Without REGISTRY, the shipped illustrative registry of region 84 is used; a national stress
case (one pseudo-CPTS per EPCI, ~1 250 CPTS and 34 871 communes) is timed as well.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pandas as pd


def report(label: str, seconds: float, note: str = "") -> None:
    print(f"{label:<58} {seconds * 1000:9.1f} ms{note}")


def timed(label: str, function, repeat: int = 5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    report(label, best, f" (best of {repeat})")
    return result


def main() -> None:
    start = time.perf_counter()
    from cpts_analysis.core.paths import EXAMPLE_REGISTRY
    from cpts_analysis.territory import communes, territories
    from cpts_analysis.territory.registry import load_registry, validate_registry

    report("import cpts_analysis (pandas, shapely…)", time.perf_counter() - start)
    start = time.perf_counter()
    table = communes.load_communes()
    report(f"load_communes(), cold: {len(table)} rows", time.perf_counter() - start)

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLE_REGISTRY
    timed(f"validate_registry({path.name}): every rule", lambda: validate_registry(path), 3)
    registry = load_registry(path)
    summary = timed(
        f"cpts_summary: {len(registry.cpts)} CPTS, {len(registry.communes)} memberships",
        lambda: territories.cpts_summary(registry.cpts, registry.communes, "2025-01-01"),
    )
    timed("coverage by department", lambda: territories.coverage(registry.communes))
    print(f"  population covered by the registry: {summary['population'].sum():,}")

    epci = communes.load_epci_communes().rename(columns={"epci": "cpts_id"})
    national = pd.DataFrame({"cpts_id": epci["cpts_id"].unique(), "nom": "", "departement": ""})
    timed(
        f"national stress: {len(national)} CPTS, {len(epci)} memberships",
        lambda: territories.cpts_summary(national, epci, "2025-01-01"),
    )
    timed("national coverage by department", lambda: territories.coverage(epci))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':<58} {peak:9.1f} MB")


if __name__ == "__main__":
    main()
