"""Warm kernels for batch workers, and the time limit that kills a hung one.

Starting a kernel and importing pandas, matplotlib and the package costs more than computing a
department's report. A batch worker therefore keeps its kernels between reports: a report takes
an idle kernel (its namespace reset first) or starts one, gives it back after a success, and a
kernel is thrown away after any failure so that a broken state never reaches the next report.
The Dask worker plugin (:mod:`~cpts_analysis.runner.cluster`) shuts them all down with the
worker. Modules and the package's data caches survive a reset, by design — the identical outputs
of warm and cold runs are checked in the tests.

Asynchronous kernel managers, as nbclient makes its own: with a blocking client, nbclient would
wait on a killed kernel's output forever. A pool rather than one kernel per process: a worker of
an existing cluster may run several reports at once (one per thread), each in its own kernel.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import default

from cpts_analysis.core.cache import NO_CACHE_ENV
from cpts_analysis.report import kernel_hooks
from cpts_analysis.report.kernel_hooks import kernel_call

KERNEL_NAME = "python3"
# The kernel's own log prints two lines per run (TCP encryption warning, shutdown interrupt)
# that would bury a batch's progress bar; notebook errors are in the cell outputs anyway.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=CRITICAL",)


class ReadyClient(AsyncKernelClient):
    """jupyter_client's kernel client, without the 0.2 s of silence it waits for once ready.

    nbclient calls ``wait_for_ready`` before every run. jupyter_client's version ends by
    draining the output channel until it stays quiet for 0.2 s: a fifth of a warm report, to
    drop the status messages of its own readiness probe. nbclient ignores them anyway, as it
    keeps only the outputs whose parent is the request it sent. The handshake itself is
    kept: a ``kernel_info`` reply, then one message on the output channel, proof that it is
    connected (a report's outputs would be lost otherwise).
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            with suppress(Empty):
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await self.iopub_channel.get_msg(timeout=0.2)
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} s")


class LocalKernelManager(AsyncKernelManager):
    """A kernel reached through Unix sockets in the temporary folder, not through TCP ports.

    With TCP the parent picks free ports and the kernel binds them a moment later: another
    process (a Dask worker, another report's kernel) can take one in between, and the kernel
    dies with "Address already in use". Sockets under a unique name cannot collide; like
    TCP on 127.0.0.1, they are open to local users and guarded by the connection's HMAC key.
    """

    @default("transport")
    def _ipc_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _socket_prefix(self) -> str:
        return str(Path(tempfile.gettempdir()) / f"cpts-noyau-{uuid.uuid4().hex[:12]}")


_idle: dict[str, list[AsyncKernelManager]] = {}
_busy: set[AsyncKernelManager] = set()
_lock = threading.Lock()
# Kernels shut down by shutdown_all while a report ran in them: that report was interrupted.
_stopped: weakref.WeakSet[AsyncKernelManager] = weakref.WeakSet()


def acquire(kernel_name: str, arguments: tuple[str, ...], timeout: float) -> AsyncKernelManager:
    """An idle kernel ``kernel_name`` with an empty namespace, or a new one."""
    while True:
        with _lock:
            manager = _idle.get(kernel_name, []).pop() if _idle.get(kernel_name) else None
        if manager is None:
            break
        if run_sync(manager.is_alive)():
            _mark_busy(manager)
            try:
                _run(manager, _reset(), timeout)
            except BaseException:
                discard(manager)
                raise
            return manager
        discard(manager)
    manager = _manager(kernel_name)
    _mark_busy(manager)
    try:
        run_sync(manager.start_kernel)(extra_arguments=list(arguments))
    except BaseException:
        discard(manager)
        raise
    return manager


def prestart(
    count: int = 1,
    kernel_name: str = KERNEL_NAME,
    arguments: tuple[str, ...] = KERNEL_ARGUMENTS,
    *,
    idle_cores: bool = False,
) -> None:
    """Start kernels until ``count`` are idle, for later :func:`acquire` calls (a kernel
    started earlier by this process counts). Each imports the report modules as it boots (the
    templates' first cell would pay for them otherwise) and, if ``idle_cores``, draws its
    figures and writes its big workbook on other cores (see
    :func:`~cpts_analysis.report.kernel_hooks.preload`).

    Kernels boot in their own processes while the caller goes on; starting returns at once.
    """
    preload = f"--IPKernelApp.exec_lines={kernel_call(kernel_hooks.preload, idle_cores)}"
    with _lock:
        missing = count - len(_idle.get(kernel_name, []))
    for _ in range(missing):
        manager = _manager(kernel_name)
        run_sync(manager.start_kernel)(extra_arguments=[*arguments, preload])
        release(manager)


def release(manager: AsyncKernelManager) -> None:
    """Give a kernel back after a successful report."""
    with _lock:
        _busy.discard(manager)
        _idle.setdefault(manager.kernel_name, []).append(manager)


def discard(manager: AsyncKernelManager) -> None:
    """Shut a kernel down (after a failure, or when it died)."""
    with _lock:
        _busy.discard(manager)
    if manager.has_kernel:
        run_sync(manager.shutdown_kernel)(now=True)


def shutdown_all() -> None:
    """Shut every kernel of this process down (the worker is closing)."""
    with _lock:
        managers = [m for idle in _idle.values() for m in idle] + list(_busy)
        _stopped.update(_busy)
        _idle.clear()
        _busy.clear()
    for manager in managers:
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)


def stopped(manager: AsyncKernelManager | None) -> bool:
    """Whether ``manager``'s kernel was shut down by :func:`shutdown_all` while in use."""
    return manager is not None and manager in _stopped


@contextmanager
def time_limit(manager: AsyncKernelManager, seconds: float) -> Iterator[threading.Event]:
    """Kill the kernel (and its process group) if the block runs longer than ``seconds``.

    The event tells the caller the kernel was killed for its time limit; the code waiting on
    the kernel then fails with a dead-kernel error, and the caller discards the kernel.
    """
    fired = threading.Event()

    def kill() -> None:
        fired.set()
        provisioner = manager.provisioner
        pid = getattr(provisioner, "pid", None)
        if pid is None:
            return
        # Kernels start in their own session: the group holds whatever the notebook spawned.
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)

    timer = threading.Timer(max(0.0, seconds), kill)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def _reset() -> str:
    """The reset a kernel runs before each report, with the cache setting of this process
    (``--no-cache`` may have been read after the kernel started)."""
    return kernel_call(kernel_hooks.reset, {NO_CACHE_ENV: os.environ.get(NO_CACHE_ENV, "")})


def _manager(kernel_name: str) -> AsyncKernelManager:
    return LocalKernelManager(kernel_name=kernel_name, client_factory=ReadyClient)


def _mark_busy(manager: AsyncKernelManager) -> None:
    with _lock:
        _busy.add(manager)


def _run(manager: AsyncKernelManager, code: str, timeout: float) -> None:
    """Run ``code`` silently and wait for its reply on the shell channel only.

    Not ``wait_for_ready`` + ``execute_interactive``: they listen to the output channel, which
    they flush for 0.2 s first — a fifth of a warm report, for outputs nobody reads.
    """
    run_sync(_execute_quietly)(manager, code, timeout)


async def _execute_quietly(manager: AsyncKernelManager, code: str, timeout: float) -> None:
    client = manager.client()
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    try:
        msg_id = client.execute(code, silent=True, store_history=False)
        while True:
            reply = await client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        client.stop_channels()
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code} : {reply['content'].get('evalue', 'erreur sans message')}")
