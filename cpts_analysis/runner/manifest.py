"""``manifest.json``: what is on disk in a reports folder, and how the last attempt went.

One entry per report: ``status`` (the last attempt's outcome: ``ok``, ``skipped`` — up to
date, not rerun —, ``failed``, ``interrupted``, or ``running`` while a run holds the folder),
``published`` (the report actually in its folder: input hash, parameters, date, files; None if
there is none) and ``attempt`` (when the last attempt started and ended, its input hash and its
error). A run marks its reports ``running`` before it starts them and rewrites the manifest
atomically after each one, so a run killed outright leaves entries that the next run reads as
``interrupted``. ``published`` is read back from each report folder's publication record when
the manifest is loaded: the disk, not the manifest, has the last word.

It also decides what a rerun can skip: a report whose published inputs hash (template,
parameters, declared input files, package version) is the one asked for, its files all there.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeGuard

from cpts_analysis.core.files import write_text_atomic
from cpts_analysis.runner.errors import OutputRefused, ReportInputError
from cpts_analysis.runner.execute import ReportResult
from cpts_analysis.runner.publication import (
    FAILURE_FILES,
    GENERATOR,
    REPORT_FILES,
    files_present,
    read_published,
)

log = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
FORMAT = 2
PACKAGE_VERSION = version("cpts-analysis")
RERUN_WITH_ONLY_FAILED = ("failed", "interrupted")
_KEY = re.compile(r"[a-z0-9_-]+/[a-z0-9_-]+")
ENTRY_KEYS = {"slug", "label", "notebook", "status", "published", "attempt"}


def input_hash(notebook: Path, parameters: dict, label: str, inputs: Iterable[Path]) -> str:
    """Fingerprint of everything a report is made from; equal hashes mean an identical report.

    The label is included because it is printed in the page header. An input may be a folder:
    every file under it counts.
    """
    digest = hashlib.sha256(notebook.read_bytes())
    settings = {"parameters": parameters, "label": label, "cpts_analysis": PACKAGE_VERSION}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for path in sorted(Path(p).resolve() for p in inputs):
        if not path.exists():
            raise ReportInputError(f"fichier d'entrée introuvable : {path}")
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for file in files:  # a registry may be a folder of CSV files
            stat = file.stat()
            digest.update(f"{file}\0{_file_hash(file, stat.st_mtime_ns, stat.st_size)}".encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _file_hash(path: Path, _mtime_ns: int, _size: int) -> str:
    # Every job of a batch declares the same registry: hash it once (until it changes).
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Report key → entry, checked against the disk (empty when there is no manifest yet).

    Call it with the folder locked (:mod:`~cpts_analysis.runner.output_lock`): an entry still
    ``running`` then belongs to a run that died, and becomes ``interrupted``. A manifest that
    cannot be read (or of an older format) is renamed aside with a warning, and every report
    is redone; a JSON file that cpts-analysis did not write is refused.
    """
    path = out_dir / MANIFEST_FILE
    if not path.exists():
        return {}
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        _set_aside(path, "illisible (JSON invalide)")
        return {}
    if not isinstance(payload, dict) or (
        payload.get("generator") != GENERATOR and payload.get("format") != 1
    ):
        raise OutputRefused(
            f"{path} n'a pas été écrit par cpts-analysis : déplacez-le, ou choisissez un autre "
            "dossier avec --out (il n'est jamais écrasé)"
        )
    reports = payload.get("reports")
    if payload.get("format") != FORMAT or not _well_formed(reports):
        _set_aside(path, "d'un format ancien ou inattendu")
        return {}
    return {key: _checked_against_disk(out_dir, key, entry) for key, entry in reports.items()}


def save(out_dir: Path, reports: dict[str, dict[str, Any]]) -> Path:
    path = out_dir / MANIFEST_FILE
    payload = {
        "generator": GENERATOR,
        "format": FORMAT,
        "updated_at": _now(),
        "reports": {key: reports[key] for key in sorted(reports)},
    }
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path


