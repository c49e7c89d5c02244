"""One run at a time per output folder: a second ``report`` or ``batch`` into it is refused.

Refused rather than made to wait: a batch may hold a folder for hours, and a command that hangs
without a word is worse than one that names the run in the way. The lock is an operating-system
lock (``filelock``) on ``.cpts-analysis.lock`` in the folder, released by the system if its
holder dies; the file holds the holder's pid, command and start time, to name it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout

from cpts_analysis.core.formatting import format_date
from cpts_analysis.runner.errors import OutputBusy, OutputRefused

LOCK_FILE = ".cpts-analysis.lock"


@contextmanager
def holding(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir`` (created if needed) for the block, or raise :class:`OutputBusy`."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(
            out_dir / LOCK_FILE, timeout=0, thread_local=False, on_acquired=_write_holder
        )
        lock.acquire()
    except Timeout:
        raise OutputBusy(
            f"{out_dir} est déjà utilisé par une autre exécution ({_holder(out_dir)}) : "
            "attendez sa fin, ou choisissez un autre dossier avec --out"
        ) from None
    except OSError as exc:
        raise OutputRefused(
            f"impossible d'écrire dans le dossier de sortie {out_dir} : "
            f"{_reason(exc)} (choisissez un autre dossier avec --out)"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _write_holder(fd: int) -> None:
    """Who holds the lock, written into the lock file itself once it is held."""
    holder = {
        "pid": os.getpid(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    with suppress(OSError):  # a full disk: the lock holds all the same, unnamed
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder, ensure_ascii=False).encode(), 0)


def _holder(out_dir: Path) -> str:
    try:
        holder = json.loads((out_dir / LOCK_FILE).read_text(encoding="utf-8"))
        started = dt.datetime.fromisoformat(holder["started_at"])
        return (
            f"processus {holder['pid']}, « {holder['command']} », "
            f"démarré le {format_date(started.date())} à {started:%H:%M:%S}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "processus inconnu"


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "droits insuffisants"
    return exc.strerror or str(exc)
