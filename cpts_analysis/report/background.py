"""Work forked off a report kernel: another core draws or writes while the cells go on.

A report kernel runs its cells one after the other on one core; on a 2-core machine the other
sits idle. Work whose inputs are ready and whose result is needed only later (a figure's PNG,
the comparison's workbook) runs in a forked child instead: it finds its inputs already in
memory (nothing is pickled), starts in milliseconds and hands back bytes through a file. The
child never talks to the notebook (its output would go through the kernel's messaging threads,
which a forked child does not have): its standard streams lead nowhere, and a failure comes
back as one line, raised in French by :meth:`Forked.wait`.

Forking only pays where a core is idle: the kernel turns it on (:func:`use_idle_cores`) when
the runner says so (a single report; not a batch whose reports keep every core busy). Off,
without ``os.fork`` (Windows) or where forking a threaded process is unsafe (macOS), the work
runs in place: same result, one core.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable
from contextlib import suppress
from typing import NoReturn

from cpts_analysis.core.errors import CptsError

CAN_FORK = hasattr(os, "fork") and sys.platform != "darwin"
_enabled = False
_PR_SET_PDEATHSIG = 1  # prctl option, <linux/prctl.h>
_pending: set[Forked] = set()


def use_idle_cores() -> None:
    """From now on, :class:`Forked` work runs in a child process (where it can)."""
    global _enabled
    _enabled = CAN_FORK


def enabled() -> bool:
    return _enabled


class BackgroundError(CptsError):
    """Work done in the background failed; its message says which and why, in French."""


class Forked:
    """``work`` running in a child process (or done already, in place, when forking is off);
    :meth:`wait` returns the bytes it produced."""

    def __init__(self, what: str, work: Callable[[], bytes | None]) -> None:
        self.what = what
        self._pid: int | None = None
        self._status: int | None = None
        if not _enabled:
            self._result, self._error = _run_here(work)
            return
        # Unnamed (unlinked at once): whatever happens to either process, nothing stays on disk.
        self._output = tempfile.TemporaryFile(prefix="cpts-travail-")  # noqa: SIM115 (see wait)
        parent = os.getpid()
        # Python ≥ 3.12 warns when a threaded process forks (the kernel has messaging threads):
        # the child touches none of them, and the warning would land in the report.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _run_child(work, self._output.fileno(), parent)
        self._pid = pid
        _pending.add(self)

    def done(self) -> bool:
        """Whether :meth:`wait` would return at once."""
        if self._pid is not None and self._status is None:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                self._status = status
        return self._pid is None or self._status is not None

    def wait(self) -> bytes:
        """The work's bytes, once it is done; :class:`BackgroundError` if it failed."""
        if self._pid is not None:
            if self._status is None:
                self._status = os.waitpid(self._pid, 0)[1]
            self._output.seek(0)  # the child wrote through the same open file
            data = self._output.read()
            self._output.close()
            _pending.discard(self)
            self._pid = None
            if os.waitstatus_to_exitcode(self._status) == 0:
                self._result, self._error = data, ""
            else:
                self._result = b""
                self._error = data.decode("utf-8", "replace") or _killed(self._status)
        if self._error:
            raise BackgroundError(f"{self.what} a échoué : {self._error}")
        return self._result


def wait_all() -> None:
    """Reap every child still running (a report that failed before waiting for its own), so a
    warm kernel hands no process on to the next report."""
    for job in list(_pending):
        with suppress(BackgroundError):  # that report already failed: its files are discarded
            job.wait()


def _run_here(work: Callable[[], bytes | None]) -> tuple[bytes, str]:
    try:
        return work() or b"", ""
    except Exception as exc:
        return b"", _describe(exc)


def _run_child(work: Callable[[], bytes | None], output: int, parent: int) -> NoReturn:
    code = 1
    try:
        _die_with(parent)
        nowhere = os.open(os.devnull, os.O_WRONLY)
        for stream in (1, 2):  # C libraries' output too, and the kernel's pipes are let go
            os.dup2(nowhere, stream)
        sys.stdout = sys.stderr = open(nowhere, "w")  # noqa: SIM115 (the process ends here)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = work() or b""
        _write_all(output, result)
        code = 0
    except BaseException as exc:  # anything, even an interruption, is reported
        with suppress(OSError):
            _write_all(output, _describe(exc).encode("utf-8"))
    finally:
        os._exit(code)  # no atexit handler, no flush of the kernel's streams


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _die_with(parent: int) -> None:
    """A kernel killed outright (out of memory) takes its children along (Linux), rather than
    leave them writing into a report folder already discarded."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it died before the line above
            os._exit(1)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__} : {exc}" if str(exc) else type(exc).__name__


def _killed(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"processus arrêté par le signal {signal.Signals(os.WTERMSIG(status)).name}"
    return "processus terminé sans message"
