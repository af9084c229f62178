"""The cycle runner with a fake child: retries, crashes, timeouts and process-group kills."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from support.fake_monitor import Watched, make_cfg, spec

from monitor.cycle.runner import CycleRunner, StopRequest
from monitor.store.results_db import Store

ROOT = Path(__file__).resolve().parents[2]


def status_of(store: Store, cycle_id: int) -> str:
    row = store.cycle(cycle_id)
    assert row is not None, f"cycle {cycle_id} is not in the store"
    return row.status


def test_failed_run_is_retried_once_and_counted_flaky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec(monkeypatch, tmp_path, journeys=["J1", "N1"], outcomes={"J1/chromium": ["failure", "success"],
                                                                  "N1/firefox": ["mail_not_received"]},
         incident_notice=True)
    cfg = make_cfg(tmp_path)
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle("once")
        assert report.status == "completed" and report.errors == []
        by = {(r.journey, r.browser): r for r in report.runs}
        assert by[("J1", "chromium")].flaky and by[("J1", "chromium")].attempts == 2
        assert by[("N1", "firefox")].final == "mail_not_received" and by[("N1", "firefox")].attempts == 2
        assert by[("J1", "firefox")].attempts == 1
        assert report.exit_code == 1
        rows = store.results(cycle_id=report.cycle_id)
        assert sorted((r.journey, r.browser, r.attempt) for r in rows) == [
            ("J1", "chromium", 1), ("J1", "chromium", 2), ("J1", "firefox", 1),
            ("N1", "chromium", 1), ("N1", "firefox", 1), ("N1", "firefox", 2)]
        failed = next(r for r in rows if r.journey == "J1" and r.attempt == 1 and r.browser == "chromium")
        assert failed.artifacts and Path(failed.artifacts[0]).is_file()  # screenshot kept, absolute path
        assert status_of(store, report.cycle_id) == "completed"
        # attempt 2 reran only the failed node ids, one browser each
        log2 = (cfg.artifacts_dir / f"cycle-{report.cycle_id:06d}" / "attempt-2" / "child.log").read_text()
        assert "test_J1.py::test_J1[chromium]" in log2 and "test_N1.py::test_N1[firefox]" in log2
        assert "journeys " not in log2.splitlines()[0]


def test_child_crash_records_every_pair_as_runner_crashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec(monkeypatch, tmp_path, mode="crash")
    cfg = make_cfg(tmp_path)
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle()
        assert report.status == "completed"
        assert {(r.journey, r.browser, r.final, r.failure_class) for r in report.runs} == {
            (j, b, "probe_error", "runner_crashed") for j in ("J1", "N1") for b in ("chromium", "firefox")}
        assert "killed by SIGABRT" in report.errors[0]
        assert report.exit_code == 3  # the prober broke, not the target
        errs = {lab["reason"]: v for n, lab, v in store.counters() if n == "cycle_errors_total"}
        assert errs == {"runner_crashed": 1}


@pytest.mark.parametrize("mode", ["bad_json", "no_file"])
def test_unusable_results_file_is_a_runner_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    spec(monkeypatch, tmp_path, mode=mode)
    cfg = make_cfg(tmp_path, journeys=("J1",), browsers=("firefox",))
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle()
        assert [(r.final, r.failure_class) for r in report.runs] == [("probe_error", "runner_crashed")]


def test_missing_results_are_a_monitor_error_not_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec(monkeypatch, tmp_path, journeys=["J1"])  # N1 is scheduled but never reported
    cfg = make_cfg(tmp_path)
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle()
        assert {r.journey for r in report.runs} == {"J1"} and report.exit_code == 0
        assert "no result for N1/chromium, N1/firefox" in report.errors[0]
        errs = {lab["reason"]: v for n, lab, v in store.counters() if n == "cycle_errors_total"}
        assert errs == {"missing_result": 2}


def test_timeout_kills_the_child_and_records_cycle_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that hangs is killed at the cycle timeout. Whether it had started hanging by then is
    up to the machine's load (1.5 s is short for two Pythons starting on a loaded machine): either
    way nothing of its tree may outlive the cycle; the kill of a hanging tree is proven, without
    that race, by the stop test below (same path: SIGTERM to the reaper)."""
    pid_file = tmp_path / "pids"
    spec(monkeypatch, tmp_path, mode="hang_group", pid_file=str(pid_file), hold=True)
    cfg = make_cfg(tmp_path, cycle_timeout=1.5, kill_grace=0.5)
    watched = Watched(pid_file, 2)
    with Store.open_writer(cfg.db_path) as store:
        t0 = time.monotonic()
        report = CycleRunner(cfg, store).run_cycle()
        elapsed = time.monotonic() - t0
        assert report.status == "timeout" and status_of(store, report.cycle_id) == "timeout"
        assert elapsed < 1.5 + 0.5 + 5.0, "killed at the timeout plus the grace, not left to hang"
        assert {(r.final, r.failure_class) for r in report.runs} == {("probe_error", "cycle_timeout")}
        assert report.exit_code == 3
    assert watched.living(started=False) == [], "a process of the child's tree outlived the cycle"
    watched.close()


@pytest.mark.parametrize("mode", ["hang_group", "hang_session", "ignore_term"])
def test_stop_request_aborts_the_child_and_marks_the_cycle_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       mode: str) -> None:
    pid_file = tmp_path / "pids"
    spec(monkeypatch, tmp_path, mode=mode, pid_file=str(pid_file), hold=True)
    cfg = make_cfg(tmp_path, cycle_timeout=60, kill_grace=0.5)
    stop = StopRequest()
    watched = Watched(pid_file, 1 if mode == "ignore_term" else 2)
    with Store.open_writer(cfg.db_path) as store:
        def stop_when_started() -> None:
            watched.ready.wait(60)
            stop.request("test stop")
        threading.Thread(target=stop_when_started, daemon=True).start()
        t0 = time.monotonic()
        report = CycleRunner(cfg, store, stop).run_cycle()
        assert time.monotonic() - t0 < 10
        assert report.status == "interrupted" and status_of(store, report.cycle_id) == "interrupted"
        assert report.runs == []  # an operator stop is neither a target nor a prober failure
        assert report.errors == ["attempt 1 aborted: test stop"]  # nothing outlived SIGKILL
    assert watched.living() == [], "a process of the child's tree outlived the cycle"
    watched.close()


def test_a_child_that_exits_leaves_nothing_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that ends with a process still running in a session of its own (a browser Playwright did not
    close): the cycle returns once it is gone, not before, and the results stand."""
    pid_file = tmp_path / "pids"
    spec(monkeypatch, tmp_path, journeys=["J1", "N1"], leave_behind=True, pid_file=str(pid_file), hold=True)
    cfg = make_cfg(tmp_path, kill_grace=0.5)
    watched = Watched(pid_file, 2)
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle()
        assert report.status == "completed" and report.errors == [] and report.exit_code == 0
        assert len(report.runs) == 4
    assert watched.living() == [], "the process the child left behind outlived the cycle"
    watched.close()
