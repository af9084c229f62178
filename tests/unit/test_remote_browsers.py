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
from support.child_pytest import ROOT  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.engines.remote import ConnectError, parse_connect, public_endpoint
from fixtures.services.ports import free_port
from fixtures.services.processes import ManagedProcess, spawn, start_with_retries

DRIVER = Path(playwright.__file__).parent / "driver"
POOL = ROOT / "ops" / "browser-pool"
ENDPOINT = re.compile(r"^(wss?://\S+)$", re.M)


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


def test_parse_connect_forms() -> None:
    assert parse_connect(["chromium=ws://a:1/t,firefox=wss://b:2/u", ""]) == {
        "chromium": "ws://a:1/t", "firefox": "wss://b:2/u"}
    assert public_endpoint("ws://user:pw@host:3000/token?k=v") == "ws://host:3000"
    with pytest.raises(ConnectError, match="two endpoints"):
        parse_connect(["chromium=ws://a:1/t", "chromium=ws://b:1/t"])


def test_monitor_connect_config_is_validated(tmp_path: Path) -> None:
    from monitor.config import ConfigError, load_config
    p = tmp_path / "m.toml"
    p.write_text('[run]\nbrowsers = ["chromium"]\nconnect = ["chromium=ws://pool:3000/tok"]\n')
    assert load_config(p, env={}).connect == {"chromium": "ws://pool:3000/tok"}
    assert load_config(p, env={"MONITOR_RUN_CONNECT": "chromium=ws://other:1/t"}).connect == {"chromium": "ws://other:1/t"}
    for bad, key_fix in (('["firefox=ws://pool:3001/t"]', "add firefox to [run] browsers"),
                         ('["chromium=http://pool:3000/t"]', "as `playwright launch-server` printed them")):
        p.write_text(f'[run]\nbrowsers = ["chromium"]\nconnect = {bad}\n')
        with pytest.raises(ConfigError) as exc:
            load_config(p, env={})
        assert exc.value.key == "[run] connect" and key_fix in exc.value.fix
