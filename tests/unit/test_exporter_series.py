"""The exporter's series from a store, parsed with prometheus_client's parser: labels bounded,
counters that survive a restart, prober errors apart from the target's. Served over HTTP:
tests/integration/test_monitor_exporter_http.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from support.exporter_store import two_cycle_store, value

from fixtures.core.blocking import PRODUCTS, Block
from fixtures.core.contract import JourneyResult, Step
from fixtures.core.coverage import STATES
from fixtures.core.signature import Signature
from fixtures.core.steps import OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE, STEP_IDS
from monitor.export.exporter import InProcessErrors, StoreCollector, make_registry
from monitor.store.results_db import Store

ALLOWED_LABELS = {"journey", "browser", "outcome", "reason", "status", "le", "step", "versus", "state", "product"}


def scrape(db: Path, **kw) -> dict:
    text = generate_latest(make_registry(StoreCollector(db, **kw))).decode()
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    return fams


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return two_cycle_store(tmp_path / "m.db")


def test_metrics_from_the_store(db: Path) -> None:
    fams = scrape(db, journeys=["J1", "N1"], browsers=["chromium", "firefox"])
    runs = "extranet_journey_runs"
    assert value(fams, runs, journey="J1", browser="chromium", outcome="failure") == 1  # first attempt only
    assert value(fams, runs, journey="J1", browser="chromium", outcome="success") == 0
    assert value(fams, runs, journey="J1", browser="chromium", outcome="probe_error") == 1
    assert value(fams, runs, journey="N1", browser="chromium", outcome="success") == 0  # pre-populated zero
    assert value(fams, "extranet_journey_flaky", journey="J1", browser="chromium") == 1
    # probe_success: the prober's failure (cycle 2, chromium) does not overwrite the target's verdict
    assert value(fams, "probe_success", journey="J1", browser="chromium") == 1
    assert value(fams, "extranet_journey_probe_error", journey="J1", browser="chromium") == 1
    assert value(fams, "probe_success", journey="J1", browser="firefox") == 0
    assert value(fams, "extranet_journey_probe_error", journey="J1", browser="firefox") == 0
    assert value(fams, "extranet_incident_notice") == 1
    assert value(fams, "extranet_mail_spam_score", journey="J1") == 2.5
    assert value(fams, "extranet_monitor_last_cycle_timestamp_seconds") == 1_800_000_000.0
    assert value(fams, "extranet_monitor_cycles", status="timeout") == 1
    assert value(fams, "extranet_monitor_cycle_errors", reason="cycle_timeout") == 1
    assert value(fams, "extranet_monitor_cycle_errors", reason="runner_crashed") == 0
    assert value(fams, "extranet_monitor_store_up") == 1
    ts = value(fams, "extranet_journey_last_success_timestamp_seconds", journey="J1", browser="chromium")
    assert ts > 1_700_000_000
    # histograms: cumulative buckets, sum and count
    dur = {(s.name, s.labels.get("le")): s.value for s in fams["extranet_journey_duration_seconds"].samples
           if s.labels.get("journey") == "J1" and s.labels.get("browser") == "chromium"}
    assert dur[("extranet_journey_duration_seconds_count", None)] == 2  # the probe error is left out
    assert dur[("extranet_journey_duration_seconds_sum", None)] == 9.0
    assert dur[("extranet_journey_duration_seconds_bucket", "2.0")] == 0
    assert dur[("extranet_journey_duration_seconds_bucket", "5.0")] == 2
    assert dur[("extranet_journey_duration_seconds_bucket", "+Inf")] == 2
    mail = {(s.name, s.labels.get("le")): s.value for s in fams["extranet_mail_delivery_seconds"].samples}
    assert mail[("extranet_mail_delivery_seconds_bucket", "2.0")] == 1
    assert mail[("extranet_mail_delivery_seconds_bucket", "60.0")] == 2
    assert mail[("extranet_mail_delivery_seconds_count", None)] == 2


def test_labels_are_bounded_never_an_address_identifier_or_url(db: Path) -> None:
    text = generate_latest(make_registry(StoreCollector(db))).decode()
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            assert set(s.labels) <= ALLOWED_LABELS, s
            for v in s.labels.values():
                assert "://" not in v and "@" not in v and "AP7K2M9Q4X" not in v, s
            assert s.labels.get("step", "none") in STEP_IDS, s  # a fixed id, never the words
            assert s.labels.get("product", "f5") in PRODUCTS, s  # a fixed vocabulary, never a reference id
            assert s.labels.get("state", "exercised") in STATES, s  # coverage: a fixed vocabulary
    assert 'journey="unknown"' in text  # the odd journey id was folded


def test_counters_survive_a_restart_and_a_new_scrape(db: Path) -> None:
    before = scrape(db)
    with Store.open_writer(db) as store:  # a restarted monitor: one more cycle
        c = store.start_cycle(["J1"], ["firefox"])
        store.record_attempt(c, 1, [JourneyResult("J1", "firefox", "success")])
        store.finish_cycle(c, "completed")
    after = scrape(db)
    assert value(after, "extranet_journey_runs", journey="J1", browser="firefox", outcome="success") == \
        value(before, "extranet_journey_runs", journey="J1", browser="firefox", outcome="success") + 1
    assert value(after, "extranet_monitor_cycles", status="completed") == 2


def test_unreadable_store_is_a_monitor_error_not_a_probe_failure(tmp_path: Path) -> None:
    bad = tmp_path / "m.db"
    bad.write_text("garbage")
    errors = InProcessErrors()
    errors.inc("store_error")
    fams = {f.name: f for f in text_string_to_metric_families(
        generate_latest(make_registry(StoreCollector(bad, errors=errors))).decode())}
    assert value(fams, "extranet_monitor_store_up") == 0
    assert value(fams, "extranet_monitor_cycle_errors", reason="store_error") == 1
    assert "probe_success" not in fams  # no verdict about the target


def test_step_failures_count_first_attempts_by_fixed_step_id_with_zeros_for_the_other_browsers(tmp_path: Path) -> None:
    db = tmp_path / "steps.db"
    reset = OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE
    passed = (Step("2/ …", 1.0, True, "forgot_password"), Step(reset.name, 1.0, True, reset.id))
    failed = (Step("2/ …", 1.0, True, "forgot_password"), Step(reset.name, 1.0, False, reset.id))
    firefox = JourneyResult("J2.2b", "firefox", "failure", steps=failed,
                            signatures=(Signature(step_id=reset.id, step=reset.name, status=422),))
    with Store.open_writer(db) as store:
        for _ in range(2):
            c = store.start_cycle(["J2.2b"], ["chromium", "firefox"])
            store.record_attempt(c, 1, [JourneyResult("J2.2b", "chromium", "success", steps=passed), firefox])
            store.record_attempt(c, 2, [firefox])  # a retry: not counted (first attempts, like the rates)
            store.finish_cycle(c, "completed")
        c = store.start_cycle(["J2.2b"], ["firefox"])  # the prober broke: says nothing about a step
        store.record_attempt(c, 1, [JourneyResult("J2.2b", "firefox", "probe_error", steps=failed)])
        store.finish_cycle(c, "completed")
        c = store.start_cycle(["J2"], ["firefox"])  # words a newer plugin sent: a bounded label
        store.record_attempt(c, 1, [JourneyResult("J2", "firefox", "failure", steps=(Step("x", 1.0, False, "made_up"),))])
        store.finish_cycle(c, "completed")
    fams = scrape(db, browsers=["chromium", "firefox"])
    family = "extranet_journey_step_failures"
    assert value(fams, family, journey="J2.2b", browser="firefox", step=reset.id) == 2
    assert value(fams, family, journey="J2.2b", browser="chromium", step=reset.id) == 0
    assert value(fams, family, journey="J2.2b", browser="firefox", step="forgot_password") == 0
    assert value(fams, family, journey="J2", browser="firefox", step="other") == 1


def test_browser_difference_evidence_per_pair_and_direction_with_its_threshold(tmp_path: Path) -> None:
    # Three days of synthetic history: Chromium ~71 % vs Firefox ~98 %, every 30 minutes.
    from support.synthetic import populate
    path = tmp_path / "diff.db"
    with Store.open_writer(path) as store:
        populate(store, cycles=2 * 24 * 3, step=1800)
    fams = scrape(path, browsers=["chromium", "firefox"])
    threshold = value(fams, "extranet_browser_difference_evidence_threshold")
    assert threshold == pytest.approx(2 * 45 / 0.05)  # both directions × e-processes live in a week / α
    worse = value(fams, "extranet_browser_difference_evidence", browser="chromium", versus="firefox")
    better = value(fams, "extranet_browser_difference_evidence", browser="firefox", versus="chromium")
    assert worse >= threshold > better


@pytest.mark.parametrize("incident, per_browser, target", [
    ({"chromium": 0.5, "firefox": 0.98}, {"chromium": 1.0, "firefox": 0.0}, 0.0),  # one browser: its own alert
    ({"chromium": 0.5, "firefox": 0.5}, {"chromium": 0.0, "firefox": 0.0}, 1.0),  # every browser: the target's
])
def test_own_past_alerts_per_browser_or_the_targets(tmp_path: Path, incident: dict, per_browser: dict,
                                                    target: float) -> None:
    """Two healthy days, then 12 h where ``incident`` holds (success rates): the gauges the rules read."""
    import time

    from support.synthetic import populate
    path, now = tmp_path / "own.db", time.time()
    with Store.open_writer(path) as store:
        populate(store, cycles=192, end=now - 43200, rates={"chromium": 0.98, "firefox": 0.98}, probe_error_rate=0,
                 seed=1)
        populate(store, cycles=48, end=now, rates=incident, probe_error_rate=0, seed=2)
    fams = scrape(path, browsers=["chromium", "firefox"])
    for browser, expected in per_browser.items():
        assert value(fams, "extranet_browser_degradation_alert", browser=browser) == expected, browser
    assert value(fams, "extranet_target_degradation_alert") == target
    assert value(fams, "extranet_browser_degradation_evidence", browser="chromium") >= \
        value(fams, "extranet_browser_degradation_evidence_threshold")


def test_blocked_runs_are_counted_by_product_and_left_out_of_probe_success(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    refused = Block("f5", "support ID 14759836281739927441", 403)
    with Store.open_writer(path) as store:
        c1 = store.start_cycle(["J1"], ["chromium", "firefox"])
        store.record_attempt(c1, 1, [JourneyResult("J1", "firefox", "success", duration_seconds=3.0),
                                     JourneyResult("J1", "chromium", "success", duration_seconds=3.0)])
        store.finish_cycle(c1, "completed")
        c2 = store.start_cycle(["J1"], ["chromium", "firefox"])
        store.record_attempt(c2, 1, [
            JourneyResult("J1", "chromium", "probe_error", failure_class="blocked", blocked=refused),
            JourneyResult("J1", "firefox", "success", duration_seconds=3.0)])
        store.record_attempt(c2, 2, [  # a retry refused again: one run, counted once
            JourneyResult("J1", "chromium", "probe_error", failure_class="blocked", blocked=refused)])
        store.finish_cycle(c2, "completed")
    fams = scrape(path, journeys=["J1"], browsers=["chromium", "firefox"])
    assert value(fams, "extranet_monitor_blocked", product="f5") == 1
    assert value(fams, "extranet_monitor_blocked", product="rate_limit") == 0  # prefilled: rate() sees the first
    assert value(fams, "probe_success", journey="J1", browser="chromium") == 1  # the refusal judged nothing
    text = generate_latest(make_registry(StoreCollector(path))).decode()
    assert "14759836281739927441" not in text  # the reference id is the record's, never a label


@pytest.mark.parametrize("down, per_browser, target", [
    ({"chromium": 0.0, "firefox": 0.98}, {"chromium": 1.0, "firefox": 0.0}, 0.0),  # one browser failing now
    ({"chromium": 0.0, "firefox": 0.0}, {"chromium": 0.0, "firefox": 0.0}, 1.0),  # every browser: the target's
])
def test_failing_now_per_browser_or_the_targets(tmp_path: Path, down: dict, per_browser: dict, target: float) -> None:
    """2 h at 98 %, then 1 h where ``down`` holds (success rates): the incident gauges (issue #29)."""
    import time

    from support.synthetic import populate
    path, now = tmp_path / "incident.db", time.time()
    with Store.open_writer(path) as store:
        populate(store, cycles=8, end=now - 3600, rates={"chromium": 0.98, "firefox": 0.98}, probe_error_rate=0, seed=1)
        populate(store, cycles=4, end=now, rates=down, probe_error_rate=0, seed=2)
    fams = scrape(path, browsers=["chromium", "firefox"])
    for browser, expected in per_browser.items():
        assert value(fams, "extranet_browser_incident", browser=browser) == expected, browser
    assert value(fams, "extranet_target_incident") == target
