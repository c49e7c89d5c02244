"""Benchmark of ``reform`` (rules in force vs a variant); prints figures, asserts nothing.

Times ``compare_variant`` on region 84 of the shipped registry (56 CPTS), then both worlds'
funding (``world_pieces``) on the same contracts replicated to national scale (about 1 000
signed CPTS, more than France counts), for the example variant that starts inside contract
years (the slowest case: the variant's contract years are priced twice).

    .venv/bin/python benchmarks/bench_reform.py [--copies N]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from cpts_analysis.aci.variants import load_variant
from cpts_analysis.analysis.comparison import FundingInputs, funding_inputs
from cpts_analysis.analysis.reform import compare_variant, world_pieces
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, PROJECT_ROOT
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.resolution import cpts_in
from cpts_analysis.territory.territories import cpts_summary

VARIANT = PROJECT_ROOT / "examples" / "variantes" / "taille2_fonctionnement_plus_10000.yaml"


def replicated(inputs: FundingInputs, copies: int) -> FundingInputs:
    """The same CPTS ``copies`` times, with distinct ids."""

    def repeat(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        return pd.concat(
            [frame.assign(cpts_id=frame["cpts_id"] + f"-{n}") for n in range(copies)],
            ignore_index=True,
        )

    return FundingInputs(*(repeat(f) for f in vars(inputs).values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20, help="replication factor")
    args = parser.parse_args()
    registry = load_registry(EXAMPLE_REGISTRY)
    variant = load_variant(VARIANT)

    start = time.perf_counter()
    result = compare_variant(registry, "region:84", variant, "2026-06-01")
    print(
        f"compare_variant, region 84 ({len(result.cpts)} CPTS): {time.perf_counter() - start:.2f} s"
    )

    cpts = cpts_in(result.territory, registry)
    summary = cpts_summary(cpts, registry.communes, "2026-06-01")
    big = replicated(
        funding_inputs(registry, cpts, summary.set_index("cpts_id")["population"]), args.copies
    )
    starts = variant.new_starts
    start = time.perf_counter()
    world_pieces(big, variant.base, starts, reprice=False)
    world_pieces(big, variant.tree, starts, reprice=True)
    elapsed = time.perf_counter() - start
    print(f"both worlds, {len(big.contracts)} signed CPTS: {elapsed:.2f} s")


if __name__ == "__main__":
    main()
