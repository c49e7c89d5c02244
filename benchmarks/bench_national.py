"""National benchmark of batches: prints figures, asserts nothing.

Builds, in a temporary folder, an ILLUSTRATIVE national registry made like ``data/exemple_ara``
(``scripts/build_example_registry.py``, whose drawing of dates, missions, results and local
amounts is reused): in every department, each real EPCI à fiscalité propre (2026) becomes one
CPTS with all its communes, except every third one, left as a white zone; one CPTS in seven is
unsigned. Paris, Lyon and Marseille are drawn by arrondissement. Deterministic (fixed seed).

Then it times, as a user launches them (subprocesses, embedded Dask cluster):
  (a) ``cpts-analysis batch --by departement`` on the national registry (every department);
  (b) ``cpts-analysis batch --by cpts`` on one region's registry (default 84);
and prints reports per minute, per-report p50/p95, peak RSS and PSS of the whole process tree,
and the projected time of the full national run (~120 comparisons, one profile per CPTS) on N
workers, from the measured throughput per worker.

    .venv/bin/python benchmarks/bench_national.py [--workers N] [--region CODE] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_reports import BIN, measure, memory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import build_example_registry as example  # noqa: E402

from cpts_analysis.territory.communes import (  # noqa: E402
    cities_with_arrondissements,
    load_communes,
    load_departements,
    load_epci_communes,
    load_regions,
)
from cpts_analysis.territory.registry import validate_registry  # noqa: E402

SEED = 2026
WHITE_ZONE_EVERY = 3  # every third EPCI of a department has no CPTS
UNSIGNED_EVERY = 7


def compose_national() -> tuple[pd.DataFrame, pd.DataFrame]:
    """CPTS rows (index ``cpts_id``) and members, one CPTS per kept EPCI of each department."""
    communes = load_communes().set_index("code")
    cities = cities_with_arrondissements()
    arrondissements = communes[communes["commune_parent"].isin(cities)]
    epci = load_epci_communes()
    epci = epci[epci["code_commune"].isin(communes.index)].copy()
    epci["dep"] = epci["code_commune"].map(communes["dep"])
    home = epci.groupby("epci")["dep"].agg(lambda deps: deps.value_counts().idxmax())
    rows, members = [], []
    for dep, group in home.groupby(home):
        for number, siren in enumerate(sorted(group.index), start=1):
            if number % WHITE_ZONE_EVERY == 0:
                continue
            codes = epci.loc[epci["epci"] == siren, "code_commune"].tolist()
            codes = [
                code
                for city in codes
                for code in (
                    sorted(arrondissements.index[arrondissements["commune_parent"] == city])
                    if city in cities
                    else [city]
                )
            ]
            cpts_id = f"FR-{dep}-{number:03d}"
            status = "projet" if len(rows) % UNSIGNED_EVERY == UNSIGNED_EVERY - 1 else "signe"
            rows.append(
                {"cpts_id": cpts_id, "nom": f"CPTS {dep}-{number}", "departement": dep}
                | {"statut": status}
            )
            members.append(pd.DataFrame({"cpts_id": cpts_id, "code_commune": sorted(codes)}))
    table = pd.concat(members, ignore_index=True)
    table["part"] = ""  # every commune whole, in one CPTS
    table["population"] = table["code_commune"].map(communes["population"]).astype("int64")
    return pd.DataFrame(rows).set_index("cpts_id"), table


def write(folder: Path, tables: dict[str, pd.DataFrame]) -> list:
    """Write the registry's CSV files; return its problems (errors stop the benchmark)."""
    folder.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
    problems = validate_registry(folder)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SystemExit("registre national invalide :\n" + "\n".join(map(str, errors[:20])))
    return problems


def region_subset(tables: dict[str, pd.DataFrame], region: str) -> dict[str, pd.DataFrame]:
    departements = load_departements()
    deps = set(departements.loc[departements["region"] == region, "code"])
    ids = set(tables["cpts"].loc[tables["cpts"]["departement"].isin(deps), "cpts_id"])
    return {name: frame[frame["cpts_id"].isin(ids)] for name, frame in tables.items()}


def batch(by: str, registry: Path, out: Path, workers: int, date: str) -> dict:
    command = [str(BIN / "cpts-analysis"), "batch", "--by", by, "--registry", str(registry)]
    command += ["--date", date, "--workers", str(workers), "--out", str(out)]
    wall, rss, pss = measure(command)
    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    durations = sorted(r["attempt"]["duration_s"] or 0 for r in records.values())
    failed = sum(r["status"] == "failed" for r in records.values())
    per_minute = len(durations) / wall * 60
    p50 = statistics.median(durations)
    p95 = statistics.quantiles(durations, n=20)[-1] if len(durations) > 1 else p50
    print(
        f"batch --by {by}: {len(durations)} reports ({failed} failed), {workers} workers, "
        f"{wall:6.1f} s wall, {per_minute:5.1f} reports/min, per report p50 {p50:.2f} s, "
        f"p95 {p95:.2f} s, {memory(rss, pss)}"
    )
    return {"n": len(durations), "wall": wall, "workers": workers}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--region", default="84")
    parser.add_argument("--date", default="2025-06-01")
    parser.add_argument("--keep", action="store_true", help="garder le dossier temporaire")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-national-"))
    try:
        started = time.perf_counter()
        cpts, members = compose_national()
        tables = example.sorted_text(
            example.draw_tables(cpts, members, np.random.default_rng(SEED))
        )
        problems = write(scratch / "registre_national", tables)
        write(scratch / "registre_region", region_subset(tables, args.region))
        print(
            f"national registry: {len(tables['cpts'])} CPTS in "
            f"{tables['cpts']['departement'].nunique()} departments, "
            f"{len(tables['communes'])} communes, {len(problems)} warnings, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        comparisons = batch(
            "departement", scratch / "registre_national", scratch / "dep", args.workers, args.date
        )
        profiles = batch(
            "cpts", scratch / "registre_region", scratch / "cpts", args.workers, args.date
        )
        # Seconds of one worker per report, as measured (wall × workers / reports).
        comparison_cost = comparisons["wall"] * args.workers / comparisons["n"]
        profile_cost = profiles["wall"] * args.workers / profiles["n"]
        n_comparisons = len(load_departements()) + len(load_regions())
        n_profiles = len(tables["cpts"])
        total = n_comparisons * comparison_cost + n_profiles * profile_cost
        print(
            f"projected national run ({n_comparisons} comparisons + {n_profiles} profiles, "
            f"{comparison_cost:.2f} s and {profile_cost:.2f} s of a worker each):"
        )
        for workers in (2, 8, 32, 128):
            print(f"  {workers:4d} workers: {total / workers / 60:7.1f} min")
    finally:
        if args.keep:
            print(f"outputs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
