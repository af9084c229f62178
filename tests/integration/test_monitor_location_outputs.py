"""A location through the running monitor: ``monitor once`` writes it in the JSON summary and the
text, and the series pushed to a real Pushgateway carry it. The configuration:
tests/unit/test_monitor_location.py.
"""
from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.fake_monitor import config, monitor, pushgateway


def test_once_writes_the_location_in_the_json_summary_and_the_text(tmp_path: Path) -> None:
    cfg = config(tmp_path, monitor='location = "paris-1"')
    proc = monitor("--config", str(cfg), "once", "--json", str(tmp_path / "c.json"), spec={"journeys": ["J1", "N1"]})
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "c.json").read_text())["location"] == "paris-1"
    # the summary's head line ("cycle 1 at paris-1: completed in …"), wherever the sections after it end
    assert [line for line in proc.stdout.splitlines() if line.startswith("cycle 1 at paris-1: completed")], proc.stdout


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
