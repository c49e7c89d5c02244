"""A blank registry to fill in: headers only, as a CSV folder or a workbook."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import openpyxl

from cpts_analysis.core.errors import InputError
from cpts_analysis.territory.registry.tables import TABLES


def write_template(path: str | Path) -> Path:
    """Write an empty registry (headers only): a CSV folder, or a workbook if ``path`` is .xlsx.

    Built beside the target then renamed into place, so an interrupted run leaves nothing
    half-written; an existing non-empty target is never overwritten.

    Examples:
        >>> import pathlib, tempfile
        >>> import cpts_analysis as cpts
        >>> folder = cpts.write_template(pathlib.Path(tempfile.mkdtemp()) / "registre")
        >>> sorted(p.name for p in folder.iterdir())  # doctest: +NORMALIZE_WHITESPACE
        ['catalogue_indicateurs.csv', 'communes.csv', 'cpts.csv', 'indicateurs.csv',
         'missions.csv', 'montants.csv', 'resultats.csv']
    """
    target = Path(path)
    occupied = target.is_file() and target.stat().st_size > 0
    if occupied or (target.is_dir() and any(target.iterdir())):
        raise InputError.single(str(target), "existe déjà et n'est pas vide : rien n'est écrasé")
    if not target.parent.is_dir():
        raise InputError.single(str(target.parent), "dossier absent : créez-le d'abord")
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
            book = openpyxl.Workbook()
            book.remove(book.active)
            for spec in TABLES.values():
                book.create_sheet(spec.name).append(list(spec.columns))
            book.save(tmp)
        else:
            for spec in TABLES.values():
                (tmp / f"{spec.name}.csv").write_text(",".join(spec.columns) + "\n", "utf-8")
        os.replace(tmp, target)
    except OSError as error:
        raise InputError.single(str(target), f"écriture impossible ({error})") from None
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp)
        else:
            tmp.unlink(missing_ok=True)
    return target
