"""The Dask cluster a batch runs on: an embedded ``LocalCluster``, or an existing one.

Embedded (default): worker processes with one thread each, under nannies that replace a worker
that dies; the scheduler runs in this process, configured to rerun a report once after its
worker died (``allowed-failures = 1``), then to give up on it. Existing cluster
(``--scheduler``): the same jobs are submitted to it; its workers must have the package and
``data/`` installed and see the registry, templates and reports folder at the same paths as
this machine (a shared file system): reports are written by the workers straight into the
reports folder, so that large HTML pages never travel through the scheduler. That is checked
before any job is submitted.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dask
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from cpts_analysis.runner import forkserver, kernels, pdf
from cpts_analysis.runner.errors import ClusterError

# A report whose worker died is run once more, then recorded as failed. A worker holds only
# the report it runs (saturation 1), so that a dying worker never takes a queued one with it.
SCHEDULER_CONFIG = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.worker-saturation": 1.0,
}
CONNECT_TIMEOUT_S = 30
# Embedded workers are forked from a server that has imported what they run (see :mod:`forkserver`).
EMBEDDED_WORKER_CONFIG = {"distributed.worker.multiprocessing-method": forkserver.METHOD}


class WarmKernels(WorkerPlugin):
    """Starts the worker's warm kernels and, for a batch of PDFs, its browser (see
    :mod:`kernels`, :mod:`pdf`); shuts them down with it.

    A worker killed outright cannot run this: its kernels then exit on their own, as ipykernel
    watches its parent process, and its browser with Playwright's driver, which exits when the
    worker's end of its pipe closes.
    """

    name = "cpts-analysis-warm-kernels"

    def __init__(self, embedded: bool = False, pdf: bool = False, idle_cores: bool = False) -> None:
        self.embedded = embedded
        self.pdf = pdf
        self.idle_cores = idle_cores

    def setup(self, worker: Any) -> None:
        """One kernel per worker thread, booting and importing while the batch is planned.

        Workers of the embedded cluster share the command's terminal: Ctrl-C reaches them too.
        They ignore it, so that the command alone decides what an interruption leaves behind
        (its cluster then stops them); a worker of an existing cluster keeps its own Ctrl-C.
        """
        if self.embedded and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            # nbclient's "Kernel died" when the batch stops them: the result says it in French.
            logging.getLogger("papermill").setLevel(logging.CRITICAL)
        kernels.prestart(worker.state.nthreads, idle_cores=self.idle_cores)
        if self.pdf:  # one browser for the worker's threads, launched while the kernels boot
            pdf.start()

    def teardown(self, worker: Any) -> None:
        """The browser first: closing it is quick, and the nanny kills a worker slow to close."""
        pdf.close()
        kernels.shutdown_all()


@contextmanager
def connect(scheduler: str | None, workers: int, pdf: bool = False) -> Iterator[Client]:
    """A client on the cluster at ``scheduler``, or on an embedded cluster of ``workers``
    (``pdf``: the workers launch their browser as they start)."""
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"planificateur Dask injoignable à {scheduler} : {exc}") from None
        with client:
            _check_scheduler_config(client)
            client.register_plugin(WarmKernels(pdf=pdf))
            yield client
        return
    with dask.config.set({**SCHEDULER_CONFIG, **EMBEDDED_WORKER_CONFIG}):
        forkserver.start()  # before Dask, which would start it with its own list of imports
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",  # any free port: several batches may run at once
                silence_logs=logging.ERROR,
                # Each worker sets its kernels up as it starts (a replacement too), so that
                # they boot while the other workers and the client start.
                # Fewer workers than cores: their kernels draw figures on the idle ones.
                plugins={
                    WarmKernels(embedded=True, pdf=pdf, idle_cores=workers < (os.cpu_count() or 1))
                },
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client


def dashboard(client: Client) -> str | None:
    """The dashboard address, when the scheduler serves one (it needs bokeh installed)."""
    services = client.scheduler_info().get("services", {})
    if "dashboard" not in services or not client.run_on_scheduler(_has_bokeh):
        return None
    return str(client.dashboard_link)


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def check_paths(client: Client, out_dir: Path, paths: Sequence[Path]) -> None:
    """Fail unless every worker sees ``paths`` and the reports folder of this machine.

    A token file written here and looked for by the workers tells a shared folder from a
    homonym on the worker's own disk.
    """
    token = out_dir / f".cpts-batch-{uuid.uuid4().hex}"
    token.touch()
    try:
        missing = client.run(_missing, [str(token), *map(str, paths)])
    finally:
        token.unlink(missing_ok=True)
    problems = [
        f"le travailleur {worker} ne voit pas {', '.join(files)}"
        for worker, files in sorted(missing.items())
        if files
    ]
    if problems:
        raise ClusterError(
            "\n".join(
                [
                    *problems,
                    "les travailleurs doivent voir le registre, les modèles de rapport et le "
                    f"dossier des rapports ({out_dir}) aux mêmes chemins (dossier partagé)",
                ]
            )
        )


def _missing(paths: list[str]) -> list[str]:
    """Worker side: which of ``paths`` this worker cannot read (the token: also write)."""
    token, *others = paths
    missing = [p for p in others if not os.access(p, os.R_OK)]
    if not os.access(token, os.R_OK) or not os.access(Path(token).parent, os.W_OK):
        missing.insert(0, str(Path(token).parent))
    return missing


def _check_scheduler_config(client: Client) -> None:
    """An existing scheduler keeps its own settings; say which differ from the embedded one's."""
    found = client.run_on_scheduler(_scheduler_config, list(SCHEDULER_CONFIG))
    for key, expected in SCHEDULER_CONFIG.items():
        if found[key] != expected:
            variable = "DASK_" + key.upper().replace(".", "__").replace("-", "_")
            logging.getLogger(__name__).warning(
                "planificateur Dask : %s = %s (attendu %s pour qu'un rapport dont le travailleur "
                "meurt soit relancé une fois, sans emporter les autres ; démarrez-le avec %s=%s)",
                key,
                found[key],
                expected,
                variable,
                expected,
            )


def _scheduler_config(keys: list[str]) -> dict[str, Any]:
    """Scheduler side: the settings it runs with."""
    return {key: dask.config.get(key) for key in keys}
