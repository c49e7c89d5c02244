"""Atomic file writes: a reader (index, skip check, user) never sees a half-written output."""

from __future__ import annotations

import codecs
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path, make_folder: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; it replaces ``path`` only if the block succeeds.

    The temporary name is unique per call (not ``mkstemp``, whose 0600 mode would survive the
    rename and hide reports from other users). ``make_folder=False`` for a writer that may
    outlive its folder (work in the background): it fails rather than bring the folder back.
    """
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def decode_text(data: bytes) -> tuple[str, bool]:
    """UTF-8 (BOM dropped), UTF-16 with its BOM (Excel's « Texte Unicode »), else
    Windows-1252 — what French Excel writes for plain "CSV" — flagged so the caller can warn;
    ``UnicodeDecodeError`` when it is neither."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), False
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("cp1252"), True
