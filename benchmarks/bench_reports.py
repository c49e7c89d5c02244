"""Benchmark of report generation; prints figures, asserts nothing.

In one run it times, as a user would launch them (subprocesses), each with the ratio the speed
issue sets as its target:
  (a) one Papermill CLI run of an empty notebook — the floor of any notebook report;
  (b) ``cpts-analysis report --territory 84`` with an empty cache (cold), then with the cache
      it filled (warm), then warm with ``--pdf``; a different reference date per run, so every
      cell runs each time;
  (p) the pipeline a user would write instead on the same template and parameters: the
      Papermill CLI, then ``jupyter nbconvert --to html --no-input``;
  (c) ``cpts-analysis batch --by departement`` on the shipped registry (12 departments of 84),
      on the warm cache, and the per-report p50;
  (d) the per-cell times of the region report (cold and warm), so the next bottleneck shows;
  (e) the imports of the comparison template's first cell in a fresh interpreter (cold).
Every run uses a cache folder of its own (``CPTS_CACHE_DIR``), never the user's. The machine's
load average is printed at the start and the end: other processes slow every figure.

    .venv/bin/python benchmarks/bench_reports.py [--workers N] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "notebooks" / "comparaison_territoriale.ipynb"
# Reading the memory of a dozen processes (PSS walks their page tables) costs CPU the measured
# command then lacks: at 20 samples a second it doubled a 2-core batch's wall time.
SAMPLE_S = 0.25


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall time (s), peak RSS and peak PSS (MB) summed over the command and its descendants.

    RSS counts the libraries shared by the worker and kernel processes once per process; PSS
    shares them out, so its sum is the memory the machine really gave the command.
    """
    start = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        try:
            tree = [p for p in [process, *process.children(recursive=True)] if p.is_running()]
            peak_rss = max(peak_rss, sum(p.memory_info().rss for p in tree))
            peak_pss = max(peak_pss, sum(p.memory_full_info().pss for p in tree))
        except psutil.Error:
            pass
        time.sleep(SAMPLE_S)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    return wall, peak_rss / 1e6, peak_pss / 1e6


def first_cell_imports() -> float:
    """Seconds to import what the comparison template's first cell imports (best of 3)."""
    notebook = nbformat.read(
        Path(__file__).parents[1] / "notebooks" / "comparaison_territoriale.ipynb", as_version=4
    )
    cell = next(c for c in notebook.cells if c.cell_type == "code" and "import" in c.source)
    imports = [ast.unparse(n) for n in ast.parse(cell.source).body if isinstance(n, ast.Import)]
    imports += [
        ast.unparse(n) for n in ast.parse(cell.source).body if isinstance(n, ast.ImportFrom)
    ]
    code = "\n".join(["import time", "start = time.perf_counter()", *imports])
    code += "\nprint(time.perf_counter() - start)"
    command = [sys.executable, "-c", code]
    runs = [subprocess.run(command, capture_output=True, text=True, check=True) for _ in range(3)]
    return min(float(run.stdout) for run in runs)


def memory(rss: float, pss: float) -> str:
    return f"peak RSS {rss:5.0f} MB, PSS {pss:5.0f} MB"


def cell_times(notebook: Path) -> list[tuple[float, str]]:
    """(seconds, first line) of each code cell Papermill ran, in order."""
    executed = nbformat.read(notebook, as_version=4)
    return [
        (cell.metadata.get("papermill", {}).get("duration") or 0.0, cell.source.split("\n")[0])
        for cell in executed.cells
        if cell.cell_type == "code"
    ]


