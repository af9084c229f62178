"""Fault survival, through the monitor with the real journeys child.

Each test starts its own Mailpit and reference extranet (``fixtures.services.processes``), points the
monitor's child at them with ``--target-config`` in ``[run] extra_args`` (so the operator key
stays out of argv and the child log), runs real cycles (chromium, one or two short journeys,
retries off), breaks one piece and reads what the monitor stored:

- Mailpit killed while a mail journey waits → ``probe_error`` for that journey; the next
  cycle, with Mailpit back on the same ports, succeeds;
- the browser process killed mid-journey → ``probe_error`` / ``browser_crashed`` for that
  journey only; the run's other journey is a success;
- the extranet down → ``failure`` / ``target_unreachable``;
- Mailpit's SMTP chaos refusing every recipient → ``mail_not_received`` in the stored row;
- the monitor SIGKILLed mid-cycle → history intact after restart, the cycle ``interrupted``.

Waits are event-driven where an event exists (thread join, process wait); otherwise bounded
polls with a deadline (a log line, a file, a store row).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from support.waiting import wait_for

from fixtures.engines.resolve import resolve_engine
from fixtures.services.processes import (
    ExtranetService,
    MailpitService,
    ManagedProcess,
    _http_ok,
    _smtp_ok,
    reference_stack,
    spawn,
    start_extranet,
    start_mailpit,
    wait_until_ready,
)
from fixtures.target.operator import OperatorClient
from monitor.config import Config
from monitor.cycle.runner import CycleRunner
from monitor.store.results_db import Store

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=50),
              pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")]
ROOT = Path(__file__).resolve().parents[2]
KEY = "survival-" + uuid.uuid4().hex[:12]
N1_READ_ONLY = "signale_s_il_est_affiche"  # N1's read-only test: one GET /


def target_toml(path: Path, base_url: str, mailpit_url: str | None, mail_timeout: float | None = None) -> Path:
    lines = ["[target]", f'base_url = "{base_url}"', "reference = true", f'operator_key = "{KEY}"']
    if mailpit_url:
        lines.append(f'mailpit_url = "{mailpit_url}"')
    if mail_timeout:
        lines.append(f"mail_timeout_seconds = {mail_timeout}")
    path.write_text("\n".join(lines) + "\n")
    return path


def monitor_cfg(tmp_path: Path, toml: Path, journeys: tuple[str, ...], pytest_k: str = "") -> Config:
    return Config(journeys=journeys, browsers=("chromium",), pytest_k=pytest_k, retries=0, cycle_timeout=120.0,
                  kill_grace=2.0, python=sys.executable, workdir=ROOT, extra_args=("--target-config", str(toml), "--tracing=off"),  # no trace is read here
                  db_path=tmp_path / "m.db", artifacts_dir=tmp_path / "artifacts")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[MailpitService, ExtranetService]]:
    with reference_stack(tmp_path / "services", operator_key=KEY) as services:
        yield services


def only_row(store: Store, cycle_id: int, journey: str):
    rows = [r for r in store.results(cycle_id=cycle_id) if r.journey == journey]
    assert len(rows) == 1, rows
    return rows[0]


def restart_on_same_ports(old: ManagedProcess) -> ManagedProcess:
    """Mailpit again with the very same argv (ports, database): the extranet's SMTP and the
    target file keep pointing at it, as after an operator restarts a crashed service."""
    assert isinstance(old.popen.args, (list, tuple))  # spawn() starts it from an argv list
    argv = [str(a) for a in old.popen.args]
    http = argv[argv.index("--listen") + 1]
    smtp_port = int(argv[argv.index("--smtp") + 1].rsplit(":", 1)[1])
    proc = spawn("mailpit", argv, old.log_path)
    wait_until_ready(proc, lambda: _http_ok(f"http://{http}/readyz") and _smtp_ok("127.0.0.1", smtp_port),
                     "HTTP /readyz and SMTP")
    return proc


def test_mailpit_killed_mid_cycle_is_a_probe_error_and_the_next_cycle_recovers(tmp_path, stack) -> None:
    mailpit, extranet = stack
    operator = OperatorClient(extranet.base_url, KEY)
    operator.set_faults({"mail_delay_seconds": 3})  # a window: the page answers, the mail comes 3 s later
    cfg = monitor_cfg(tmp_path, target_toml(tmp_path / "t.toml", extranet.base_url, mailpit.http_url), ("J2.2a",))
    restarted: ManagedProcess | None = None
    try:
        killed = threading.Event()

        def kill_mailpit_when_the_journey_waits() -> None:
            # The extranet logs the delayed mail once the journey has submitted and waits for it.
            try:
                wait_for(lambda: "fault: mail kind=identifiant delayed" in
                         extranet.process.log_path.read_text(errors="replace"), 60, "the delayed mail")
            except AssertionError:
                return
            mailpit.process.kill()
            killed.set()

        with Store.open_writer(cfg.db_path) as store:
            runner = CycleRunner(cfg, store)
            watcher = threading.Thread(target=kill_mailpit_when_the_journey_waits, daemon=True)
            watcher.start()
            first = runner.run_cycle("once")  # the store is used from this thread only
            watcher.join(5)
            assert killed.is_set(), "the journey never reached its mail wait"
            assert first.status == "completed"
            row = only_row(store, first.cycle_id, "J2.2a")
            assert row.outcome == "probe_error", (row.failure_class, row.message)
            assert row.failure_class == "mailpit_unreachable", row.message
            assert first.exit_code == 3  # the prober broke, not the target

            restarted = restart_on_same_ports(mailpit.process)
            operator.set_faults({})
            second = runner.run_cycle("once")
            row = only_row(store, second.cycle_id, "J2.2a")
            assert row.outcome == "success", (row.failure_class, row.message)
            assert second.exit_code == 0
            assert [c.status for c in store.cycles()] == ["completed", "completed"]
    finally:
        operator.close()
        if restarted is not None:
            restarted.stop()


BROWSER_KILLER = '''
"""Temporary journey written by tests/integration/test_fault_survival.py: its browser dies mid-journey."""
import os
import signal
from pathlib import Path

import pytest

from .parcours import ouvrir_l_accueil

pytestmark = pytest.mark.journey("X9")
BROWSER_NAMES = ("chromium", "chrome", "headless_shell", "firefox", "MiniBrowser")  # prefixes: comm is cut at 15 chars


def _parents():
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            out[int(entry.name)] = (int(rest[1]), name)
    return out


def browser_main_pids():
    """Browser processes below this pytest process whose parent is not a browser process."""
    procs = _parents()
    mine, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, (ppid, _) in procs.items() if ppid in frontier} - mine
        mine |= frontier
    browser = {pid for pid in mine if procs[pid][1].startswith(BROWSER_NAMES)}
    return sorted(pid for pid in browser if procs[pid][0] not in browser)


def test_le_navigateur_meurt_en_plein_parcours(page, journey):
    if os.environ.get("SURVIVAL_BROWSER_KILL") != "@TOKEN@":
        pytest.skip("only run by tests/integration/test_fault_survival.py")
    with journey.step("Aller sur la page d'accueil"):
        ouvrir_l_accueil(page)
    with journey.step("Le processus du navigateur est tué (SIGKILL), puis le parcours continue"):
        pids = browser_main_pids()
        assert pids, "no browser process found below the pytest process"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        ouvrir_l_accueil(page)
'''


def test_browser_killed_mid_journey_is_a_probe_error_for_that_journey_only(tmp_path, stack, monkeypatch) -> None:
    mailpit, extranet = stack
    # The temporary journey is not named test_*.py, so a `pytest journeys` someone else runs
    # meanwhile never collects it; this child names it explicitly, BEFORE N1's file, so that N1
    # runs on the same engine in the same child after the kill: the browser must be relaunched.
    # It also does nothing without this test's token in its environment.
    module = ROOT / "journeys" / f"tmp_browser_kill_{os.getpid()}_{uuid.uuid4().hex[:6]}.py"
    token = uuid.uuid4().hex
    module.write_text(BROWSER_KILLER.replace("@TOKEN@", token))
    monkeypatch.setenv("SURVIVAL_BROWSER_KILL", token)  # inherited by the monitor's child
    cfg = monitor_cfg(tmp_path, target_toml(tmp_path / "t.toml", extranet.base_url, mailpit.http_url),
                      ("X9", "N1"), pytest_k=f"{N1_READ_ONLY} or meurt_en_plein_parcours")
    cfg.browsers = tuple(b for b in ("chromium", "firefox", "webkit") if resolve_engine(b).available)
    cfg.cycle_timeout = 100.0 * len(cfg.browsers)  # a loaded CI runs the three engines' two journeys slowly
    cfg.command = ("{python}", "-m", "pytest", f"journeys/{module.name}", "journeys/test_n1_avis_incident.py",
                   "-p", "fixtures.plugin.results_output", "--results-json", "{results_json}", "{browser_args}", "{journey_args}",
                   "{k_args}", "--output", "{output_dir}")
    try:
        with Store.open_writer(cfg.db_path) as store:
            report = CycleRunner(cfg, store).run_cycle("once")
            rows = {(r.journey, r.browser): r for r in store.results(cycle_id=report.cycle_id)}
    finally:
        module.unlink()
    assert report.status == "completed" and report.errors == []
    assert set(rows) == {(j, b) for j in ("X9", "N1") for b in cfg.browsers}, sorted(rows)
    for browser in cfg.browsers:
        killed, after = rows["X9", browser], rows["N1", browser]
        assert (killed.outcome, killed.failure_class) == ("probe_error", "browser_crashed"), killed.message
        assert after.outcome == "success", (browser, after.failure_class, after.message)
    assert report.exit_code == 3  # a prober problem, not a target failure


def test_extranet_down_is_a_target_failure(tmp_path, stack) -> None:
    mailpit, extranet = stack
    extranet.stop()  # the target goes down; Mailpit (ours) is fine
    cfg = monitor_cfg(tmp_path, target_toml(tmp_path / "t.toml", extranet.base_url, mailpit.http_url), ("N1",),
                      pytest_k=N1_READ_ONLY)
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle("once")
        row = only_row(store, report.cycle_id, "N1")
    assert (row.outcome, row.failure_class) == ("failure", "target_unreachable"), row.message
    assert report.exit_code == 1


def test_smtp_refusal_by_mailpit_chaos_is_stored_as_mail_not_received(tmp_path) -> None:
    workdir = tmp_path / "services"
    mailpit = start_mailpit(workdir, chaos_triggers="Recipient:451:100")
    try:
        extranet = start_extranet(workdir, smtp_host=mailpit.smtp_host, smtp_port=mailpit.smtp_port, operator_key=KEY)
        try:
            toml = target_toml(tmp_path / "t.toml", extranet.base_url, mailpit.http_url, mail_timeout=3)
            cfg = monitor_cfg(tmp_path, toml, ("J2.2a",))
            with Store.open_writer(cfg.db_path) as store:
                report = CycleRunner(cfg, store).run_cycle("once")
                row = only_row(store, report.cycle_id, "J2.2a")
                runs = {n: v for n, lab, v in store.counters() if n == "runs_total" and lab["outcome"] == "mail_not_received"}
        finally:
            extranet.stop()
    finally:
        mailpit.stop()
    assert row.outcome == "mail_not_received", (row.failure_class, row.message)
    assert runs == {"runs_total": 1}
    assert report.exit_code == 1  # the target's mail never came: a target failure, not a prober one


def _group_of_child(marker: str) -> int | None:
    """Process group of a live pytest child whose argv names this (unique) path, if any."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    return os.getpgid(int(entry.name))
            except (OSError, ProcessLookupError):
                continue
    return None


