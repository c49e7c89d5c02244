"""Benchmark of ``tables.xlsx``: ``write_workbook`` on the region report's tables.

Builds the tables of ``comparaison_territoriale`` for region 84 of the shipped registry as the
template does (comparison, yearly budget, indicators), then times ``write_workbook`` (best of
3, elapsed and CPU: other processes disturb the first) and the CPU spent in xlsxwriter's own
``close`` (XML and zip). Prints figures, asserts nothing. Run:

    .venv/bin/python benchmarks/bench_workbook.py [--keep FILE.xlsx]

``--keep`` leaves the last workbook written (with a fixed production date), to compare the
output of two versions cell by cell.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import pandas as pd

from cpts_analysis.analysis.budget import yearly_budget
from cpts_analysis.analysis.comparison import compare_territory
from cpts_analysis.analysis.indicators import cpts_indicators
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.core.vocabulary import SHEETS
from cpts_analysis.report.about import DATA_VINTAGES, about_rows, registry_meta
from cpts_analysis.report.content import comparison_tables
from cpts_analysis.report.workbook import write_workbook
from cpts_analysis.territory.registry import load_registry

TERRITORY, DATE = "84", "2025-07-03"
PRODUCED = dt.datetime(2025, 7, 3, 12, 0)


def region_tables() -> dict[str, pd.DataFrame]:
    """The sheets ``comparison_sidecars`` writes for the region report."""
    registry = load_registry(EXAMPLE_REGISTRY)
    result = compare_territory(registry, TERRITORY, DATE)
    tables = comparison_tables(result) | {
        "budget": yearly_budget(result.schedule, result.date),
        "indicators": cpts_indicators(registry, result.memberships).named_values(),
    }
    return {SHEETS.get(name, name): table for name, table in tables.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the workbook written here")
    arguments = parser.parse_args()
    tables = region_tables()
    cells = sum(table.size for table in tables.values())
    about = about_rows(
        {
            "title": "Comparaison territoriale des CPTS — région 84",
            "reference_date": DATE,
            "data_vintages": DATA_VINTAGES,
            "registry": registry_meta(load_registry(EXAMPLE_REGISTRY)),
        },
        PRODUCED,
    )
    from xlsxwriter.workbook import Workbook

    closing: list[float] = []
    close = Workbook.close

    def timed_close(self: Workbook) -> None:
        start = time.process_time()
        close(self)
        closing.append(time.process_time() - start)

    Workbook.close = timed_close  # type: ignore[method-assign]
    folder = Path(tempfile.mkdtemp())
    path = arguments.keep or folder / "tables.xlsx"
    wall, cpu = [], []
    for _ in range(3):
        path.unlink(missing_ok=True)
        start, start_cpu = time.perf_counter(), time.process_time()
        write_workbook(path, tables, about=about)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"region {TERRITORY}: {len(tables)} tables, {cells} cells (best of 3)")
    print(f"{'write_workbook, elapsed':<40} {min(wall) * 1000:8.1f} ms")
    print(f"{'write_workbook, CPU':<40} {min(cpu) * 1000:8.1f} ms")
    print(f"{'  of which xlsxwriter close(), CPU':<40} {min(closing) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
