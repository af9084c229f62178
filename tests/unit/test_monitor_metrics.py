"""The metric catalogue is the only place metrics are named: what the exporter serves, what a
push sends and what the store writes all come from ``monitor.metrics``."""
from __future__ import annotations

import ast
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fixtures.core.contract import JourneyResult, MailLatency
from monitor import metrics
from monitor.classify import Run
from monitor.cycle.runner import CycleReport
from monitor.export.exporter import StoreCollector, make_registry
from monitor.export.push import build_registry
from monitor.store.results_db import Store

ROOT = Path(__file__).resolve().parents[2]


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def filled_store(path: Path) -> Path:
    with Store.open_writer(path) as store:
        cycle = store.start_cycle(["J1", "N1"], ["chromium"])
        store.record_attempt(cycle, 1, [
            JourneyResult("J1", "chromium", "success", duration_seconds=3.0,
                          mail_latencies=(MailLatency("identifiant", 2.0, None),), spam_scores=(1.0,)),
            JourneyResult("N1", "chromium", "probe_error", failure_class="mailpit_unreachable", message="down",
                          duration_seconds=1.0, incident_notice=True)])
        store.finish_cycle(cycle, "completed")
        store.record_cycle_error("runner_crashed")
    return path


def test_the_exporter_serves_the_catalogue_and_nothing_else(tmp_path: Path) -> None:
    db = filled_store(tmp_path / "m.db")
    served = families(generate_latest(make_registry(StoreCollector(db, journeys=["J1", "N1"],
                                                                   browsers=["chromium"]))).decode())
    assert list(served) == [m.name for m in metrics.EXPORTED]
    for metric in metrics.EXPORTED:
        family = served[metric.name]
        assert (family.type, family.documentation) == (metric.kind, metric.help), metric.name
        for sample in family.samples:
            assert set(sample.labels) - {"le"} == set(metric.labels), (metric.name, sample)
            if sample.name.endswith("_bucket") and sample.labels["le"] != "+Inf":
                assert float(sample.labels["le"]) in metric.buckets


def test_the_store_writes_rows_only_under_catalogue_keys(tmp_path: Path) -> None:
    db = filled_store(tmp_path / "m.db")
    keys = {m.key for m in metrics.CATALOGUE if m.key}
    histogram_rows = {f"{m.key}{suffix}" for m in metrics.CATALOGUE if m.kind == "histogram"
                      for suffix in ("_bucket", "_sum", "_count")}
    with Store.open_reader(db) as store:
        names = {name for name, _labels, _value in store.counters()} | {g[0] for g in store.gauges()}
    assert names and names <= (keys | histogram_rows), names - keys - histogram_rows


def test_a_push_sends_catalogue_gauges_with_their_help() -> None:
    report = CycleReport(1, "completed", 1.0, 5.0, runs=[Run("N1", "chromium", "success", "success", 1)],
                         attempts=[(1, JourneyResult("N1", "chromium", "success", duration_seconds=2.0,
                                                     incident_notice=False, spam_scores=(0.5,)))])
    pushed = families(generate_latest(build_registry(report)).decode())
    catalogue = {m.name: m for m in metrics.PUSHED}
    assert set(pushed) == set(catalogue)
    for name, family in pushed.items():
        assert (family.type, family.documentation, catalogue[name].kind) == ("gauge", catalogue[name].help, "gauge")


def test_no_monitor_module_spells_a_metric_name_or_a_label_encoding() -> None:
    # Public names only: store keys share words with outcomes and record fields ("probe_error",
    # "incident_notice"); the store test above holds the keys to the catalogue.
    names = {m.name for m in metrics.CATALOGUE}
    found = []
    for path in sorted((ROOT / "monitor").glob("*.py")):
        if path.name == "metrics.py":
            continue
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                found.append(f"{path.name}:{node.lineno} {node.value}")
        if "sort_keys=True" in source:
            found.append(f"{path.name}: a label encoding of its own (use metrics.label_key)")
    assert found == []


def test_the_label_encoding_is_order_free_and_compact() -> None:
    assert metrics.label_key({"b": "x", "a": "y"}) == metrics.label_key({"a": "y", "b": "x"}) == '{"a":"y","b":"x"}'
    assert metrics.bucket_label(5) == "5.0" and metrics.bucket_label(float("inf")) == "+Inf"
