"""How a report folder changes: only a complete success replaces it, files of others survive.

A run writes into a staging folder of its own (a unique hidden sibling of the report folder).
On success the staging folder takes the report folder's place in one rename (an exchange on
Linux); before that, every file the toolkit does not own (a user's ``notes.txt``) is linked into
it, so nothing of the user's is lost whatever happens. On failure the previous report stays as
it is: the failure is written beside it (``echec.txt``, and ``echec.ipynb`` when execution got
that far). Each published report carries ``.publication.json`` (its input hash, parameters and
date), which the manifest reads back: the manifest says what is on disk, not what was intended.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import functools
import json
import os
import platform
import re
import shutil
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

from cpts_analysis.core.files import write_text_atomic
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.vocabulary import REPORT_STATUSES
from cpts_analysis.report.sidecars import HEADLINE_FILE, TABLES_FILE
from cpts_analysis.runner.pdf import REPORT_PDF

REPORT_HTML = "report.html"
REPORT_NOTEBOOK = "report.ipynb"
FAILURE_NOTEBOOK = "echec.ipynb"
FAILURE_FILE = "echec.txt"
PUBLICATION_FILE = ".publication.json"
GENERATOR = "cpts-analysis"
REPORT_FILES = {
    "html": REPORT_HTML,
    "pdf": REPORT_PDF,
    "notebook": REPORT_NOTEBOOK,
    "headline": HEADLINE_FILE,
    "tables": TABLES_FILE,
}
FAILURE_FILES = {"failure_notebook": FAILURE_NOTEBOOK, "failure": FAILURE_FILE}
# Names the toolkit writes in a report folder (error.txt and failed.ipynb: before 0.2). Any
# other file is someone else's and is never deleted or overwritten.
OWNED = {*REPORT_FILES.values(), *FAILURE_FILES.values(), PUBLICATION_FILE}
OWNED |= {"error.txt", "failed.ipynb"}
_STAGING = re.compile(r"\.(?P<slug>[a-z0-9_-]+)\.(?P<kind>[0-9a-f]{32}\.tmp|tmp|old)")
_RENAME_EXCHANGE = 2


@functools.cache
def versions() -> dict[str, str]:
    """Versions of what makes a report, recorded with each publication."""
    return {
        "python": platform.python_version(),
        "cpts_analysis": metadata.version("cpts-analysis"),
        **{name: metadata.version(name) for name in ("papermill", "nbconvert", "pandas")},
    }


def new_staging(folder: Path) -> Path:
    """A fresh staging folder for one run into ``folder``: unique, so concurrent runs (or a run
    and the leftovers of a killed one) never share it."""
    staging = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
    staging.mkdir(parents=True)
    return staging


def remove_stale_staging(out_dir: Path) -> None:
    """Staging folders left by killed runs (called with the output folder locked)."""
    for template in (p for p in out_dir.iterdir() if p.is_dir() and not p.is_symlink()):
        for child in template.iterdir():
            match = _STAGING.fullmatch(child.name)
            if match is None or not child.is_dir() or child.is_symlink():
                continue
            unique = match["kind"] not in ("tmp", "old")
            # Names without a run's unique part (before 0.2): only beside their report folder.
            if unique or (template / match["slug"]).is_dir():
                discard_staging(child)


def discard_staging(staging: Path) -> None:
    """Remove a staging folder: a user's files in it are links, their originals stay put."""
    shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, folder: Path, record: dict[str, Any]) -> None:
    """Make ``staging`` the report folder ``folder``, with ``record`` as its publication record.

    Files of the previous folder that the toolkit does not own are linked in first; the previous
    folder's own files (the previous report, a failure) go with it.
    """
    write_text_atomic(staging / PUBLICATION_FILE, _json(record | {"generator": GENERATOR}))
    if not folder.exists():
        staging.rename(folder)
        return
    for child in _others(folder):
        _link_tree(child, staging / child.name)
    _exchange(staging, folder)
    for child in _others(staging):  # created after the links were made
        if not (folder / child.name).exists():
            child.rename(folder / child.name)
    shutil.rmtree(staging)


def record_failure(folder: Path, staging: Path | None, text: str) -> None:
    """Write the failure beside the previous report (or alone in a new folder).

    The executed notebook of the failed run becomes ``echec.ipynb``; an older one is removed
    so that it cannot be taken for this run's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    executed = staging / REPORT_NOTEBOOK if staging is not None else None
    if executed is not None and executed.exists():
        os.replace(executed, folder / FAILURE_NOTEBOOK)
    else:
        (folder / FAILURE_NOTEBOOK).unlink(missing_ok=True)
    write_text_atomic(folder / FAILURE_FILE, text)


def failure_text(label: str, key: str, error: str, outcome: str, published: dict | None) -> str:
    """``echec.txt``: what failed, when, and which report is still valid (in French)."""
    now = dt.datetime.now()
    what = REPORT_STATUSES["interrupted"] if outcome == "interrupted" else "en échec"
    lines = [
        f"Rapport {label} ({key}) {what} le {format_date(now.date())} à {now:%H:%M}.",
        f"Cause : {error}",
    ]
    if published:
        when = format_date(published["published_at"][:10])
        lines.append(f"Le rapport publié le {when} reste en place ({REPORT_HTML}).")
    else:
        lines.append("Aucun rapport valide n'a encore été publié dans ce dossier.")
    return "\n".join(lines) + "\n"


def clear_failure(folder: Path) -> None:
    """Remove the failure files of a previous attempt (the new report supersedes them)."""
    for name in FAILURE_FILES.values():
        (folder / name).unlink(missing_ok=True)


def read_published(folder: Path) -> dict[str, Any] | None:
    """The publication record of the report in ``folder``, or None (none there, or unreadable)."""
    path = folder / PUBLICATION_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("generator") != GENERATOR:
        return None
    if not (folder / REPORT_HTML).exists():
        return None
    return record


def files_present(folder: Path, names: dict[str, str]) -> dict[str, Path]:
    """Output kind → file, for the files of ``names`` present in ``folder``."""
    return {kind: folder / name for kind, name in names.items() if (folder / name).exists()}


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _others(folder: Path) -> list[Path]:
    return [child for child in folder.iterdir() if child.name not in OWNED]


def _link_tree(source: Path, target: Path) -> None:
    """Hard links (a copy where links are impossible): the original stays where it was."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(source, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _exchange(staging: Path, folder: Path) -> None:
    """Swap the two folders in one system call where the system has one (Linux ``renameat2``);
    elsewhere two renames, the report folder missing for an instant in between."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is not None:
        at_cwd = -100
        if renameat2(at_cwd, bytes(staging), at_cwd, bytes(folder), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(folder))
    aside = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
    folder.rename(aside)
    staging.rename(folder)
    aside.rename(staging)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
