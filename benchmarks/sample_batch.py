"""A batch of a sample of a registry's reports, as ``batch`` runs them (embedded cluster).

Run by ``bench_national.py`` as a subprocess, so that the memory of its whole process tree
(runner, workers, kernels, browsers) is measured as for the CLI. The sample is spread over the
registry's list of territories (every k-th), not its first ones.

    .venv/bin/python benchmarks/sample_batch.py BY REGISTRY OUT WORKERS DATE N [--pdf]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from cpts_analysis.runner import jobs
from cpts_analysis.runner.batch import run_batch


def main() -> None:
    by, registry, out, workers, date, size, *flags = sys.argv[1:]
    options = {"registry": registry, "date": date, "variant": None, "indicateurs": None}
    every = jobs.batch_jobs(by, None, options)
    sample = every[:: max(1, len(every) // int(size))][: int(size)]
    printing = "--pdf" in flags
    result = run_batch(
        [replace(job, pdf=printing) for job in sample], Path(out), int(workers), timeout=600
    )
    if result.any_failed:
        raise SystemExit(f"{len(result.failed)} report(s) failed: {result.failed[0].error}")


if __name__ == "__main__":
    main()
