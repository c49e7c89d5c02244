"""Writing a registry: a blank one to fill in (headers only), or tables made by ``import``.

Either a CSV folder or a workbook; built beside the target then renamed into place, so an
interrupted run leaves nothing half-written, and an existing non-empty target is never
overwritten.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from cpts_analysis.core.cells import neutralised_frame
from cpts_analysis.core.errors import InputError
from cpts_analysis.territory.registry.tables import TABLES


def check_target(target: Path) -> None:
    """Refuse a non-empty target or a missing parent folder, before any work is done."""
    occupied = target.is_file() and target.stat().st_size > 0
    if occupied or (target.is_dir() and any(target.iterdir())):
        raise InputError.single(str(target), "existe déjà et n'est pas vide : rien n'est écrasé")
    if not target.parent.is_dir():
        raise InputError.single(str(target.parent), "dossier absent : créez-le d'abord")


def write_template(path: str | Path) -> Path:
    """Write an empty registry: a CSV folder (headers only), or a workbook if ``path`` is .xlsx
    (instructions, drop-down lists, one example row per sheet).

    Examples:
        >>> import pathlib, tempfile
        >>> import cpts_analysis as cpts
        >>> folder = cpts.write_template(pathlib.Path(tempfile.mkdtemp()) / "registre")
        >>> sorted(p.name for p in folder.iterdir())  # doctest: +NORMALIZE_WHITESPACE
        ['catalogue_indicateurs.csv', 'communes.csv', 'cpts.csv', 'indicateurs.csv',
         'indicateurs_contrat.csv', 'missions.csv', 'montants.csv', 'resultats.csv',
         'resultats_indicateurs.csv']
    """
    return write_registry(path, {})


def write_registry(path: str | Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``tables`` (text cells, registry columns) as a registry; absent tables get their
    header only. A CSV folder, or a workbook if ``path`` ends with .xlsx."""
    target = Path(path)
    check_target(target)
    frames = {
        name: tables.get(name, pd.DataFrame(columns=list(spec.columns)))[list(spec.columns)]
        for name, spec in TABLES.items()
        if spec.template or name in tables
    }
    workbook = target.suffix.lower() == ".xlsx"
    prefix = f".{target.name}."
    if workbook:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=".tmp")
        os.close(handle)
        tmp = Path(name)
    else:
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=prefix, suffix=".tmp"))
    tmp.chmod(0o644 if workbook else 0o755)  # mkstemp/mkdtemp make them private
    try:
        if workbook:
            from cpts_analysis.territory.registry.template_workbook import (  # openpyxl: 0.2 s
                write_registry_workbook,
            )

            write_registry_workbook(tmp, frames, blank=not tables)
        else:
            for name, frame in frames.items():
                neutralised_frame(frame).to_csv(
                    tmp / f"{name}.csv", index=False, lineterminator="\n"
                )
        os.replace(tmp, target)
    except OSError as error:
        raise InputError.single(str(target), f"écriture impossible ({error})") from None
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp)
        else:
            tmp.unlink(missing_ok=True)
    return target
