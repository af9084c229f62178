"""The exporter's HTTP endpoints (``/metrics``, ``/healthz``, the page) on a real socket, parsed
with prometheus_client's parser. The series themselves: tests/unit/test_exporter_series.py.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fixtures.core.contract import JourneyResult, MailLatency
from monitor.export.exporter import ExporterServer, StoreCollector
from monitor.store.results_db import Store


def value(fams: dict, family: str, **labels: str) -> float:
    """The sample of ``family`` (counters: its ``_total``) with exactly these labels."""
    for s in fams[family].samples:
        if s.name in (family, family + "_total") and s.labels == labels:
            return s.value
    raise KeyError((family, labels))


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "m.db"
    with Store.open_writer(path) as store:
        c1 = store.start_cycle(["J1", "N1"], ["chromium", "firefox"])
        store.record_attempt(c1, 1, [
            JourneyResult("J1", "chromium", "failure", failure_class="assertion", duration_seconds=4.0,
                          message="user AP7K2M9Q4X at https://x.invalid/reinitialisation/tok"),
            JourneyResult("J1", "firefox", "success", duration_seconds=3.0,
                          mail_latencies=(MailLatency("identifiant", 1.5, 2.0), MailLatency("activation", 40.0, 41.0)),
                          spam_scores=(0.4, 2.5)),
            JourneyResult("N1", "firefox", "success", duration_seconds=0.5, incident_notice=True),
            JourneyResult("https://evil.example/AP7K2M9Q4X", "chromium", "success"),
        ])
        store.record_attempt(c1, 2, [JourneyResult("J1", "chromium", "success", duration_seconds=5.0)])
        store.finish_cycle(c1, "completed", now=1_800_000_000.0)
        c2 = store.start_cycle(["J1"], ["chromium", "firefox"])
        store.record_attempt(c2, 1, [JourneyResult("J1", "chromium", "probe_error", failure_class="cycle_timeout"),
                                     JourneyResult("J1", "firefox", "failure", failure_class="assertion")])
        store.record_cycle_error("cycle_timeout")
        store.finish_cycle(c2, "timeout")
    return path


def test_http_endpoints(db: Path, tmp_path: Path) -> None:
    server = ExporterServer(StoreCollector(db), "127.0.0.1", 0).start()
    try:
        with urllib.request.urlopen(server.url + "/metrics", timeout=5) as r:
            assert r.headers["Content-Type"].startswith("text/plain")
            assert any(f.name == "probe_success" for f in text_string_to_metric_families(r.read().decode()))
        req = urllib.request.Request(server.url + "/metrics", headers={"Accept": "application/openmetrics-text"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.headers["Content-Type"].startswith("application/openmetrics-text")
        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as r:
            assert json.loads(r.read())["status"] == "ok"
    finally:
        server.stop()
    broken = ExporterServer(StoreCollector(tmp_path / "missing.db"), "127.0.0.1", 0).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(broken.url + "/healthz", timeout=5)
        assert err.value.code == 503 and "does not exist yet" in json.loads(err.value.read())["error"]
    finally:
        broken.stop()


