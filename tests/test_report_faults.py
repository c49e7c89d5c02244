"""Faults on real processes: a rerun where every report fails, Ctrl-C, two runs on one folder, a
full disk, a closed pipe, hostile files in the output folder.

Each fault test checks that every report published before the fault is still readable, that
the user's own files survive, and that the manifest says what is on disk. Batches run the
fixture template ``pause`` (tests/fixtures/notebooks/pause.ipynb) through ``cpts-analysis`` as
a subprocess (tests/fixture_cli.py): it succeeds for a reference date before 2026, pauses in
2026 and fails from 2027 on. The cluster faults (scheduler and worker killed) are in
test_report_cluster.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_manifest_matches_disk

from cpts_analysis import cli
from cpts_analysis.cli.program import build_parser
from cpts_analysis.runner import manifest, output_lock
from cpts_analysis.runner.errors import OutputBusy, OutputRefused

DRIVER = Path(__file__).parent / "fixture_cli.py"
TODAY = dt.date.today().strftime("%d/%m/%Y")
CODES = "a,b,c"


def command(out: Path, date: str, *extra: str, codes: str = CODES) -> list[str]:
    argv = [sys.executable, str(DRIVER), codes, "batch", "--by", "departement"]
    return [*argv, "--date", date, "--workers", "2", "--out", str(out), *extra]


def environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The tests' code first on the path (kernels inherit it), kernel files in a folder of
    the test's own, so that leftovers can be counted."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(exist_ok=True)
    root = str(Path(__file__).parent.parent)
    return os.environ | {"PYTHONPATH": root, "JUPYTER_RUNTIME_DIR": str(runtime)} | variables


def run(argv: list[str], env: dict[str, str], timeout: float = 180) -> tuple[int, str, str]:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def headline(out: Path, code: str) -> dict:
    path = out / "pause" / code / "headline.json"
    return json.loads(path.read_text(encoding="utf-8"))["headline"]


def assert_no_leftovers(out: Path, tmp_path: Path) -> None:
    staging = [p for p in out.rglob(".*") if p.is_dir()]
    assert staging == [], staging
    assert list((tmp_path / "runtime").glob("kernel-*.json")) == []


def stderr_lines(err: str) -> list[str]:
    """What the command printed on stderr, progress bar aside."""
    return [line for line in err.splitlines() if line.strip() and "Rapports:" not in line]


# --- a rerun where every report fails ------------------------------------------------------------


@pytest.mark.slow
def test_failed_rerun_keeps_the_reports_and_the_users_files(tmp_path):
    out, env = tmp_path / "out", environment(tmp_path)
    code, _, err = run(command(out, "2025-06-01"), env)
    assert code == 0, err
    first = manifest.load(out)
    (out / "pause" / "a" / "notes.txt").write_text("à relire", encoding="utf-8")
    (out / "pause" / "b" / "annexes").mkdir()
    (out / "pause" / "b" / "annexes" / "carte.pdf").write_bytes(b"%PDF")

    code, stdout, err = run(command(out, "2027-06-01"), env)

    assert code == 1 and "3 rapport(s) exécuté(s), dont 3 en échec" in stdout
    assert "Traceback" not in err and "pas de données pour 2027-06-01" in err
    for slug in ("a", "b", "c"):
        assert headline(out, slug) == {"territoire": slug, "date": "2025-06-01"}
        failure = (out / "pause" / slug / "echec.txt").read_text(encoding="utf-8")
        assert f"en échec le {TODAY}" in failure and "RuntimeError" in failure
        assert f"Le rapport publié le {TODAY} reste en place" in failure
    assert (out / "pause" / "a" / "notes.txt").read_text(encoding="utf-8") == "à relire"
    assert (out / "pause" / "b" / "annexes" / "carte.pdf").read_bytes() == b"%PDF"
    entries = assert_manifest_matches_disk(out)
    for key, entry in entries.items():
        assert entry["status"] == "failed"
        assert entry["published"]["input_hash"] == first[key]["published"]["input_hash"]
        assert entry["attempt"]["input_hash"] != entry["published"]["input_hash"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count(f"échec, dernier rapport valide du {TODAY}") == 6  # table and failures
    assert '<a href="pause/a/report.html">a</a>' in index
    assert_no_leftovers(out, tmp_path)

    # `report` into the batch folder: published, recorded in the manifest and the index, the
    # user's file still there.
    argv = [sys.executable, str(DRIVER), CODES, "report", "--notebook", "pause"]
    argv += ["--territory", "a", "--date", "2026-01-01", "--out", str(out)]
    code, stdout, err = run(argv, environment(tmp_path, CPTS_TEST_PAUSE="0"))
    assert code == 0, err
    assert headline(out, "a") == {"territoire": "a", "date": "2026-01-01"}
    assert not (out / "pause" / "a" / "echec.txt").exists()
    assert (out / "pause" / "a" / "notes.txt").read_text(encoding="utf-8") == "à relire"
    entries = assert_manifest_matches_disk(out)
    assert entries["pause/a"]["status"] == "ok" and entries["pause/b"]["status"] == "failed"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("dernier rapport valide") == 4  # b and c only


# --- Ctrl-C during a batch -----------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_keeps_what_is_published_and_records_the_rest(tmp_path):
    out, marks = tmp_path / "out", tmp_path / "marks"
    marks.mkdir()
    env = environment(tmp_path, CPTS_TEST_MARKS=str(marks))
    codes = "a,b,c,d,e"
    assert run(command(out, "2025-06-01", codes=codes), env)[0] == 0
    for mark in marks.iterdir():
        mark.unlink()
    (out / "pause" / "a" / "notes.txt").write_text("à relire", encoding="utf-8")

    batch = subprocess.Popen(
        command(out, "2026-06-01", codes=codes),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a group of its own, as a terminal's foreground job
    )
    deadline = time.monotonic() + 120
    while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C sends: the whole group
    stdout, err = batch.communicate(timeout=60)

    assert batch.returncode == 130
    assert "Traceback" not in err
    assert stderr_lines(err) == [
        "cpts-analysis: lot interrompu (Ctrl-C) : 0 rapport(s) terminé(s), 5 noté(s) "
        "« interrompu » dans manifest.json ; relancez avec --only-failed pour les refaire"
    ]
    entries = assert_manifest_matches_disk(out)
    assert {entry["status"] for entry in entries.values()} == {"interrupted"}
    for code in codes.split(","):
        assert headline(out, code)["date"] == "2025-06-01"  # published before: still there
    assert (out / "pause" / "a" / "notes.txt").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count(f"interrompu, dernier rapport valide du {TODAY}") == 10
    assert_no_leftovers(out, tmp_path)

    rerun = command(out, "2026-06-01", "--only-failed", codes=codes)
    code, stdout, err = run(rerun, environment(tmp_path, CPTS_TEST_PAUSE="0"))
    assert code == 0 and "5 rapport(s) exécuté(s), dont 0 en échec ; 0 non relancé(s)" in stdout
    entries = assert_manifest_matches_disk(out)
    assert {entry["status"] for entry in entries.values()} == {"ok"}
    assert headline(out, "e")["date"] == "2026-06-01"


# --- two batches on one folder -------------------------------------------------------------------


@pytest.mark.slow
def test_two_batches_on_one_folder_one_refused(tmp_path):
    out = tmp_path / "out"
    env = environment(tmp_path, CPTS_TEST_PAUSE="3")
    assert run(command(out, "2025-06-01"), env)[0] == 0
    batches = [
        subprocess.Popen(
            command(out, "2026-06-01"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = sorted((b.wait(timeout=180), b.stderr.read(), b.stdout.read()) for b in batches)
    (done, _, stdout), (refused, err, _) = outcomes
    assert (done, refused) == (0, 1) and "3 rapport(s) exécuté(s)" in stdout
    holder = re.search(r"déjà utilisé par une autre exécution \(processus (\d+), « (.*?) »", err)
    assert holder and int(holder[1]) in {b.pid for b in batches} and "batch" in holder[2]
    assert "Traceback" not in err and len(stderr_lines(err)) == 1
    entries = assert_manifest_matches_disk(out)
    assert {entry["status"] for entry in entries.values()} == {"ok"}
    assert {headline(out, code)["date"] for code in CODES.split(",")} == {"2026-06-01"}
    assert_no_leftovers(out, tmp_path)


def test_lock_names_its_holder(tmp_path):
    busy = rf"processus {os.getpid()}, « .* », démarré le"
    with output_lock.holding(tmp_path), pytest.raises(OutputBusy, match=busy):  # noqa: SIM117
        with output_lock.holding(tmp_path):
            pass
    with output_lock.holding(tmp_path):  # released
        pass


# --- a full disk ---------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (root only: skipped elsewhere, with the reason)."""
    mount = tmp_path / "petit-disque"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"no tmpfs can be mounted here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_full_disk_keeps_the_reports_and_records_interruptions(tmp_path, small_disk):
    out = small_disk / "out"
    env = environment(tmp_path, CPTS_TEST_PAUSE="0")
    code, _, err = run(command(out, "2025-06-01"), env)
    assert code == 0, err
    filler = small_disk / "remplissage"
    with filler.open("wb") as stream:  # leave ~60 kB: the manifest fits, a report page does not
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        stream.write(b"\0" * max(0, free - 60_000))

    code, stdout, err = run(command(out, "2026-06-01"), env)

    assert code == 1 and "Traceback" not in err
    assert "plus de place sur le disque" in err
    entries = assert_manifest_matches_disk(out)
    assert {entry["status"] for entry in entries.values()} == {"interrupted"}
    for code_ in CODES.split(","):
        assert headline(out, code_)["date"] == "2025-06-01"
    staging = [p for p in out.rglob(".*") if p.is_dir()]
    assert staging == []

    filler.unlink()
    code, stdout, err = run(command(out, "2026-06-01", "--only-failed"), env)
    assert code == 0 and "3 rapport(s) exécuté(s), dont 0 en échec" in stdout
    assert {headline(out, c)["date"] for c in CODES.split(",")} == {"2026-06-01"}


