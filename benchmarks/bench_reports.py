"""Benchmark of report generation; prints figures, asserts nothing.

In one run it times, as a user would launch them (subprocesses):
  (a) one Papermill CLI run of an empty notebook — the floor of any notebook report;
  (b) one comparison report through ``cpts-analysis report`` (region 84);
  (c) ``cpts-analysis batch --by departement`` on the shipped registry (12 departments of 84);
  (d) the imports of the comparison template's first cell in a fresh interpreter (cold);
and prints per-report times, ratio = batch_wall / (N × empty_run) (target ≤ 0.5), report / empty
run (target ≤ 3), the warm report p50 (target ≤ 1 s), and the peak resident memory of each
command's whole process tree (target ≤ 1 GB).

    .venv/bin/python benchmarks/bench_reports.py [--workers N] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil

BIN = Path(sys.executable).parent
# Reading the memory of a dozen processes (PSS walks their page tables) costs CPU the measured
# command then lacks: at 20 samples a second it doubled a 2-core batch's wall time.
SAMPLE_S = 0.25


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall time (s), peak RSS and peak PSS (MB) summed over the command and its descendants.

    RSS counts the libraries shared by the worker and kernel processes once per process; PSS
    shares them out, so its sum is the memory the machine really gave the command.
    """
    start = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--date", default="2025-06-01")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-reports-"))

    empty = scratch / "empty.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, empty)
    runs = [
        measure(
            [
                str(BIN / "papermill"),
                str(empty),
                str(scratch / "out.ipynb"),
                "--no-progress-bar",
                "--log-level",
                "ERROR",
            ]
        )
        for _ in range(3)
    ]
    empty_run = min(wall for wall, _, _ in runs)
    print(
        f"(a) papermill CLI, empty notebook: {empty_run:6.2f} s (best of 3), "
        f"{memory(max(r[1] for r in runs), max(r[2] for r in runs))}"
    )

    report_wall, report_rss, report_pss = measure(
        [
            str(BIN / "cpts-analysis"),
            "report",
            "--territory",
            "84",
            "--date",
            args.date,
            "--out",
            str(scratch / "one"),
        ]
    )
    print(
        f"(b) comparison report, region 84 (CLI): {report_wall:6.2f} s, "
        f"{memory(report_rss, report_pss)}; report / empty run = "
        f"{report_wall / empty_run:.2f}   (target ≤ 3)"
    )

    out = scratch / "batch"
    batch_wall, batch_rss, batch_pss = measure(
        [
            str(BIN / "cpts-analysis"),
            "batch",
            "--by",
            "departement",
            "--date",
            args.date,
            "--workers",
            str(args.workers),
            "--out",
            str(out),
        ]
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    records = manifest.get("reports", manifest)
    durations = {key: r["attempt"]["duration_s"] or 0 for key, r in records.items()}
    print(
        f"(c) batch by department, {len(durations)} reports, {args.workers} workers: "
        f"{batch_wall:6.2f} s wall, {memory(batch_rss, batch_pss)}"
    )
    for key, seconds in sorted(durations.items()):
        print(f"      {key:<50} {seconds:6.2f} s")
    warm = statistics.median(durations.values())
    print(f"warm report p50 (batch, per report): {warm:.2f} s   (target ≤ 1.0 s)")
    ratio = batch_wall / (len(durations) * empty_run)
    print(
        f"ratio batch_wall / (N × empty_run) = {batch_wall:.2f} / ({len(durations)} × "
        f"{empty_run:.2f}) = {ratio:.2f}   (target ≤ 0.5)"
    )
    print(
        f"peak over all runs: {memory(max(report_rss, batch_rss), max(report_pss, batch_pss))}"
        "   (target ≤ 1000 MB)"
    )
    print(f"(d) first cell imports, cold interpreter: {first_cell_imports():.2f} s")
    print(f"outputs kept in {scratch}")


if __name__ == "__main__":
    main()
