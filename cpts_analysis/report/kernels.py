"""One warm kernel per batch worker process.

Starting a kernel and importing pandas, matplotlib and the package costs more than computing a
department's report (measured: ~4 s cold, ~1.8 s warm). A worker therefore keeps its kernel
between reports: the namespace is reset before each report, a kernel is thrown away after any
failure so that a broken state never reaches the next report, and it is shut down when the
worker exits. Modules and the package's data caches survive, by design — the identical outputs
of warm and cold runs are checked in the tests.
"""

from __future__ import annotations

from multiprocessing import util

from jupyter_client.manager import KernelManager

_warm: dict[str, KernelManager] = {}
RESET = "%reset -f"


def warm_kernel(kernel_name: str, arguments: tuple[str, ...], timeout: float) -> KernelManager:
    """This process's kernel ``kernel_name``, started if needed, with an empty namespace."""
    manager = _warm.get(kernel_name)
    if manager is not None and manager.is_alive():
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout)
            client.execute_interactive(RESET, timeout=timeout)
        finally:
            client.stop_channels()
        return manager
    discard(kernel_name)
    manager = KernelManager(kernel_name=kernel_name)
    manager.start_kernel(extra_arguments=list(arguments))
    # Runs when a (spawned) worker process exits normally, where atexit hooks do not.
    util.Finalize(manager, manager.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    _warm[kernel_name] = manager
    return manager


def discard(kernel_name: str) -> None:
    """Shut the warm kernel down (after a failure, or when it died)."""
    manager = _warm.pop(kernel_name, None)
    if manager is not None and manager.has_kernel:
        manager.shutdown_kernel(now=True)
