"""Integration: a real Prometheus scrapes a running exporter fed by a store of synthetic
rows, loads the ops/ rules, and PromQL over the HTTP API returns the per-browser ratios."""
from __future__ import annotations

import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from support.http_json import get_json
from support.prometheus import PROMETHEUS, running_prometheus
from support.synthetic import populate
from support.waiting import poll_until as poll

from monitor.export.exporter import ExporterServer, StoreCollector
from monitor.report.history_model import compute
from monitor.store.results_db import Store

RULES = Path(__file__).resolve().parents[2] / "ops" / "prometheus" / "extranet-monitor.rules.yml"
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not PROMETHEUS, reason="prometheus not installed (Debian package 'prometheus')")]


def test_prometheus_scrapes_exporter_and_promql_gives_per_browser_ratios(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with Store.open_writer(db) as store:
        populate(store, cycles=60, step=60.0, rates={"chromium": 0.7, "firefox": 0.98})
        expected = {r.label: r for r in compute(store, [10 * 86400]).windows[0].browsers}
    server = ExporterServer(StoreCollector(db, journeys=["J1", "J2.2b", "N1"], browsers=["chromium", "firefox"]),
                            "127.0.0.1", 0).start()
    shutil.copy(RULES, tmp_path / "rules.yml")
    config = ("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
              "rule_files: [rules.yml]\n"
              f"scrape_configs:\n  - job_name: extranet-monitor\n    static_configs:\n"
              f"      - targets: ['127.0.0.1:{server.port}']\n")
    try:
        with running_prometheus(tmp_path, config) as base:
            _check_ratios(base, expected)
    finally:
        server.stop()


def _check_ratios(base: str, expected: dict) -> None:
    """PromQL over the HTTP API gives the per-browser ratios the report computes; the rules load."""
    deadline = time.monotonic() + 40
    poll(lambda: urllib.request.urlopen(base + "/-/ready", timeout=2).status == 200, deadline, "Prometheus /-/ready")
    query = ('sum by (browser) (extranet_journey_runs_total{outcome="success"}) / sum by (browser) '
             '(extranet_journey_runs_total{outcome=~"success|failure|mail_not_received"})')
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": query})

    def two_browsers() -> list | None:
        data = get_json(url)
        result = data["data"]["result"] if data.get("status") == "success" else []
        return result if len(result) == 2 else None
    result = poll(two_browsers, deadline, "a scrape with both browsers")
    got = {r["metric"]["browser"]: float(r["value"][1]) for r in result}
    assert got["chromium"] == pytest.approx(expected["chromium"].ratio, abs=1e-9)
    assert got["firefox"] == pytest.approx(expected["firefox"].ratio, abs=1e-9)
    assert got["chromium"] < 0.85 < 0.95 < got["firefox"]
    # The exporter is healthy as a target, and the ops/ rules load in a real Prometheus.
    up = get_json(base + "/api/v1/query?" + urllib.parse.urlencode({"query": 'up{job="extranet-monitor"}'}))
    assert up["data"]["result"][0]["value"][1] == "1"
    rules = get_json(base + "/api/v1/rules")
    names = {r["name"] for g in rules["data"]["groups"] for r in g["rules"]}
    assert {"ExtranetBrowserDivergence", "browser:extranet_journey_success:ratio_rate6h"} <= names
    assert all(r.get("health") != "err" for g in rules["data"]["groups"] for r in g["rules"])
