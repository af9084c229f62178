"""End to end through ``python -m monitor``: once (exit codes, JUnit, JSON, Pushgateway), and
the run loop (non-overlapping cycles, idle without busy-wait, SIGTERM mid-cycle and idle)."""
from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.fake_monitor import config, env_with, monitor, pushgateway
from support.waiting import alive, wait_for

from fixtures.services.ports import free_port
from monitor.store.results_db import Store

ROOT = Path(__file__).resolve().parents[2]


def test_once_success_exit_0_with_junit_and_json(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    proc = monitor("--config", str(cfg), "once", "--junit-xml", str(tmp_path / "j.xml"), "--json", str(tmp_path / "c.json"),
                   spec={"journeys": ["J1", "N1"], "state": str(tmp_path / "s.json"),
                         "outcomes": {"J1/chromium": ["failure", "success"]}})
    assert proc.returncode == 0, proc.stderr
    assert "(flaky: passed on retry)" in proc.stdout
    summary = json.loads((tmp_path / "c.json").read_text())
    assert summary["status"] == "completed" and summary["exit_code"] == 0
    flaky = [r for r in summary["runs"] if r["flaky"]]
    assert flaky == [{"journey": "J1", "browser": "chromium", "first_outcome": "failure", "final_outcome": "success",
                      "attempts": 2, "flaky": True, "failure_class": "assertion",
                      # the fake child's steps carry a prober time and no browser time (no page it could measure)
                      "browser_seconds": None, "prober_seconds": 1.5}]
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("tests") == "4" and root.get("failures") == "0" and root.get("errors") == "0"
    case = root.find(".//testsuite[@name='chromium']/testcase[@name='J1']")
    assert case is not None
    flaky_property = case.find("properties/property[@name='flaky']")
    assert flaky_property is not None and flaky_property.get("value") == "true"


def test_once_target_failure_exit_1_and_prober_failure_exit_3(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    proc = monitor("--config", str(cfg), "once", "--junit-xml", str(tmp_path / "j.xml"),
                   spec={"journeys": ["J1", "N1"], "outcomes": {"N1/firefox": ["failure"]}})
    assert proc.returncode == 1, proc.stderr
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("failures") == "1"
    failure = root.find(".//testsuite[@name='firefox']/testcase[@name='N1']/failure")
    assert failure is not None and failure.get("type") == "assertion"
    # The failure says where and why: the signature's line, and its fields as properties.
    assert failure.get("message") == ("Se connecter avec l'identifiant et le mot de passe · 200 · "
                                      "« Identifiant ou mot de passe incorrect. »")
    props = {p.get("name"): p.get("value") for p in root.findall(
        ".//testsuite[@name='firefox']/testcase[@name='N1']/properties/property")}
    assert props["failure_step_id"] == "login" and props["failure_status"] == "200"
    proc = monitor("--config", str(cfg), "once", "--junit-xml", str(tmp_path / "j2.xml"), spec={"mode": "crash"})
    assert proc.returncode == 3, proc.stderr
    root = ET.parse(tmp_path / "j2.xml").getroot()
    assert root.get("errors") == "4" and root.get("failures") == "0"  # <error>, never <failure>


def test_once_refuses_a_database_in_use(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with Store.open_writer(tmp_path / "m.db"):
        proc = monitor("--config", str(cfg), "once", spec={})
    assert proc.returncode == 3
    assert f"in use by another monitor (pid {os.getpid()})" in proc.stderr


@pytest.mark.skipif(not shutil.which("prometheus-pushgateway"), reason="prometheus-pushgateway not installed")
def test_once_pushes_to_a_real_pushgateway(tmp_path: Path) -> None:
    with pushgateway() as url:
        proc = monitor("--config", str(config(tmp_path)), "once", "--pushgateway", url,
                       spec={"journeys": ["J1", "N1"], "incident_notice": True, "outcomes": {"J1/firefox": ["failure"]}})
        assert proc.returncode == 1, proc.stderr
        with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
            text = r.read().decode()
        samples = {(s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k in ("journey", "browser")))): s.value
                   for fam in text_string_to_metric_families(text) for s in fam.samples
                   if s.labels.get("job") == "extranet_monitor"}
        assert samples[("probe_success", (("browser", "firefox"), ("journey", "J1")))] == 0
        assert samples[("probe_success", (("browser", "chromium"), ("journey", "J1")))] == 1
        assert samples[("extranet_incident_notice", ())] == 1
        instances = {s.labels.get("instance") for fam in text_string_to_metric_families(text) for s in fam.samples
                     if s.labels.get("job") == "extranet_monitor" and s.name == "probe_success"}
        assert instances == {socket.gethostname()}  # grouped per host: two monitors never overwrite each other


def test_run_loop_cycles_without_overlap_then_exits(tmp_path: Path) -> None:
    cfg = config(tmp_path, schedule='interval = "1s"\njitter = 0')
    t0 = time.monotonic()
    proc = monitor("--config", str(cfg), "run", "--no-exporter", "--max-cycles", "3",
                   spec={"journeys": ["J1"], "duration_seconds": 1.0})
    assert proc.returncode == 0, proc.stderr
    with Store.open_reader(tmp_path / "m.db") as store:
        cycles = sorted(store.cycles(), key=lambda c: c.id)
    assert [c.status for c in cycles] == ["completed"] * 3
    for a, b in itertools.pairwise(cycles):
        assert a.finished_at is not None and b.started_at >= a.finished_at + 0.9  # never overlapping, spaced by the interval
    assert time.monotonic() - t0 < 30


def test_sigterm_mid_cycle_kills_the_child_group_and_records_interrupted(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    cfg = config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "run"], cwd=ROOT,
                            env=env_with({"mode": "hang_group", "pid_file": str(pid_file)}),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: pid_file.exists() and len(pid_file.read_text().split()) >= 2, 30, "the child and grandchild")
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert time.monotonic() - t0 < 10, "killed within kill_grace (1 s), not after the 1 h interval"
    finally:
        if proc.poll() is None:
            proc.kill()
    for pid in map(int, pid_file.read_text().split()):
        assert not alive(pid), f"process {pid} of the child's group survived"
    with Store.open_reader(tmp_path / "m.db") as store:
        assert [c.status for c in store.cycles()] == ["interrupted"]
        assert store.results() == []


