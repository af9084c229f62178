"""A location is configuration: ``[monitor] location`` reaches the JSON summary, the report and
the Pushgateway grouping key, and a bad value is refused with the key and the fix (exit 2)."""
from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.synthetic import populate
from test_monitor_cli import config, monitor, pushgateway  # same folder (pytest prepends it to sys.path)

from monitor.__main__ import main
from monitor.config import ConfigError, load_config
from monitor.export.push import grouping_key
from monitor.report.history_report import compute, render_text, write_html
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


def test_once_writes_the_location_in_the_json_summary_and_the_text(tmp_path: Path) -> None:
    cfg = config(tmp_path, monitor='location = "paris-1"')
    proc = monitor("--config", str(cfg), "once", "--json", str(tmp_path / "c.json"), spec={"journeys": ["J1", "N1"]})
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "c.json").read_text())["location"] == "paris-1"
    assert "at paris-1:" in proc.stdout.splitlines()[-5]  # "cycle 1 at paris-1: completed …"


def test_report_names_the_location(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        populate(store, cycles=4, step=600)
        data = compute(store, [86400], location="lyon-2")
    assert render_text(data).splitlines()[0].startswith("Extranet monitor report — location lyon-2 — ")
    write_html(data, tmp_path / "r.html")
    assert '<strong id="location">lyon-2</strong>' in (tmp_path / "r.html").read_text()


@pytest.mark.skipif(not shutil.which("prometheus-pushgateway"), reason="prometheus-pushgateway not installed")
def test_pushed_series_carry_the_location_label(tmp_path: Path) -> None:
    with pushgateway() as url:
        for location in ("paris-1", "lyon-2"):  # same host name: the location keeps the two groups apart
            (tmp_path / location).mkdir()
            cfg = config(tmp_path / location, monitor=f'location = "{location}"')
            proc = monitor("--config", str(cfg), "once", "--pushgateway", url, spec={"journeys": ["J1", "N1"]})
            assert proc.returncode == 0, proc.stderr
        with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
            text = r.read().decode()
        locations = {s.labels.get("location") for fam in text_string_to_metric_families(text) for s in fam.samples
                     if s.name == "probe_success" and s.labels.get("job") == "extranet_monitor"}
        assert locations == {"paris-1", "lyon-2"}
