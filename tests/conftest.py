"""Shared fixtures: disposable copies of the legal parameters and of the example registry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cpts_analysis.core.paths import EXAMPLE_REGISTRY, PARAMETERS_DIR, PROJECT_ROOT

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


@pytest.fixture
def registry_copy(tmp_path: Path) -> Path:
    """A writable copy of the illustrative registry ``data/exemple_ara``."""
    target = tmp_path / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, target)
    return target


def append_communes(registry: Path, *lines: str) -> None:
    """Add rows at the end of a registry's ``communes.csv`` (UTF-8)."""
    with (registry / "communes.csv").open("a", encoding="utf-8") as stream:
        stream.write("".join(f"{line}\n" for line in lines))
