"""National benchmark of batches: prints figures, asserts nothing.

Builds, in a temporary folder, an ILLUSTRATIVE national registry made like ``data/exemple_ara``
(``scripts/build_example_registry.py``, whose drawing of dates, missions, results and local
amounts is reused): in every department, each real EPCI à fiscalité propre (2026) becomes one
CPTS with all its communes, except every third one, left as a white zone; one CPTS in seven is
unsigned. Paris, Lyon and Marseille are drawn by arrondissement. Deterministic (fixed seed).

Then, on that registry, in subprocesses on an embedded Dask cluster as ``batch`` runs them:
  (a) a sample of the department comparisons, with PDFs (``sample_batch.py``);
  (b) a sample of the CPTS profiles, with PDFs;
  (c) the PDF of each sampled department report, printed by one browser kept for all, then by a
      browser launched for each report (the behaviour before the printer kept its browser);
and prints per-report p50, peak RSS and PSS of the whole process tree (runner, workers, kernels,
Chromium), and the national run (every department and region comparison, every CPTS profile)
projected on 2 and 32 workers from the warm per-report times, with its method. The load average
is printed at the start and the end: other processes slow every figure.

    .venv/bin/python benchmarks/bench_national.py [--workers N] [--sample N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_reports import load, measure, memory

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))

import build_example_registry as example  # noqa: E402

from cpts_analysis.runner import pdf  # noqa: E402
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


def sample_batch(
    by: str, registry: Path, out: Path, workers: int, date: str, size: int, cache: Path
) -> dict:
    """A batch of ``size`` reports of the registry, with PDFs; its per-report figures."""
    command = [sys.executable, str(HERE / "sample_batch.py"), by, str(registry), str(out)]
    command += [str(workers), date, str(size), "--pdf"]
    env = {**os.environ, "CPTS_CACHE_DIR": str(cache)}  # a cache of its own, never the user's
    env.pop("CPTS_NO_CACHE", None)
    wall, rss, pss = measure(command, env)
    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    durations = sorted(r["attempt"]["duration_s"] or 0 for r in records.values())
    p50 = statistics.median(durations)
    # What the batch costs besides its reports: cluster start-up, planning, index.
    overhead = max(0.0, wall - sum(durations) / workers)
    print(
        f"batch --by {by} --pdf, sample of {len(durations)} reports, {workers} workers: "
        f"{wall:6.1f} s wall ({overhead:.1f} s besides the reports), per report p50 {p50:.2f} s, "
        f"max {durations[-1]:.2f} s; {memory(rss, pss)} (runner + workers + kernels + Chromium)"
    )
    return {"p50": p50, "overhead": overhead, "pss": pss, "out": out}


def pdf_times(pages: list[Path], scratch: Path) -> float:
    """Seconds per report printed by one browser kept for all, against a browser launched for
    each report (as before); returns the former."""
    started = time.perf_counter()
    pdf.check_available()
    launch = time.perf_counter() - started
    kept = [_printed(page, scratch / f"kept-{n}.pdf") for n, page in enumerate(pages)]
    pdf.close()
    fresh = []
    for n, page in enumerate(pages):
        fresh.append(_printed(page, scratch / f"fresh-{n}.pdf"))
        pdf.close()
    print(
        f"PDF per report ({len(pages)} department reports): persistent browser "
        f"{statistics.mean(kept):.2f} s (launched once, {launch:.2f} s), fresh browser per "
        f"report {statistics.mean(fresh):.2f} s (launch, print, close)"
    )
    return statistics.mean(kept)


def _printed(page: Path, target: Path) -> float:
    started = time.perf_counter()
    pdf.write_pdf(page, target)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=8, help="reports of each kind measured")
    parser.add_argument("--date", default="2025-06-01")
    parser.add_argument("--keep", action="store_true", help="garder le dossier temporaire")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-national-"))
    print(f"start: {load()} on {os.cpu_count()} cores")
    try:
        started = time.perf_counter()
        cpts, members = compose_national()
        tables = example.sorted_text(
            example.draw_tables(cpts, members, np.random.default_rng(SEED))
        )
        registry = scratch / "registre_national"
        problems = write(registry, tables)
        print(
            f"national registry: {len(tables['cpts'])} CPTS in "
            f"{tables['cpts']['departement'].nunique()} departments, "
            f"{len(tables['communes'])} communes, {len(problems)} warnings, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        batches = {
            by: sample_batch(
                by, registry, scratch / by, args.workers, args.date, args.sample, scratch / "cache"
            )
            for by in ("departement", "cpts")
        }
        pages = sorted((scratch / "departement").rglob("report.html"))
        kept_pdf = pdf_times(pages, scratch)
        counts = {
            "departement": len(load_departements()) + len(load_regions()),
            "cpts": len(tables["cpts"]),
        }
        work = sum(counts[by] * batches[by]["p50"] for by in counts)
        overhead = sum(batch["overhead"] for batch in batches.values())
        print(
            f"projected national run: {counts['departement']} comparisons (departments and "
            f"regions) × {batches['departement']['p50']:.2f} s + {counts['cpts']} CPTS profiles "
            f"× {batches['cpts']['p50']:.2f} s, with PDFs.\n  Method: the per-report p50 of each "
            "sample (warm: the first report of each worker fills the cache), times the "
            "number of reports, shared out evenly over N workers, "
            f"plus what the two sample batches cost besides their reports ({overhead:.1f} s); "
            "N workers on N cores as fast as these. Without PDFs: less the persistent "
            f"browser's {kept_pdf:.2f} s per report."
        )
        for workers in (2, 32):
            with_pdf = overhead + work / workers
            without = with_pdf - sum(counts.values()) * kept_pdf / workers
            print(
                f"  {workers:3d} workers: {with_pdf / 60:6.1f} min with PDFs, "
                f"{without / 60:6.1f} min without   (target ≤ 15 min on 2 workers)"
            )
        peak = max(batch["pss"] for batch in batches.values())
        print(
            f"peak PSS of the process tree (runner + workers + kernels + Chromium), "
            f"{args.workers} workers: {peak:5.0f} MB   (target ≤ 1000 MB)"
        )
        print(f"end: {load()}")
    finally:
        pdf.close()
        if args.keep:
            print(f"outputs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
