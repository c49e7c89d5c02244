"""Benchmark of the figures of the region comparison report; prints figures, asserts nothing.

Builds the comparison of a territory (84, the region, by default) with the calls of
``notebooks/comparaison_territoriale.ipynb`` and runs its figure-drawing sections as the
report does, with ``plots.show`` replaced by a recorder. Per figure it prints the time to
build it (from the end of the previous figure: the section's own preparation included), the
time to render its PNG, and the PNG's size. The first run of each figure is a warm-up (fonts,
glyph caches); the times printed are the median of ``--repeat`` runs, in CPU seconds of this
process (``time.process_time``: the drawing is single-threaded, and CPU time stays comparable
when other processes load the machine, where wall time does not), with the wall time of a
whole pass at the end.

Optionally (``--shots DIR``) writes each figure's PNG, named by its position and title.

    .venv/bin/python benchmarks/bench_figures.py [--territory 84] [--repeat 3] [--shots DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure


def sections(territory: str) -> list[tuple[str, Callable[[], object]]]:
    """The report's figure-drawing steps, in the template's order, as zero-argument calls."""
    from cpts_analysis.analysis.comparison import compare_territory
    from cpts_analysis.analysis.indicators import cpts_indicators
    from cpts_analysis.report import comparison_sections, indicator_content, maps, plots
    from cpts_analysis.report.content import map_layers
    from cpts_analysis.report.inputs import ComparisonInputs
    from cpts_analysis.territory.registry import load_registry
    from cpts_analysis.territory.registry.indicator_file import with_indicator_file

    inputs = ComparisonInputs.checked(territoire=territory)
    registry = load_registry(inputs.registry_path)
    result = compare_territory(registry, inputs.territoire, inputs.date)
    names = result.cpts.set_index("cpts_id")["nom"]
    layers = map_layers(result, names)
    indicators = cpts_indicators(
        with_indicator_file(registry, inputs.indicateurs), result.memberships
    )
    return [
        ("funding", lambda: comparison_sections.funding_chart(result, names)),
        ("budget", lambda: comparison_sections.budget_section(result)),
        ("per_inhabitant", lambda: comparison_sections.per_inhabitant_chart(result)),
        ("deployment", lambda: comparison_sections.deployment_section(result, names)),
        ("territory_map", lambda: plots.show(maps.territory_map(**map_layers(result, names)))),
        ("coverage", lambda: plots.show(plots.coverage_bars(result.coverage))),
        (
            "indicators",
            lambda: indicator_content.indicator_sections(indicators, names, layers),
        ),
    ]


def record(steps: list[tuple[str, Callable[[], object]]]) -> list[tuple[str, float, float, bytes]]:
    """(figure name, build s, render s, PNG) for each figure the steps show."""
    from cpts_analysis.report import comparison_sections, indicator_content, plots

    shown: list[tuple[str, float, float, bytes]] = []
    clock = [0.0]
    current = [""]  # the step being run

    def recorder(figure: Figure) -> None:
        built = time.process_time() - clock[0]
        start = time.process_time()
        image = plots.png(figure)
        rendered = time.process_time() - start
        shown.append((f"{current[0]}: {plots.alt_text(figure)[:50]}", built, rendered, image))
        clock[0] = time.process_time()

    # Tables and headings are not drawn here (no kernel), only figures.
    displaying = (comparison_sections, indicator_content)
    originals = plots.show, [module.display for module in displaying]
    plots.show = recorder
    for module in displaying:
        module.display = lambda *args, **kwargs: None
    try:
        for step, call in steps:
            current[0] = step
            clock[0] = time.process_time()
            call()
    finally:
        plots.show = originals[0]
        for module, display in zip(displaying, originals[1], strict=True):
            module.display = display
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territory", default="84")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shots", type=Path)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    steps = sections(args.territory)
    record(steps)  # warm-up
    start = time.perf_counter()
    runs = [record(steps) for _ in range(args.repeat)]
    wall = (time.perf_counter() - start) / args.repeat
    print(f"{'figure (CPU seconds)':<70} {'build s':>8} {'png s':>7} {'png kB':>7}")
    totals = [0.0, 0.0, 0]
    for index, (name, _, _, image) in enumerate(runs[0]):
        built = statistics.median(run[index][1] for run in runs)
        rendered = statistics.median(run[index][2] for run in runs)
        print(f"{name:<70} {built:8.3f} {rendered:7.3f} {len(image) / 1000:7.0f}")
        totals[0] += built
        totals[1] += rendered
        totals[2] += len(image)
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"\W+", "_", name.split(":")[0] + "_" + name.split(": ", 1)[1]).lower()
            (args.shots / f"{index:02d}_{slug[:40]}.png").write_bytes(image)
    print(f"{'total (' + str(len(runs[0])) + ' figures)':<70} {totals[0]:8.3f} {totals[1]:7.3f}")
    print(f"{'':<70} {'':>8} {'':>7} {totals[2] / 1000:7.0f}")
    print(f"wall time of a pass over every figure: {wall:.3f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
