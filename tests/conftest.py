"""Shared fixtures: a disposable copy of the legal parameters to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cpts_analysis.core.paths import PARAMETERS_DIR, PROJECT_ROOT

SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"


@pytest.fixture
def parameters_copy(tmp_path: Path) -> Path:
    """A writable copy of the package's parameter folder."""
    target = tmp_path / "parameters"
    shutil.copytree(PARAMETERS_DIR, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a file, failing loudly if the text is not there (no silent no-op)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
