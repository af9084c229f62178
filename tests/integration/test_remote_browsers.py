"""Journeys through browsers served elsewhere: Playwright ``launch-server`` per engine, started
from the example configs in ops/browser-pool/ (Debian's Chromium, and firefox-esr over WebDriver
BiDi), and the suite run with ``--connect ENGINE=ws://…`` as a user runs it.

Checked: the journeys pass in both engines through the servers; the run header and every
result name the engine ``remote: ws://host:port`` and never the endpoint's token; a server
that does not answer is the journey's probe error (not an engine missing here); a bad
``--connect`` is a usage error naming the fix.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Iterator

import playwright
import pytest
from support.child_pytest import ROOT, run_pytest  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.engines.remote import public_endpoint
from fixtures.services.ports import free_port
from fixtures.services.processes import ManagedProcess, spawn, start_with_retries

DRIVER = Path(playwright.__file__).parent / "driver"
POOL = ROOT / "ops" / "browser-pool"
ENDPOINT = re.compile(r"^(wss?://\S+)$", re.M)
N1_READ_ONLY = "signale_s_il_est_affiche"


def launch_server(tmp_path: Path, engine: str) -> tuple[ManagedProcess, str]:
    """The example config with a free port; the endpoint is the line the server prints.

    Started like the suite's other services (``start_with_retries``): a fresh port on each try,
    and a browser that fails to come up on a loaded machine is launched again, at most 3 times.
    """
    def launch() -> tuple[ManagedProcess, Callable[[], bool], tuple[ManagedProcess, str]]:
        config = json.loads((POOL / f"{engine}.json").read_text())
        config["port"] = free_port()
        (tmp_path / f"{engine}.json").write_text(json.dumps(config))
        proc = spawn(f"launch-server-{engine}", [str(DRIVER / "node"), str(DRIVER / "package" / "cli.js"),
                                                 "launch-server", "--browser", engine,
                                                 "--config", str(tmp_path / f"{engine}.json")],
                     tmp_path / f"launch-server-{engine}-{config['port']}.log")

        def endpoint() -> str | None:
            found = ENDPOINT.search(proc.log_path.read_text(errors="replace"))
            return found[1] if found else None
        return proc, lambda: endpoint() is not None, (proc, "")

    proc, _ = start_with_retries(launch, "its ws:// endpoint", timeout=60)
    found = ENDPOINT.search(proc.log_path.read_text(errors="replace"))
    assert found is not None, "the server logged its ws:// endpoint"
    return proc, found[1]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    for engine in ("chromium", "firefox"):
        config = json.loads((POOL / f"{engine}.json").read_text())
        if not Path(config["executablePath"]).exists():
            pytest.skip(f"{config['executablePath']} is not installed (the example pool uses Debian's browsers)")
    tmp = tmp_path_factory.mktemp("pool")
    started: list[ManagedProcess] = []
    endpoints = {}
    try:
        for engine in ("chromium", "firefox"):
            proc, endpoint = launch_server(tmp, engine)
            started.append(proc)
            endpoints[engine] = endpoint
        yield endpoints
    finally:
        for proc in started:
            proc.stop()


@pytest.mark.integration
def test_journeys_pass_through_remote_browser_servers(tmp_path: Path, servers: dict[str, str]) -> None:
    connect = [a for engine, url in servers.items() for a in ("--connect", f"{engine}={url}")]
    proc, results = run_pytest(tmp_path, "journeys", "--browser", "chromium", "--browser", "firefox", *connect,
                               "--journey", "N1", "--journey", "J2.2a", "-k", f"{N1_READ_ONLY} or identifiant")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert {(r["journey"], r["browser"], r["outcome"]) for r in results} == {
        (j, b, "success") for j in ("N1", "J2.2a") for b in ("chromium", "firefox")}, results
    for engine, url in servers.items():
        shown = f"remote: {public_endpoint(url)}"
        assert shown == f"remote: ws://127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}"
        assert re.search(rf"^engine {engine}: \w+ \({re.escape(shown)}\)$", proc.stdout, re.M), proc.stdout[:2000]
        assert all(shown in r["engine"] for r in results if r["browser"] == engine)
        token = url.rsplit("/", 1)[1]
        assert token not in out and token not in json.dumps(results)  # the endpoint's token is a credential


@pytest.mark.integration
def test_a_server_that_does_not_answer_is_a_probe_error(tmp_path: Path) -> None:
    proc, results = run_pytest(tmp_path, "journeys", "--browser", "chromium",
                               "--connect", f"chromium=ws://127.0.0.1:{free_port()}/gone-token",
                               "--journey", "N1", "-k", N1_READ_ONLY)
    assert proc.returncode != 0
    assert [(r["outcome"], r["browser"]) for r in results] == [("probe_error", "chromium")], results
    assert "gone-token" not in proc.stdout + proc.stderr + json.dumps(results)


def test_bad_connect_values_are_usage_errors_naming_the_fix(tmp_path: Path) -> None:
    proc, _ = run_pytest(tmp_path, "journeys", "--collect-only", "--connect", "opera=ws://h:1/x")
    assert proc.returncode == 4 and "ENGINE one of chromium, firefox, webkit" in proc.stderr, proc.stderr
    proc, _ = run_pytest(tmp_path, "journeys", "--collect-only", "--connect", "chromium=http://h:1/secret-token")
    assert proc.returncode == 4 and "is not a ws:// or wss:// URL" in proc.stderr, proc.stderr
    assert "secret-token" not in proc.stderr


@pytest.mark.integration
def test_the_monitor_runs_its_journeys_through_the_servers(tmp_path: Path, servers: dict[str, str]) -> None:
    import sys

    from monitor.config import Config
    from monitor.cycle.runner import CycleRunner
    from monitor.store.results_db import Store
    cfg = Config(journeys=("N1",), browsers=("chromium", "firefox"), pytest_k=N1_READ_ONLY, retries=0,
                 cycle_timeout=240.0, python=sys.executable, workdir=ROOT, connect=dict(servers),
                 db_path=tmp_path / "m.db", artifacts_dir=tmp_path / "artifacts")
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle("once")
    assert {(r.browser, r.outcome) for _a, r in report.attempts} == {("chromium", "success"), ("firefox", "success")}
    for _attempt, result in report.attempts:
        assert f"remote: {public_endpoint(servers[result.browser])}" in (result.engine or ""), result
    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "artifacts").rglob("*.log"))
    assert "N1" in logs or "passed" in logs  # the child's log is there, and the tokens are not in it
    for url in servers.values():
        assert url.rsplit("/", 1)[1] not in logs


