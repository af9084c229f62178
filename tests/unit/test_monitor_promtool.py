"""The Prometheus rules in ops/ pass ``promtool check rules`` and their unit tests."""
from __future__ import annotations

import json
from pathlib import Path

OPS = Path(__file__).resolve().parents[2] / "ops"


def test_grafana_dashboard_uses_only_exported_metrics() -> None:
    dash = json.loads((OPS / "grafana" / "extranet-monitor.dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dash["panels"] for t in p["targets"])
    for name in ("probe_success", "extranet_journey_runs_total", "extranet_incident_notice",
                 "extranet_monitor_last_cycle_timestamp_seconds", "extranet_mail_delivery_seconds_bucket",
                 "extranet_browser_difference_evidence", "extranet_browser_difference_evidence_threshold"):
        assert name in exprs
    # The step × browser panel reads the recorded step failures (the exporter's step counter).
    step_panel = next(p for p in dash["panels"] if "journey_browser_step:extranet_journey_step_failures" in
                      " ".join(t["expr"] for t in p["targets"]))
    assert step_panel["transformations"][0]["options"]["columnField"] == "browser"
    rules = (OPS / "prometheus" / "extranet-monitor.rules.yml").read_text()
    assert "record: journey_browser_step:extranet_journey_step_failures:increase6h" in rules
    # The step × browser timings panel reads the recorded median of the step's browser time.
    timing_panel = next(p for p in dash["panels"] if "extranet_journey_step_browser_seconds:p50_6h" in
                        " ".join(t["expr"] for t in p["targets"]))
    assert timing_panel["transformations"][0]["options"]["columnField"] == "browser"
    assert "record: journey_browser_step:extranet_journey_step_browser_seconds:p50_6h" in rules
    assert "extranet_journey_step_browser_seconds_bucket" in rules and "extranet_journey_step_over_budget_total" in rules
    assert "extranet_page_load_seconds_bucket" in exprs and "extranet_page_figure_unmeasured_total" in exprs
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"])
