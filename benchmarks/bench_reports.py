"""Benchmark of report generation; prints figures, asserts nothing.

In one run it times, as a user would launch them (subprocesses):
  (a) one Papermill CLI run of an empty notebook — the floor of any notebook report;
  (b) one comparison report through ``cpts-analysis report`` (region 84);
  (c) ``cpts-analysis batch --by departement`` on the shipped registry (12 departments of 84);
and prints per-report times, ratio = batch_wall / (N × empty_run) (target ≤ 0.5) and the peak
resident memory of each command's whole process tree (target ≤ 1 GB).

    .venv/bin/python benchmarks/bench_reports.py [--workers N] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil

BIN = Path(sys.executable).parent


def measure(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of the command and all its descendants."""
    start = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    return wall, peak / 1e6


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
    empty_run = min(wall for wall, _ in runs)
    print(
        f"(a) papermill CLI, empty notebook: {empty_run:6.2f} s (best of 3), "
        f"peak {max(m for _, m in runs):6.0f} MB"
    )

    report_wall, report_peak = measure(
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
        f"(b) comparison report, region 84 (CLI): {report_wall:6.2f} s, peak {report_peak:6.0f} MB"
    )

    out = scratch / "batch"
    batch_wall, batch_peak = measure(
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
    durations = {key: r["duration_s"] for key, r in records.items()}
    print(
        f"(c) batch by department, {len(durations)} reports, {args.workers} workers: "
        f"{batch_wall:6.2f} s wall, peak {batch_peak:6.0f} MB"
    )
    for key, seconds in sorted(durations.items()):
        print(f"      {key:<50} {seconds:6.2f} s")
    ratio = batch_wall / (len(durations) * empty_run)
    print(
        f"ratio batch_wall / (N × empty_run) = {batch_wall:.2f} / ({len(durations)} × "
        f"{empty_run:.2f}) = {ratio:.2f}   (target ≤ 0.5)"
    )
    print(f"peak RSS over all runs: {max(report_peak, batch_peak):.0f} MB   (target ≤ 1000 MB)")
    print(f"outputs kept in {scratch}")


if __name__ == "__main__":
    main()
