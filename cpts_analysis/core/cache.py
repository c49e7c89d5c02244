"""On-disk cache of what reports derive from unchanged inputs (registry, reference data).

A report recomputes work whose inputs rarely change between two runs: validating the registry,
merging commune contours into CPTS territories and outlines. Those results are kept in the
user's cache folder and reused by every process — the parent checking parameters, each report
kernel, every batch worker.

Keys: each entry hashes its own inputs (the registry's bytes, the memberships drawn, the
region) with the *environment*: the package version, the bytes of its source and legal
parameter files (an editable install changes code without changing its version), and the
bytes of the reference data files of ``data/``. A change to any of them never reuses an entry.

Where: ``CPTS_CACHE_DIR``, else the user's cache folder (platformdirs:
``$XDG_CACHE_HOME/cpts-analysis``, by default ``~/.cache/cpts-analysis``). ``CPTS_NO_CACHE=1``
turns it off (``report`` and ``batch --no-cache`` set it; report kernels inherit it);
``cpts-analysis cache --clear`` empties it.

Storage: diskcache, SQLite-backed. A value is written whole before the transaction that
records its key commits, so a reader sees a whole entry or none, and two processes filling the
same key each write a whole value (the last one stays). A value that cannot be read back (a
damaged file) is deleted and rebuilt; a folder that cannot be used at all means computing
without cache, never a failed report.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cpts_analysis.core.paths import DATA_DIR, PACKAGE_DIR, PARAMETERS_DIR

if TYPE_CHECKING:
    import diskcache
    import pandas as pd

CACHE_DIR_ENV = "CPTS_CACHE_DIR"
NO_CACHE_ENV = "CPTS_NO_CACHE"
SIZE_LIMIT = 2**30  # bytes; beyond it diskcache evicts the least recently stored entries
T = TypeVar("T")
_MISSING = object()


def cache_dir() -> Path:
    """The cache folder: ``CPTS_CACHE_DIR``, else the user's cache folder for the package."""
    if folder := os.environ.get(CACHE_DIR_ENV):
        return Path(folder)
    import platformdirs

    return Path(platformdirs.user_cache_dir("cpts-analysis", appauthor=False))


def cache_enabled() -> bool:
    return os.environ.get(NO_CACHE_ENV, "") in ("", "0")


def digest(*parts: object) -> str:
    """A short stable hash of ``parts`` (bytes as they are, anything else by its ``repr``)."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else repr(part).encode())
        hasher.update(b"\x00")
    return hasher.hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """Hash of the names and bytes of ``paths`` (each file read once per process and change)."""
    stamps = []
    for path in sorted(paths):
        stat = path.stat()
        stamps.append((str(path), stat.st_size, stat.st_mtime_ns))
    return digest(*(f"{Path(p).name}={_file_bytes_digest(p, s, m)}" for p, s, m in stamps))


def frame_digest(frame: pd.DataFrame) -> str:
    """Hash of a table's columns and values, in row order."""
    import pandas as pd

    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return digest(list(frame.columns), rows.tobytes())


def environment() -> str:
    """What every entry depends on: package version and code, legal parameters, data files."""
    sources = list(PACKAGE_DIR.rglob("*.py"))
    parameters = [p for p in Path(PARAMETERS_DIR).rglob("*") if p.is_file()]
    data = [p for p in Path(DATA_DIR).glob("*") if p.is_file()]
    return digest(
        version("cpts-analysis"),
        files_digest(sources),
        files_digest(parameters),
        files_digest(data),
    )


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """The value stored for ``kind`` and ``key`` (with the environment), else ``build()``,
    stored for next time. With the cache off or unusable, just ``build()``."""
    if not cache_enabled():
        return build()
    try:
        store = _open(cache_dir(), os.getpid())
        full_key = f"{kind}-{digest(environment(), key)}"
    except (OSError, sqlite3.Error):
        return build()
    try:
        value = store.get(full_key, default=_MISSING, retry=True)
    except Exception:  # any failure to read a value back is a damaged entry: drop it
        _forget(store, full_key)
        value = _MISSING
    if value is _MISSING:
        value = build()
        _store(store, full_key, value)
    return value


def clear() -> int:
    """Empty the cache folder; the number of entries it held (0 when it was unreadable)."""
    folder = cache_dir()
    if not folder.exists():
        return 0
    try:
        count = len(_open(folder, os.getpid()))
    except (OSError, sqlite3.Error):
        count = 0
    _open.cache_clear()
    shutil.rmtree(folder)
    return count


def usage() -> tuple[int, int]:
    """(entries, bytes on disk) of the cache folder."""
    folder = cache_dir()
    if not folder.exists():
        return 0, 0
    store = _open(folder, os.getpid())
    return len(store), sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@functools.lru_cache(maxsize=4)
def _open(folder: Path, _pid: int) -> diskcache.Cache:
    """One connection per folder and process (a forked worker opens its own)."""
    import diskcache

    return diskcache.Cache(str(folder), size_limit=SIZE_LIMIT)


@functools.lru_cache(maxsize=1024)
def _file_bytes_digest(path: str, _size: int, _mtime_ns: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()


def _store(store: diskcache.Cache, key: str, value: Any) -> None:
    import diskcache

    # A full disk or a locked folder costs the next run a recomputation, nothing else.
    with contextlib.suppress(OSError, sqlite3.Error, diskcache.Timeout):
        store.set(key, value, retry=True)


def _forget(store: diskcache.Cache, key: str) -> None:
    import diskcache

    with contextlib.suppress(OSError, sqlite3.Error, diskcache.Timeout):
        store.delete(key, retry=True)
