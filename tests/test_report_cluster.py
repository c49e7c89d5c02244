"""Batches on a real Dask cluster: `dask scheduler` and two `dask worker` processes on 127.0.0.1.

One batch of more than 100 reports goes through the cluster with ``--scheduler``, with a
failing report, a report whose worker is killed from outside while it runs (it must be rerun
and succeed), and a report that kills its own worker every time (rerun once, then recorded as
failed). The cluster is started once for the module, bounded in time, and always torn down.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import assert_manifest_matches_disk
from distributed import Client

from cpts_analysis.runner import manifest
from cpts_analysis.runner.batch import run_batch
from cpts_analysis.runner.cluster import SCHEDULER_CONFIG
from cpts_analysis.runner.errors import ClusterError
from cpts_analysis.runner.job import Job

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
LEAK, FAILS, SLOW = (FIXTURES / f"{n}.ipynb" for n in ("leak", "fails", "slow"))
DASK = Path(sys.executable).parent / "dask"
QUICK_REPORTS = 100
START_TIMEOUT_S = 60

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scheduler_environment() -> dict[str, str]:
    """The settings the README tells users to start their scheduler with."""
    variables = {
        "DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
        for key, value in SCHEDULER_CONFIG.items()
    }
    return os.environ | variables


@contextlib.contextmanager
def dask_cluster(logs: Path, workers: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    """Address of a scheduler with single-thread ``workers``, all local subprocesses (name →
    process, the scheduler's name being ``scheduler``); always torn down."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes: dict[str, subprocess.Popen] = {}

    def start(name: str, *argv: str, env: dict[str, str] | None = None) -> None:
        log = (logs / f"{name}.log").open("wb")
        processes[name] = subprocess.Popen(
            [str(DASK), *argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own group: teardown reaches its children
        )

    try:
        start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            f"127.0.0.1:{free_port()}",
            env=scheduler_environment(),
        )
        for name in workers:
            start(
                name,
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--name",
                name,
                "--dashboard-address",
                "127.0.0.1:0",
            )
        with Client(address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(len(workers), timeout=START_TIMEOUT_S)
        yield address, processes
    finally:
        for process in processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """Address of a scheduler with two single-thread workers, shared by the module's tests."""
    with dask_cluster(tmp_path_factory.mktemp("dask-logs"), ("w1", "w2")) as (address, _):
        yield address


def kill_when_written(pid_file: Path, stop: threading.Event) -> None:
    """Kill the worker that writes ``pid_file`` first (SIGKILL: no goodbye to the scheduler)."""
    while not stop.is_set():
        if pid_file.exists() and pid_file.read_text().strip():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
            return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster_batch(cluster, tmp_path_factory):
    out = tmp_path_factory.mktemp("cluster-reports")
    victim_pids = out.parent / "victim.pids"
    killer_pids = out.parent / "killer.pids"
    jobs = [Job(LEAK, {"territoire": f"{i:03d}"}, f"{i:03d}", f"n° {i}") for i in range(100)]
    jobs += [
        Job(FAILS, {"territoire": "42"}, "42", "échoue"),
        Job(SLOW, {"pid_file": str(victim_pids), "seconds": 5.0}, "victime", "victime"),
        Job(SLOW, {"pid_file": str(killer_pids), "kill_worker": True}, "tueur", "tueur"),
    ]
    stop = threading.Event()
    killer = threading.Thread(target=kill_when_written, args=(victim_pids, stop), daemon=True)
    killer.start()
    started = time.monotonic()
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            result = run_batch(jobs, out, workers=1, timeout=120, scheduler=cluster)
    finally:
        stop.set()
        killer.join(timeout=5)
    return SimpleNamespace(
        out=out,
        result=result,
        wall=time.monotonic() - started,
        manifest=manifest.load(out),
        victim_pids=victim_pids.read_text().split(),
        killer_pids=killer_pids.read_text().split(),
    )


def test_more_than_100_reports_through_the_cluster(cluster_batch):
    statuses = {key: record["status"] for key, record in cluster_batch.manifest.items()}
    assert len(statuses) == QUICK_REPORTS + 3
    quick = {key: s for key, s in statuses.items() if key.startswith("leak/")}
    assert len(quick) == QUICK_REPORTS and set(quick.values()) == {"ok"}
    for i in (0, 57, 99):
        folder = cluster_batch.out / "leak" / f"{i:03d}"
        headline = json.loads((folder / "headline.json").read_text(encoding="utf-8"))
        assert headline["headline"] == {"territoire": f"{i:03d}"}
        assert (folder / "report.html").exists()
    assert (cluster_batch.out / "index.html").exists()
    print(f"{len(statuses)} reports on the cluster in {cluster_batch.wall:.1f} s")


def test_failing_report_isolated(cluster_batch):
    failed = cluster_batch.manifest["fails/42"]
    assert failed["status"] == "failed"
    error = failed["attempt"]["error"]
    assert (error["ename"], error["cell"]) == ("ValueError", 3)
    assert not (cluster_batch.out / "fails" / "42" / "report.html").exists()


def test_report_of_a_killed_worker_rerun_on_a_new_one(cluster_batch):
    first, second = cluster_batch.victim_pids  # ran twice, in two different worker processes
    assert first != second
    assert cluster_batch.manifest["slow/victime"]["status"] == "ok"
    assert (cluster_batch.out / "slow" / "victime" / "report.html").exists()


def test_report_killing_its_worker_twice_recorded_failed(cluster_batch):
    assert len(cluster_batch.killer_pids) == 2  # first run, one rerun, then given up
    record = cluster_batch.manifest["slow/tueur"]
    assert record["status"] == "failed" and record["attempt"]["error"]["ename"] == "KilledWorker"
    error = (cluster_batch.out / "slow" / "tueur" / "echec.txt").read_text(encoding="utf-8")
    assert "KilledWorker" in error and "NoneType" not in error
    assert sorted(r.slug for r in cluster_batch.result.failed) == ["42", "tueur"]


def test_workers_replaced_after_the_batch(cluster, cluster_batch):
    with Client(cluster, timeout=START_TIMEOUT_S) as client:
        client.wait_for_workers(2, timeout=START_TIMEOUT_S)  # nannies restarted the dead ones


def test_same_reports_as_the_embedded_cluster(cluster, tmp_path):
    jobs = [Job(LEAK, {"territoire": code}, code.lower(), code) for code in ("84", "2A", "42")]
    with contextlib.redirect_stderr(io.StringIO()):
        remote = run_batch(jobs, tmp_path / "remote", workers=1, timeout=60, scheduler=cluster)
        local = run_batch(jobs, tmp_path / "local", workers=2, timeout=60)
    assert not remote.any_failed and not local.any_failed
    for job in jobs:
        headlines = [
            json.loads((tmp_path / where / job.key / "headline.json").read_text("utf-8"))
            for where in ("remote", "local")
        ]
        assert headlines[0]["headline"] == headlines[1]["headline"] == {"territoire": job.label}


def test_workers_that_cannot_see_the_files_refused(cluster, tmp_path):
    """A reports folder the workers do not share is refused before any report runs."""
    from cpts_analysis.runner.cluster import check_paths
    from cpts_analysis.runner.errors import ClusterError

    with Client(cluster, timeout=START_TIMEOUT_S) as client:
        check_paths(client, tmp_path, [LEAK])  # same machine: every path is shared
        with pytest.raises(ClusterError, match=r"ne voit pas .*absent"):
            check_paths(client, tmp_path, [LEAK, tmp_path / "absent.csv"])


# --- faults with reports published before them ---------------------------------------------------


def test_killed_workers_leave_the_published_reports(cluster, tmp_path):
    """A report that kills its worker every time fails (``KilledWorker``); the report published
    before it stays in place, readable, and the manifest says so."""
    out, killer_pids = tmp_path / "out", tmp_path / "killer.pids"
    quick = Job(LEAK, {"territoire": "84"}, "84", "84")
    before = [quick, Job(SLOW, {"territoire": "2"}, "tueur", "tueur")]
    with contextlib.redirect_stderr(io.StringIO()):
        assert not run_batch(before, out, workers=1, timeout=60, scheduler=cluster).any_failed
    published = manifest.load(out)
    killing = {"territoire": "2", "pid_file": str(killer_pids), "kill_worker": True}
    with contextlib.redirect_stderr(io.StringIO()):
        result = run_batch(
            [quick, Job(SLOW, killing, "tueur", "tueur")],
            out,
            workers=1,
            timeout=60,
            scheduler=cluster,
        )
    entries = assert_manifest_matches_disk(out)
    assert [job.key for job in result.skipped] == ["leak/84"]
    assert len(killer_pids.read_text().split()) == 2  # two workers killed
    tueur = entries["slow/tueur"]
    assert tueur["status"] == "failed" and tueur["attempt"]["error"]["ename"] == "KilledWorker"
    assert tueur["published"]["input_hash"] == published["slow/tueur"]["published"]["input_hash"]
    headline = json.loads((out / "slow" / "tueur" / "headline.json").read_text("utf-8"))
    assert headline["headline"] == {"territoire": "2"}
    failure = (out / "slow" / "tueur" / "echec.txt").read_text(encoding="utf-8")
    assert "KilledWorker" in failure and "reste en place" in failure
    with Client(cluster, timeout=START_TIMEOUT_S) as client:
        client.wait_for_workers(2, timeout=START_TIMEOUT_S)  # for the module's other tests


def test_scheduler_killed_mid_batch(tmp_path):
    """The scheduler dies while a report runs: the batch stops with a French message naming the
    address, the reports published before are intact, the unfinished ones « interrompu »."""
    out, pids = tmp_path / "out", tmp_path / "slow.pids"
    (tmp_path / "logs").mkdir()
    with dask_cluster(tmp_path / "logs", ("w1",)) as (address, processes):
        before = [Job(LEAK, {"territoire": code}, code, code) for code in ("a", "b")]
        with contextlib.redirect_stderr(io.StringIO()):
            assert not run_batch(before, out, workers=1, timeout=60, scheduler=address).any_failed
        after = [Job(SLOW, {"pid_file": str(pids), "seconds": 60.0}, "lent", "lent")]
        after += [Job(LEAK, {"territoire": code.upper()}, code, code) for code in ("a", "b")]

        def kill_scheduler() -> None:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not (pids.exists() and pids.read_text().strip()):
                if time.monotonic() > deadline:
                    return
                time.sleep(0.1)
            os.killpg(processes["scheduler"].pid, signal.SIGKILL)

        killer = threading.Thread(target=kill_scheduler, daemon=True)
        killer.start()
        started = time.monotonic()
        with (
            contextlib.redirect_stderr(io.StringIO()),
            pytest.raises(ClusterError, match=rf"planificateur Dask perdu \({address}\)"),
        ):
            run_batch(after, out, workers=1, timeout=120, scheduler=address)
        assert time.monotonic() - started < 60
        killer.join(timeout=5)
        entries = assert_manifest_matches_disk(out)
    assert {key: entry["status"] for key, entry in entries.items()} == {
        "leak/a": "interrupted",
        "leak/b": "interrupted",
        "slow/lent": "interrupted",
    }
    for code in ("a", "b"):
        headline = json.loads((out / "leak" / code / "headline.json").read_text("utf-8"))
        assert headline["headline"] == {"territoire": code}  # published before the fault
    evalue = entries["slow/lent"]["attempt"]["error"]["evalue"]
    assert evalue == f"connexion perdue avec le planificateur Dask {address}"
    assert "NoneType" not in (out / "manifest.json").read_text(encoding="utf-8")
