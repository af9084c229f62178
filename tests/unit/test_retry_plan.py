"""The retry planning of a cycle is a pure function: which pairs, which browsers, which tests."""
from __future__ import annotations

from fixtures.core.contract import JourneyResult
from monitor.cycle.runner import AttemptPlan, plan_retry

FIRST = AttemptPlan((("J1", "chromium"), ("J1", "firefox"), ("N1", "firefox")), ("chromium", "firefox"),
                    ("journeys",), "not slow")
RETRY = ("failure", "mail_not_received")


def r(journey: str, browser: str, outcome: str, test: str = "", **kw) -> JourneyResult:
    if outcome not in ("success",):
        kw.setdefault("failure_class", "assertion" if outcome == "failure" else outcome)
        kw.setdefault("message", "m")
    return JourneyResult(journey, browser, outcome, test=test, **kw)


def test_nothing_to_retry_is_no_plan() -> None:
    results = [r("J1", "chromium", "success"), r("N1", "firefox", "probe_error", failure_class="mailpit_unreachable")]
    assert plan_retry(FIRST, results, results, RETRY) is None


def test_failed_tests_are_rerun_by_node_id_on_their_browsers_only() -> None:
    raw = [r("J1", "firefox", "success", "journeys/test_j1.py::test_a[firefox]"),
           r("J1", "firefox", "failure", "journeys/test_j1.py::test_b[firefox]"),
           r("J1", "chromium", "success", "journeys/test_j1.py::test_a[chromium]")]
    results = [r("J1", "firefox", "failure", "journeys/test_j1.py::test_b[firefox]"), r("J1", "chromium", "success")]
    plan = plan_retry(FIRST, results, raw, RETRY)
    assert plan == AttemptPlan((("J1", "firefox"),), ("firefox",), ("journeys/test_j1.py::test_b[firefox]",), "")
    assert not plan.whole_suite


def test_without_node_ids_the_previous_selection_is_rerun() -> None:
    results = [r("N1", "firefox", "mail_not_received")]
    plan = plan_retry(FIRST, results, results, RETRY)
    assert plan == AttemptPlan((("N1", "firefox"),), ("firefox",), ("journeys",), "not slow")


def test_probe_errors_are_retried_only_when_configured_and_not_run_never() -> None:
    results = [r("J1", "chromium", "probe_error", "t1", failure_class="browser_crashed"),
               r("N1", "firefox", "not_run", failure_class="write_guard"),
               r("R1", "webkit", "unavailable", failure_class="engine_unavailable")]
    assert plan_retry(FIRST, results, results, RETRY) is None
    plan = plan_retry(FIRST, results, results, (*RETRY, "probe_error", "not_run", "unavailable"))
    assert plan is not None and plan.pairs == (("J1", "chromium"),)
