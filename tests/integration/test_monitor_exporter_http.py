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
from support.exporter_store import two_cycle_store

from monitor.export.exporter import ExporterServer, StoreCollector


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return two_cycle_store(tmp_path / "m.db")


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


