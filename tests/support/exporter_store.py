"""A small store the exporter's tests scrape, and how they read one sample back.

Shared by the series tests (tests/unit/test_exporter_series.py) and the HTTP tests
(tests/integration/test_monitor_exporter_http.py), which check the same store from both sides.
"""
from __future__ import annotations

from pathlib import Path

from fixtures.core.contract import JourneyResult, MailLatency
from monitor.store.results_db import Store


def value(fams: dict, family: str, **labels: str) -> float:
    """The sample of ``family`` (counters: its ``_total``) with exactly these labels."""
    for s in fams[family].samples:
        if s.name in (family, family + "_total") and s.labels == labels:
            return s.value
    raise KeyError((family, labels))


def two_cycle_store(path: Path) -> Path:
    """Two cycles: a failure then a retry that passed, mail latencies, a notice, an odd journey id
    carrying an identifier and a URL (never a label), then a cycle that timed out."""
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
