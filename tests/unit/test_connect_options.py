"""``--connect ENGINE=ws://…`` and ``[run] connect``: the forms accepted, the endpoint shown without
its token, and bad values refused naming the fix. Journeys through real ``launch-server`` pools are
in tests/integration/test_remote_browsers.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.engines.remote import ConnectError, parse_connect, public_endpoint


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