def test_sigterm_while_idle_exits_at_once_and_serves_metrics_meanwhile(tmp_path: Path) -> None:
    port = free_port()
    cfg = config(tmp_path, exporter=f'listen = "127.0.0.1:{port}"')
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "run"], cwd=ROOT,
                            env=env_with({"journeys": ["J1", "N1"]}), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        def completed() -> bool:
            try:
                with Store.open_reader(tmp_path / "m.db") as store:
                    return store.last_completed_cycle_ts() is not None
            except Exception:
                return False
        wait_for(completed, 30, "the first cycle")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            fams = {f.name: f for f in text_string_to_metric_families(r.read().decode())}
        assert fams["probe_success"].samples and fams["extranet_monitor_last_cycle_timestamp_seconds"].samples
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert json.loads(r.read())["status"] == "ok"
        # Idle for an hour: no CPU burnt while waiting.
        cpu0 = _cpu_seconds(proc.pid)
        time.sleep(1.0)
        assert _cpu_seconds(proc.pid) - cpu0 < 0.1
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert time.monotonic() - t0 < 8, "SIGTERM while idle ends the monitor at once, not after the next cycle"
    finally:
        if proc.poll() is None:
            proc.kill()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_serve_exposes_metrics_and_stops_on_sigterm(tmp_path: Path) -> None:
    """Port 0: the exporter picks a free port and says which when it listens; the test waits for that
    line, not for a deadline (under load, starting the monitor took longer than the 20 s once
    allowed), and a monitor that dies first fails the test with what it printed."""
    db = tmp_path / "m.db"
    Store.open_writer(db).close()
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "serve", "--db", str(db), "--listen", "127.0.0.1:0"],
                            cwd=ROOT, env=env_with({}), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # until the exporter listens, or the monitor ends (then the loop ends)
            lines.append(line)
            if found := re.search(r"exporter listening on (http://127\.0\.0\.1:\d+)/metrics", line):
                break
        else:
            pytest.fail(f"monitor serve ended before listening: {''.join(lines)[-3000:]}")
        with urllib.request.urlopen(f"{found.group(1)}/healthz", timeout=30) as r:
            assert json.loads(r.read())["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_refuses_a_busy_exporter_port_with_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = monitor("--config", str(config(tmp_path, exporter=f'listen = "127.0.0.1:{port}"')), "run", spec={})
    assert proc.returncode == 2
    assert "[exporter] listen" in proc.stderr and "choose a free port" in proc.stderr
    with Store.open_reader(tmp_path / "m.db") as store:
        assert store.cycles() == []  # no cycle was started