# --- the output folder: files of others, a malformed manifest, a bad address, a closed pipe ------


def cli_run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("index.html", "<html><body>Mon site</body></html>"),
        ("manifest.json", '{"name": "mon application", "icons": []}'),
    ],
)
def test_files_of_others_in_the_output_folder_refused(tmp_path, name, content):
    (tmp_path / name).write_text(content, encoding="utf-8")
    argv = ["batch", "--by", "region", "--date", "2025-06-01", "--out", str(tmp_path)]
    code, stdout, err = cli_run(*argv)
    assert (code, stdout) == (2, "")
    assert f"{name} n'a pas été écrit par cpts-analysis" in err and "Traceback" not in err
    assert (tmp_path / name).read_text(encoding="utf-8") == content
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [name]


@pytest.mark.parametrize(
    "content", ["{", '{"generator": "cpts-analysis", "format": 2, "reports": [1]}', "\udcff"]
)
def test_malformed_manifest_set_aside_with_a_warning(tmp_path, content, caplog):
    (tmp_path / "manifest.json").write_text(content, encoding="utf-8", errors="surrogateescape")
    with caplog.at_level(logging.WARNING):
        assert manifest.load(tmp_path) == {}
    [aside] = tmp_path.glob("manifest.json.*.mis-de-cote")
    assert aside.read_bytes() == content.encode("utf-8", errors="surrogateescape")
    assert not (tmp_path / "manifest.json").exists()
    assert "avertissement" in caplog.text and "tous les rapports seront refaits" in caplog.text


