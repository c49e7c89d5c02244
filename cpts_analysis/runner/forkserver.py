"""The process that the workers of an embedded Dask cluster are forked from.

Dask starts each worker afresh by default (``spawn``): two workers starting together on two
cores spent a second or more each importing Dask, papermill and the batch runner. Forked
instead from a server that has imported them once
(:mod:`~cpts_analysis.runner.worker_preload`), they start at once. The server imports in its
own process: started as soon as a batch command knows it will need it, it does so on a core
that the command, still loading its own modules and planning its reports, leaves idle. It
stops when the process that started it ends.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

METHOD = "forkserver"
# A module name, as multiprocessing asks: importing worker_preload here would load Dask in the
# command's own process, which is what the server is for (a test imports it by this name).
PRELOAD = [f"{__package__}.worker_preload"]


def start() -> None:
    """Start the fork server if it does not run yet; returns without waiting for its imports."""
    multiprocessing.get_context(METHOD).set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()