def load() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def ratio(value: float, reference: float, target: str) -> str:
    return f"{value:6.2f} s = {value / reference:5.2f} × empty run   (target {target})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--date", default="2025-06-01")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    env = {**os.environ, "CPTS_CACHE_DIR": str(scratch / "cache")}
    env.pop("CPTS_NO_CACHE", None)
    day = dt.date.fromisoformat(args.date)
    dates = iter((day + dt.timedelta(days=n)).isoformat() for n in range(100))
    # ``python -m``: the same program as the ``cpts-analysis`` script, for any version of the
    # package on PYTHONPATH (a "before" checkout whose script entry point differs)
    cli = [sys.executable, "-m", "cpts_analysis"]
    print(f"start: {load()} on {os.cpu_count()} cores")

    empty = scratch / "empty.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["kernelspec"]["language"] = "python"
    nbformat.write(notebook, empty)
    papermill = [str(BIN / "papermill"), "--no-progress-bar", "--log-level", "ERROR"]
    runs = [measure([*papermill, str(empty), str(scratch / "out.ipynb")]) for _ in range(3)]
    empty_run = min(wall for wall, _, _ in runs)
    print(
        f"(a) papermill CLI, empty notebook: {empty_run:6.2f} s (best of 3), "
        f"{memory(max(r[1] for r in runs), max(r[2] for r in runs))}"
    )

    report = [*cli, "report", "--territory", "84"]
    reports = {}
    for name, flags, target in [
        ("cold cache", [], "≤ 4"),
        ("warm cache", [], "≤ 3"),
        ("warm, --pdf", ["--pdf"], "≤ 4.5"),
    ]:
        out = scratch / name.replace(" ", "_").replace(",", "").replace("--", "")
        command = [*report, "--date", next(dates), "--out", str(out), *flags]
        try:
            wall, rss, pss = measure(command, env)
        except SystemExit as exc:
            print(f"(b) report --territory 84, {name}: not measured ({str(exc).splitlines()[-1]})")
            continue
        # The folder is named after the territory (``region-84-…``; ``84`` in 0.1.0)
        reports[name] = (wall, next(out.rglob("report.ipynb")))
        print(
            f"(b) report --territory 84, {name}: {ratio(wall, empty_run, target)}, "
            f"{memory(rss, pss)}"
        )

    registry = str(ROOT / "data" / "exemple_ara")
    executed, page = scratch / "peer" / "report.ipynb", scratch / "peer"
    page.mkdir()
    peer_date = next(dates)
    # -r: raw strings (with -p, Papermill would read the territory 84 as a number)
    parameters = ["-r", "territoire", "84", "-r", "registre", registry]
    parameters += ["-r", "date_reference", peer_date]
    pm_wall, _, _ = measure([*papermill, str(TEMPLATE), str(executed), *parameters], env)
    nb_wall, _, _ = measure(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)], env
    )
    peer = pm_wall + nb_wall
    print(
        f"(p) papermill CLI + jupyter nbconvert --no-input, same template (warm cache): "
        f"{peer:6.2f} s ({pm_wall:.2f} + {nb_wall:.2f})"
    )
    if "warm cache" in reports:
        print(f"    peer / report (warm) = {peer / reports['warm cache'][0]:.2f}   (target ≥ 2)")

    out = scratch / "batch"
    batch = [*cli, "batch", "--by", "departement", "--date", next(dates)]
    batch += ["--workers", str(args.workers), "--out", str(out)]
    batch_wall, batch_rss, batch_pss = measure(batch, env)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    records = manifest.get("reports", manifest)
    # Manifest format 2 keeps each report's last run under "attempt"; format 1 (0.1.0) at the top
    durations = {key: r.get("attempt", r)["duration_s"] or 0 for key, r in records.items()}
    print(
        f"(c) batch by department, {len(durations)} reports, {args.workers} workers: "
        f"{batch_wall:6.2f} s wall, {memory(batch_rss, batch_pss)}"
    )
    for key, seconds in sorted(durations.items()):
        print(f"      {key:<50} {seconds:6.2f} s")
    warm = statistics.median(durations.values())
    print(f"    warm report p50 (batch, per report): {warm:.2f} s   (target ≤ 1.0 s)")
    print(
        f"    batch_wall / (N × empty_run) = {batch_wall:.2f} / ({len(durations)} × "
        f"{empty_run:.2f}) = {batch_wall / (len(durations) * empty_run):.2f}   (target ≤ 0.6)"
    )
    print(f"    peak PSS of the batch: {batch_pss:5.0f} MB   (target ≤ 1000 MB)")

    for name, (_, executed_report) in reports.items():
        if name == "warm, --pdf":
            continue
        print(f"(d) cells of the region report, {name} (s):")
        for seconds, line in cell_times(executed_report):
            if seconds >= 0.01:
                print(f"      {seconds:6.2f}  {line[:70]}")
    print(f"(e) first cell imports, cold interpreter: {first_cell_imports():.2f} s")
    print(f"end: {load()}; outputs kept in {scratch}")


if __name__ == "__main__":
    main()