def test_foreign_manifest_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"reports": {}}', encoding="utf-8")
    with pytest.raises(OutputRefused, match="n'a pas été écrit par cpts-analysis"):
        manifest.load(tmp_path)


@pytest.mark.parametrize("address", ["not an address", "tcp://", "tcp://hôte:8786", "x:99999"])
def test_bad_scheduler_address_refused_at_once(tmp_path, address):
    started = time.monotonic()
    argv = ["batch", "--by", "region", "--scheduler", address, "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exited:
        cli_run(*argv)
    assert exited.value.code == 2 and time.monotonic() - started < 1
    assert list(tmp_path.iterdir()) == []


def test_scheduler_address_from_the_environment_checked(tmp_path):
    env = os.environ | {"CPTS_DASK_SCHEDULER": "not an address"}
    argv = [sys.executable, "-m", "cpts_analysis", "batch", "--by", "region"]
    code, _, err = run([*argv, "--out", str(tmp_path)], env, timeout=60)
    assert code == 2 and "adresse de planificateur Dask invalide « not an address »" in err
    assert "Traceback" not in err


def test_read_only_output_folder_refused(tmp_path):
    mount = tmp_path / "lecture-seule"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)])
    if done.returncode != 0:
        pytest.skip("no read-only tmpfs can be mounted here")
    try:
        code, _, err = cli_run("batch", "--by", "region", "--out", str(mount))
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
    assert code == 2 and "impossible d'écrire dans le dossier de sortie" in err


def test_closed_pipe_ends_quietly():
    argv = [sys.executable, "-m", "cpts_analysis", "territories", "data/exemple_ara"]
    command_ = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parent.parent,
    )
    command_.stdout.close()  # the reader is gone before the first line: `| head -0`
    err = command_.stderr.read().decode()
    assert command_.wait(timeout=60) == 141
    assert err == ""


def test_exit_codes_in_help():
    parser_help = build_parser().format_help()
    assert "130 interruption (Ctrl-C)" in parser_help and "2 ligne de commande" in parser_help


def test_leftovers_of_killed_runs_removed_and_nothing_else(tmp_path):
    from cpts_analysis.runner.publication import remove_stale_staging

    template = tmp_path / "pause"
    for name in ("a", f".a.{'0' * 32}.tmp", ".a.tmp", ".a.old", ".photos.tmp", "notes"):
        (template / name).mkdir(parents=True)
    remove_stale_staging(tmp_path)
    assert sorted(p.name for p in template.iterdir()) == [".photos.tmp", "a", "notes"]
