"""The on-disk cache: reused across processes, never stale, safe under concurrent fills and
damaged files, off with ``--no-cache``, emptied by ``cache --clear``. Real files throughout:
copies of the registry, the legal parameters and the reference data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import edit

from cpts_analysis.cli import main
from cpts_analysis.core import cache
from cpts_analysis.core.paths import DATA_DIR
from cpts_analysis.core.vocabulary import SHEETS
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.registry.loading import _load_validated
from cpts_analysis.territory.territories import cpts_contours

BIG = 100_000  # bytes: above diskcache's 32 kB threshold, values live in files


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test, in force; no in-process memo survives it."""
    target = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(target))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    new_process()
    yield target
    new_process()


def new_process() -> None:
    """What a new process starts from: no connection, no registry or file hash in memory."""
    cache._open.cache_clear()
    cache._file_bytes_digest.cache_clear()
    _load_validated.cache_clear()


class Counter:
    def __init__(self, value: object) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def test_entry_is_stored_then_reused(folder):
    build = Counter(b"x" * BIG)
    assert cache.cached("test", "key", build) == build.value
    new_process()
    assert cache.cached("test", "key", build) == build.value
    assert build.calls == 1
    assert cache.usage()[0] == 1


def test_entry_is_reused_by_another_process(folder):
    code = (
        "import sys\nfrom cpts_analysis.core import cache\n"
        "print(cache.cached('test', 'key', lambda: print('built') or 42))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [run.stdout.split() for run in runs] == [["built", "42"], ["42"]]


def test_registry_is_validated_once_then_read_from_the_cache(folder, registry_copy):
    first = load_registry(registry_copy)
    assert cache.usage()[0] == 1
    new_process()
    second = load_registry(registry_copy)
    assert cache.usage()[0] == 1
    for name in ("cpts", "communes", "missions", "indicateurs"):
        assert getattr(second, name).equals(getattr(first, name))
    assert second.warnings == first.warnings


def test_changed_registry_file_is_not_reused(folder, registry_copy):
    path = registry_copy / "cpts.csv"
    before = load_registry(registry_copy).cpts["nom"].tolist()
    old = before[0]
    new = old[:-1] + ("X" if old[-1] != "X" else "Y")  # same size: only the bytes differ
    stat = path.stat()
    edit(path, old, new)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and time too
    new_process()
    after = load_registry(registry_copy).cpts["nom"].tolist()
    assert new in after and old not in after
    assert cache.usage()[0] == 2


def test_changed_memberships_give_other_contours(folder, registry_copy):
    members = load_registry(registry_copy).communes
    first = members[members["cpts_id"] == members["cpts_id"].iloc[0]]
    whole = cpts_contours(first)
    shrunk = cpts_contours(first.iloc[:-1])
    assert not whole["geometry"].iloc[0].equals(shrunk["geometry"].iloc[0])
    new_process()
    assert cpts_contours(first)["geometry"].iloc[0].equals(whole["geometry"].iloc[0])


@pytest.mark.parametrize("what", ["parameters", "data"])
def test_changed_parameters_or_data_are_not_reused(folder, tmp_path, monkeypatch, what):
    """A variant run on an edited parameter folder (``CPTS_PARAMETERS_DIR``) or edited
    reference data (``CPTS_DATA_DIR``) never reads entries made with the shipped ones."""
    source = Path(cache.PARAMETERS_DIR) if what == "parameters" else Path(DATA_DIR)
    copy = tmp_path / what
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("exemple_ara"))
    monkeypatch.setattr(cache, "PARAMETERS_DIR" if what == "parameters" else "DATA_DIR", copy)
    build = Counter(1)
    cache.cached("test", "key", build)
    cache.cached("test", "key", build)
    assert build.calls == 1
    edited = next(p for p in sorted(copy.rglob("*")) if p.suffix in (".yaml", ".csv"))
    with edited.open("a", encoding="utf-8") as stream:
        stream.write("\n")
    cache.cached("test", "key", build)
    assert build.calls == 2


def test_another_package_version_is_not_reused(folder, monkeypatch):
    build = Counter(1)
    cache.cached("test", "key", build)
    monkeypatch.setattr(cache, "version", lambda name: "999.0")
    cache.cached("test", "key", build)
    assert build.calls == 2


