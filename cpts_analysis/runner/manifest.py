"""``manifest.json``: the last run of every report in a reports folder.

Rewritten atomically after each report, so an interrupted batch still says what was done. It
also decides what a rerun can skip: a report whose inputs hash (template, parameters, declared
input files, package version) is unchanged since its last success, and whose files still exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import platform
from collections.abc import Iterable
from importlib import metadata
from importlib.metadata import version
from pathlib import Path
from typing import Any

from cpts_analysis.core.errors import CptsError
from cpts_analysis.core.files import write_text_atomic
from cpts_analysis.runner.errors import ReportInputError
from cpts_analysis.runner.execute import ReportResult

MANIFEST_FILE = "manifest.json"
FORMAT = 1
REUSABLE = ("ok", "skipped")
PACKAGE_VERSION = version("cpts-analysis")


@functools.cache
def versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "cpts_analysis": PACKAGE_VERSION,
        **{name: metadata.version(name) for name in ("papermill", "nbconvert", "pandas")},
    }


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
    """Report key → record of its last run (empty when there is no manifest yet)."""
    path = out_dir / MANIFEST_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))["reports"]
    except (ValueError, KeyError) as exc:
        raise CptsError(f"{path} illisible ({exc}) : supprimez-le pour tout régénérer") from None


def save(out_dir: Path, reports: dict[str, dict[str, Any]]) -> Path:
    path = out_dir / MANIFEST_FILE
    payload = {
        "format": FORMAT,
        "updated_at": dt.datetime.now().isoformat(timespec="seconds"),
        "reports": {key: reports[key] for key in sorted(reports)},
    }
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path


def record(result: ReportResult, out_dir: Path, digest: str) -> dict[str, Any]:
    """Manifest entry for a report just run; output paths are relative to ``out_dir``."""
    error = result.error
    return {
        "slug": result.slug,
        "label": result.label,
        "notebook": str(result.notebook),
        "parameters": result.parameters,
        "status": result.status,
        "duration_s": result.duration_s,
        "error": None
        if error is None
        else {
            "cell": error.cell,
            "source": error.source,
            "ename": error.ename,
            "evalue": error.evalue,
        },
        "input_hash": digest,
        "versions": versions(),
        "outputs": {
            kind: path.relative_to(out_dir).as_posix() for kind, path in result.outputs.items()
        },
        "finished_at": dt.datetime.now().isoformat(timespec="seconds"),
    }


def reusable(previous: dict[str, Any] | None, out_dir: Path, digest: str) -> bool:
    """True when the last successful run had the same inputs and its files are all there."""
    return (
        previous is not None
        and previous["status"] in REUSABLE
        and previous["input_hash"] == digest
        and all((out_dir / path).exists() for path in previous["outputs"].values())
    )
