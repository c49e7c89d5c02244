"""Imported by the fork server of an embedded Dask cluster only, before it forks each worker.

It loads what a worker runs (Dask, the batch runner and papermill), once for all workers, then
sets these long-lived objects apart from the garbage collector (``gc.freeze``, as Python's
documentation advises before a fork): a collection in a worker would otherwise write to each
of them, copying the server's memory pages into every worker, and walk them all again.
"""

import gc

import distributed  # noqa: F401

from cpts_analysis.runner import batch, cluster  # noqa: F401

gc.freeze()
