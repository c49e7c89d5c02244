"""The ``cpts-analysis`` command line: one module per family of commands."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

HELP = {"-h", "--help"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; its exit code.

    ``report`` starts its kernel first: the kernel boots and imports the report modules (1–2 s)
    on another core while this process loads its own and checks the parameters, which it
    otherwise waited for. A refused parameter shuts it down unused.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    early = arguments[:1] == ["report"] and not HELP & set(arguments)
    if early:
        from cpts_analysis.runner import kernels

        kernels.prestart(idle_cores=True)  # a single report: the other cores are idle
    try:
        from cpts_analysis.cli.program import main as run

        return run(arguments)
    finally:
        if early:
            kernels.shutdown_all()


def command() -> None:
    """The ``cpts-analysis`` program: :func:`main`, then exit without walking the heap."""
    code = main()
    # The process ends: the collector need not walk its heap (notebooks, tables) a last time,
    # which took 0.4 s after a region report.
    gc.freeze()
    raise SystemExit(code)
