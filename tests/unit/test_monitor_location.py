"""A location is configuration: ``[monitor] location`` from TOML and the environment, a bad value
refused with the key and the fix (exit 2), the Pushgateway grouping key and the report carry it.
Through ``monitor once`` and a real Pushgateway: tests/integration/test_monitor_location_outputs.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.synthetic import populate

from monitor.__main__ import main
from monitor.config import ConfigError, load_config
from monitor.export.push import grouping_key
from monitor.report.history_html import write_html
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store


def test_location_from_toml_and_environment(tmp_path: Path) -> None:
    p = tmp_path / "m.toml"
    p.write_text('[monitor]\nlocation = "paris-1"\n')
    assert load_config(p, env={}).location == "paris-1"
    assert load_config(p, env={"MONITOR_MONITOR_LOCATION": "lyon-2"}).location == "lyon-2"
    assert load_config(None, env={}).location == ""  # not said: one location, no label


@pytest.mark.parametrize("bad", ["Paris 1", "paris/1", "-paris", "é", "x" * 65, "paris-"])
def test_bad_location_names_the_key_and_the_fix(tmp_path: Path, bad: str) -> None:
    p = tmp_path / "m.toml"
    p.write_text(f"[monitor]\nlocation = {json.dumps(bad)}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p, env={})
    assert exc.value.key == "[monitor] location"
    assert "paris-1" in exc.value.fix


def test_check_config_exits_2_on_a_bad_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "m.toml"
    p.write_text('[monitor]\nlocation = 12\n')
    assert main(["--config", str(p), "check-config"]) == 2
    assert "[monitor] location" in capsys.readouterr().err


def test_grouping_key_carries_the_location() -> None:
    assert grouping_key("host-a", "paris-1") == {"location": "paris-1", "instance": "host-a"}
    assert grouping_key("host-a", "") == {"instance": "host-a"}


def test_report_names_the_location(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        populate(store, cycles=4, step=600)
        data = compute(store, [86400], location="lyon-2")
    assert render_text(data).splitlines()[0].startswith("Extranet monitor report — location lyon-2 — ")
    write_html(data, tmp_path / "r.html")
    assert '<strong id="location">lyon-2</strong>' in (tmp_path / "r.html").read_text()