def test_monitor_sigkilled_mid_cycle_keeps_history_and_marks_the_cycle_interrupted(tmp_path, stack) -> None:
    mailpit, extranet = stack
    toml = target_toml(tmp_path / "t.toml", extranet.base_url, mailpit.http_url)
    db, artifacts = tmp_path / "m.db", tmp_path / "artifacts"
    conf = tmp_path / "monitor.toml"
    conf.write_text(f'[schedule]\ninterval = "1h"\njitter = 0\n'
                    f'[run]\njourneys = ["N1"]\nbrowsers = ["chromium"]\npytest_k = "{N1_READ_ONLY}"\nretries = 0\n'
                    f'cycle_timeout = "2m"\nextra_args = {json.dumps(["--target-config", str(toml), "--tracing=off"])}\n'
                    f'[store]\npath = "{db}"\nartifacts_dir = "{artifacts}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}

    def once() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "monitor", "--config", str(conf), "once"], cwd=ROOT, env=env, check=False,
                              capture_output=True, text=True, timeout=120)

    first = once()
    assert first.returncode == 0, first.stderr[-2000:]
    with Store.open_reader(db) as store:
        history = [(r.id, r.cycle_id, r.outcome) for r in store.results()]
    assert history and history[0][2] == "success"

    # The home page now answers after 2 minutes: cycle 2's child is certainly still running
    # when the monitor is killed, so only dying with its parent can end it within the wait.
    operator = OperatorClient(extranet.base_url, KEY)
    operator.set_faults({"endpoint_delays_seconds": {"home": 120}})
    monitor = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(conf), "run", "--no-exporter"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child_log = artifacts / "cycle-000002" / "attempt-1" / "child.log"
    orphan_group = None
    try:
        wait_for(child_log.exists, 30, "cycle 2's child to start")
        monitor.send_signal(signal.SIGKILL)  # no handler runs: the cycle stays 'running' in the store
        monitor.wait(10)
        # The child runs in its own session but dies with the monitor (PR_SET_PDEATHSIG):
        # no pytest, browser or service keeps probing the target after a SIGKILL.
        marker = str(artifacts / "cycle-000002")
        try:
            wait_for(lambda: _group_of_child(marker) is None, 20, "the child to end with the SIGKILLed monitor")
        finally:
            orphan_group = _group_of_child(marker)  # only if the assertion failed: clean up
    finally:
        if monitor.poll() is None:
            monitor.kill()
            monitor.wait(10)
        if orphan_group is not None:
            try:
                os.killpg(orphan_group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        operator.set_faults({})
        operator.close()
    with Store.open_reader(db) as store:
        assert [c.status for c in store.cycles()] == ["running", "completed"]  # as the kill left it

    restart = once()
    assert restart.returncode == 0, restart.stderr[-2000:]
    with Store.open_reader(db) as store:
        cycles = {c.id: c for c in store.cycles()}
        assert [cycles[i].status for i in (1, 2, 3)] == ["completed", "interrupted", "completed"]
        assert "found at start-up" in (cycles[2].message or "")
        rows = store.results()
        assert [(r.id, r.cycle_id, r.outcome) for r in rows if r.cycle_id == 1] == history  # history intact
        assert [(r.cycle_id, r.outcome) for r in rows if r.cycle_id != 1] == [(3, "success")]
        errors = {lab["reason"]: v for n, lab, v in store.counters() if n == "cycle_errors_total"}
        assert errors == {"interrupted": 1}
