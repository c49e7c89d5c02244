"""Shared fixtures: disposable copies of the legal parameters and of the example registry,
and a real headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from cpts_analysis.core.paths import EXAMPLE_REGISTRY, PARAMETERS_DIR, PROJECT_ROOT
from cpts_analysis.runner.pdf import CHROMIUM_ARGS, chromium_path

SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"
# The tests fill a cache of their own, never the user's; set before any kernel or subprocess
# starts, so that they all inherit it. Tests of the cache itself use their own folders.
os.environ.setdefault("CPTS_CACHE_DIR", tempfile.mkdtemp(prefix="cpts-cache-tests-"))


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


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright: skipped with a reason where it is not installed,
    except on CI (``CI=true``), where `.ci/run` installs it and its absence fails."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing on CI: .ci/run must install Debian's chromium")
        pytest.skip("Chromium not installed (apt-get install chromium): browser check skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def assert_manifest_matches_disk(out: Path) -> dict[str, dict]:
    """The manifest file as written, entry by entry, against the report folders."""
    raw = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    for key, entry in raw.items():
        folder = out / key
        published = entry["published"]
        on_disk = folder / ".publication.json"
        if published is None:
            assert not (folder / "report.html").exists(), key
            continue
        record = json.loads(on_disk.read_text(encoding="utf-8"))
        assert record["input_hash"] == published["input_hash"], key
        for path in published["outputs"].values():
            assert (out / path).exists(), (key, path)
        assert "<html" in (folder / "report.html").read_text(encoding="utf-8")
        if entry["status"] in ("ok", "skipped"):
            assert published["input_hash"] == entry["attempt"]["input_hash"], key
    return raw