def started(
    previous: dict[str, Any] | None,
    notebook: Path,
    slug: str,
    label: str,
    parameters: dict[str, Any],
    digest: str,
) -> dict[str, Any]:
    """The entry of a report about to run: ``running``, its published report unchanged."""
    return {
        "slug": slug,
        "label": label,
        "notebook": str(notebook),
        "status": "running",
        "published": previous["published"] if previous else None,
        "attempt": {
            "started_at": _now(),
            "finished_at": None,
            "input_hash": digest,
            "parameters": parameters,
            "duration_s": None,
            "error": None,
            "failure": None,
        },
    }


def record(entry: dict[str, Any], result: ReportResult, out_dir: Path) -> dict[str, Any]:
    """``entry`` (from :func:`started`) once its run returned ``result``."""
    error = result.error
    attempt = entry["attempt"] | {
        "finished_at": _now(),
        "duration_s": result.duration_s,
        "error": None
        if error is None
        else {
            "cell": error.cell,
            "source": error.source,
            "ename": error.ename,
            "evalue": error.evalue,
        },
        "failure": _relative(out_dir, result.outputs.get("failure")),
    }
    return entry | {
        "status": result.status,
        "published": _published(out_dir, result.folder),
        "attempt": attempt,
    }


def interrupted(entry: dict[str, Any], reason: str) -> dict[str, Any]:
    """A ``running`` entry whose run stopped before its report returned."""
    if entry["status"] != "running":
        return entry
    error = {"cell": None, "source": "", "ename": "Interruption", "evalue": reason}
    attempt = entry["attempt"] | {"finished_at": _now(), "error": error}
    return entry | {"status": "interrupted", "attempt": attempt}


def reusable(entry: dict[str, Any] | None, out_dir: Path, digest: str, pdf: bool = False) -> bool:
    """True when the published report has the inputs asked for and its files are all there."""
    published = entry["published"] if entry else None
    return (
        published is not None
        and published["input_hash"] == digest
        and (not pdf or "pdf" in published["outputs"])
        and all((out_dir / path).exists() for path in published["outputs"].values())
    )


def _published(out_dir: Path, folder: Path) -> dict[str, Any] | None:
    """What the report folder holds, from its publication record (None: no valid report)."""
    record = read_published(folder)
    if record is None:
        return None
    outputs = files_present(folder, REPORT_FILES)
    return {
        "input_hash": record.get("input_hash", ""),
        "parameters": record.get("parameters", {}),
        "published_at": record.get("published_at", ""),
        "duration_s": record.get("duration_s"),
        "versions": record.get("versions", {}),
        "outputs": {kind: path.relative_to(out_dir).as_posix() for kind, path in outputs.items()},
    }


def _checked_against_disk(out_dir: Path, key: str, entry: dict[str, Any]) -> dict[str, Any]:
    folder = out_dir / key
    entry = entry | {"published": _published(out_dir, folder)}
    if entry["status"] == "running":
        entry = interrupted(entry, "exécution arrêtée avant la fin de ce rapport (processus tué ?)")
    failure = files_present(folder, FAILURE_FILES).get("failure")
    return entry | {"attempt": entry["attempt"] | {"failure": _relative(out_dir, failure)}}


def _well_formed(reports: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(reports, dict) and all(
        isinstance(entry, dict)
        and set(entry) >= ENTRY_KEYS
        and isinstance(entry["attempt"], dict)
        and _KEY.fullmatch(key) is not None
        for key, entry in reports.items()
    )


def _set_aside(path: Path, why: str) -> None:
    """Rename an unusable manifest (never deleted: it may be someone's), with a warning."""
    aside = path.with_name(f"{path.name}.{dt.datetime.now():%Y%m%d-%H%M%S}.mis-de-cote")
    path.rename(aside)
    log.warning(
        "cpts-analysis: avertissement : %s %s, renommé %s ; tous les rapports seront refaits",
        path,
        why,
        aside.name,
    )


def _relative(out_dir: Path, path: Path | None) -> str | None:
    return None if path is None else path.relative_to(out_dir).as_posix()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