def test_damaged_entry_is_ignored_and_rebuilt(folder, registry_copy):
    expected = load_registry(registry_copy).cpts
    values = list(folder.rglob("*.val"))
    assert values, "the registry entry should be stored in a file"
    for value in values:
        value.write_bytes(b"not a pickle")
    new_process()
    assert load_registry(registry_copy).cpts.equals(expected)
    new_process()
    assert load_registry(registry_copy).cpts.equals(expected)  # the rebuilt entry reads back


def test_unusable_folder_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(blocker / "cache"))
    cache._open.cache_clear()
    build = Counter(7)
    assert cache.cached("test", "key", build) == 7
    assert cache.cached("test", "key", build) == 7
    assert build.calls == 2


def test_concurrent_fills_of_one_entry(folder):
    """Four processes fill the same entry at once: each gets the value, none fails, and what
    stays reads back whole."""
    code = (
        "import hashlib, time\nfrom cpts_analysis.core import cache\n"
        "def build():\n    time.sleep(0.3)\n    return bytes(range(256)) * 4000\n"
        "print(hashlib.sha256(cache.cached('race', 'key', build)).hexdigest())"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120)[0].strip() for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert len(set(outputs)) == 1
    new_process()
    assert cache.cached("race", "key", lambda: b"rebuilt") == bytes(range(256)) * 4000


def test_no_cache_neither_reads_nor_writes(folder, monkeypatch):
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    build = Counter(1)
    cache.cached("test", "key", build)
    cache.cached("test", "key", build)
    assert build.calls == 2
    assert not folder.exists()


def test_clear_command_empties_the_folder(folder, capsys):
    cache.cached("test", "key", Counter(1))
    assert main(["cache"]) == 0
    assert "1 entrée(s)" in capsys.readouterr().out
    assert main(["cache", "--clear"]) == 0
    assert "1 entrée(s) supprimée(s)" in capsys.readouterr().out
    assert cache.usage() == (0, 0)
    build = Counter(2)
    assert cache.cached("test", "key", build) == 2 and build.calls == 1


@pytest.mark.slow
def test_report_is_the_same_with_and_without_cache(tmp_path):
    """``report --no-cache`` writes no entry; with the cache, cold then warm, the headline,
    the workbook and every cell output (tables, charts, maps) are the same."""
    folder = tmp_path / "cache"
    environment = {**os.environ, cache.CACHE_DIR_ENV: str(folder)}
    environment.pop(cache.NO_CACHE_ENV, None)
    command = [sys.executable, "-m", "cpts_analysis", "report", "--territory", "42"]
    command += ["--date", "2025-06-01"]
    reports = []
    for number, flags in enumerate([["--no-cache"], [], []]):
        out = tmp_path / f"out{number}"
        subprocess.run([*command, *flags, "--out", str(out)], env=environment, check=True)
        assert (cache_entries(folder) > 0) != bool(flags)
        reports.append(report_content(out / "comparaison_territoriale" / "departement-42-loire"))
    assert reports[0] == reports[1] == reports[2]


def report_content(folder: Path) -> tuple:
    """Headline figures, workbook sheets and cell outputs of a report (no times, no paths)."""
    headline = json.loads((folder / "headline.json").read_text("utf-8"))["headline"]
    sheets = pd.read_excel(folder / "tables.xlsx", sheet_name=None)
    sheets.pop(SHEETS["about"])  # says when the workbook was produced
    notebook = nbformat.read(folder / "report.ipynb", as_version=4)
    outputs = [
        [output.get("data", output.get("text")) for output in cell.outputs]
        for cell in notebook.cells
        if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", [])
    ]
    return (
        headline,
        {name: sheet.astype(str).to_dict("list") for name, sheet in sheets.items()},
        outputs,
    )


def cache_entries(folder: Path) -> int:
    if not folder.exists():
        return 0
    code = "from cpts_analysis.core import cache\nprint(cache.usage()[0])"
    environment = {**os.environ, cache.CACHE_DIR_ENV: str(folder)}
    run = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return int(run.stdout)
