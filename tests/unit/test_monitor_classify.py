"""Loading a results file, and outcome classification: attempts, flakiness, folding, exit codes.

Which results are retried is tested through its one user, ``plan_retry`` (test_retry_plan.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.core.contract import JourneyResult, ResultsFileError, load_results, parse_results
from monitor.classify import Run, aggregate, browser_label, exit_code, fold_attempts, journey_label, prober_failure

GOOD = {
    "run_id": "abc", "started_at": 1.0, "finished_at": 2.0,
    "results": [{
        "journey": "J2.2b", "test": "journeys/test_x.py::test_y[chromium]", "browser": "chromium",
        "outcome": "mail_not_received", "failure_class": "mail_not_received", "message": "no mail",
        "duration_seconds": 12.5, "steps": [{"name": "ask", "seconds": 1.5, "ok": True}],
        "mail_latencies": [{"kind": "reinitialisation", "delivery_seconds": 3.0, "notice_seconds": 3.5}],
        "spam_scores": [1.2], "incident_notice": None, "artifacts": ["a.png"], "failed_step": "extra fields are ignored",
    }],
}


def test_parse_good_file(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps(GOOD))
    doc = load_results(p)
    r = doc.results[0]
    assert (r.journey, r.browser, r.outcome, r.duration_seconds) == ("J2.2b", "chromium", "mail_not_received", 12.5)
    assert r.mail_latencies[0].delivery_seconds == 3.0 and r.steps[0].name == "ask"
    assert parse_results(doc.to_dict()) == doc  # round trip


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["results"][0].update(outcome="passed"), "results[0].outcome: 'passed' is not one of"),
    (lambda d: d["results"][0].pop("browser"), "results[0]: missing field 'browser'"),
    (lambda d: d["results"][0].update(duration_seconds="fast"), "results[0].duration_seconds: expected a number"),
    (lambda d: d["results"][0].update(steps=[{"name": "x"}]), "results[0].steps[0]: missing field 'seconds'"),
    (lambda d: d["results"][0].update(incident_notice="yes"), "incident_notice"),
    (lambda d: d.pop("results"), "missing field 'results'"),
])
def test_bad_files_name_the_field(mutate, message: str) -> None:
    doc = json.loads(json.dumps(GOOD))
    mutate(doc)
    with pytest.raises(ResultsFileError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        parse_results(doc)


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match="was not written"):
        load_results(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(ResultsFileError, match="not valid JSON"):
        load_results(tmp_path / "bad.json")


def R(journey: str, browser: str, outcome: str, **kw) -> JourneyResult:  # noqa: N802
    return JourneyResult(journey=journey, browser=browser, outcome=outcome, **kw)


def test_flaky_is_first_failure_then_success() -> None:
    runs = fold_attempts([(1, R("J1", "chromium", "failure", failure_class="assertion")),
                          (2, R("J1", "chromium", "success")),
                          (1, R("J1", "firefox", "success")),
                          (1, R("J3", "chromium", "failure")), (2, R("J3", "chromium", "failure"))])
    by = {(r.journey, r.browser): r for r in runs}
    assert by[("J1", "chromium")].flaky and by[("J1", "chromium")].first == "failure"
    assert by[("J1", "chromium")].failure_class == "assertion"
    assert not by[("J1", "firefox")].flaky
    assert not by[("J3", "chromium")].flaky and by[("J3", "chromium")].target_failed


def test_exit_codes_keep_prober_and_target_apart() -> None:
    ok = Run("J1", "firefox", "success", "success", 1)
    flaky = Run("J1", "chromium", "failure", "success", 2)
    target = Run("J2", "chromium", "failure", "mail_not_received", 2)
    prober = Run("J3", "chromium", "probe_error", "probe_error", 1)
    unavailable = Run("J3", "webkit", "unavailable", "unavailable", 1)
    assert exit_code([ok, flaky, unavailable]) == 0
    assert exit_code([ok, prober]) == 3
    assert exit_code([ok, prober, target]) == 1
    retry_broke = Run("J2", "firefox", "failure", "probe_error", 2)  # failed, then the retry's runner crashed
    assert retry_broke.target_failed and exit_code([ok, retry_broke]) == 1


def test_several_tests_of_one_journey_fold_into_one_row() -> None:
    rows = aggregate([
        R("J2", "firefox", "success", test="t[firefox-a]", duration_seconds=1.0, artifacts=("x",)),
        R("J2", "firefox", "failure", test="t[firefox-b]", failure_class="assertion", duration_seconds=2.0),
        R("J2", "firefox", "probe_error", test="t[firefox-c]", failure_class="browser_crashed", duration_seconds=1.0),
        R("N1", "firefox", "success", incident_notice=False), R("N1", "firefox", "success", incident_notice=True),
    ])
    j2 = next(r for r in rows if r.journey == "J2")
    assert j2.outcome == "failure" and j2.failure_class == "assertion"  # a known target failure wins
    assert j2.test.split("\n") == ["t[firefox-b]", "t[firefox-c]"]  # what a retry reruns
    assert j2.duration_seconds == 4.0 and j2.artifacts == ("x",)
    assert next(r for r in rows if r.journey == "N1").incident_notice is True


def test_labels_are_bounded() -> None:
    assert journey_label("J2.2b") == "J2.2b"
    assert journey_label("https://example.org/x") == "unknown"
    assert journey_label("AP7K2M9Q4X-user@example.org") == "unknown"
    assert browser_label("firefox") == "firefox" and browser_label("192.168.0.1") == "unknown"


def test_prober_failure_covers_every_scheduled_pair() -> None:
    rows = prober_failure([("J1", "chromium"), ("J1", "firefox")], "cycle_timeout", "too slow")
    assert {(r.journey, r.browser, r.outcome, r.failure_class) for r in rows} == {
        ("J1", "chromium", "probe_error", "cycle_timeout"), ("J1", "firefox", "probe_error", "cycle_timeout")}
