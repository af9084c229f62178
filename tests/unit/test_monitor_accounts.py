"""Test accounts exhausted, in the monitor: a counter and a gauge of /metrics, the report's callout and
the cycle summary's line (a real store in a temp folder; no process, no browser)."""
from __future__ import annotations

from pathlib import Path

from fixtures.core.contract import JourneyResult
from monitor.classify import fold_attempts
from monitor.cycle.runner import CycleReport
from monitor.report.cycle_summary import summary_text
from monitor.report.history_html import render_html
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store

EXHAUSTED = "test accounts exhausted: 2 more accounts or a longer interval (9 password-reset requests asked …)"


def quota(journey: str, browser: str, short: int = 2) -> JourneyResult:
    return JourneyResult(journey, browser, "not_run", failure_class="account_quota", message=EXHAUSTED,
                         accounts_short=short)


def metrics_of(store: Store) -> tuple[dict, dict]:
    counters = {(n, tuple(sorted(labels.items()))): v for n, labels, v in store.counters()
                if n == "test_accounts_exhausted_total"}
    gauges = {n: v for n, _labels, v, _ts in store.gauges() if n == "test_accounts_missing"}
    return counters, gauges


def test_exhausted_accounts_are_counted_shown_in_the_report_and_cleared_by_a_run_that_got_one(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2.2a", "J2.2b", "R1"], ["chromium", "firefox"])
        results = [JourneyResult("J2.2b", "chromium", "success"), quota("J2.2b", "firefox"),
                   quota("J2.2a", "chromium", 1), JourneyResult("R1", "firefox", "success")]
        store.record_attempt(cycle, 1, results)
        store.finish_cycle(cycle, "completed")
        counters, gauges = metrics_of(store)
        data = compute(store, [3600, 86400])
        text, page = render_text(data), render_html(data, tmp_path / "report.html")
        assert counters == {("test_accounts_exhausted_total", (("browser", "firefox"), ("journey", "J2.2b"))): 1.0,
                            ("test_accounts_exhausted_total", (("browser", "chromium"), ("journey", "J2.2a"))): 1.0}
        assert gauges == {"test_accounts_missing": 1.0}  # the last record's number
        assert "Test accounts exhausted: 1 more account or a longer interval — 2 runs of J2.2a, J2.2b not run " \
               "(account_quota) in the last 24h" in text, text
        assert 'id="accounts-exhausted">test accounts exhausted: 1 more account' in page
        assert "Recent non-successes" not in text  # not run is never a failure

        cycle = store.start_cycle(["J2.2b"], ["chromium"])
        store.record_attempt(cycle, 1, [JourneyResult("J2.2b", "chromium", "success")])
        store.finish_cycle(cycle, "completed")
        assert metrics_of(store)[1] == {"test_accounts_missing": 0.0}  # a run got an account again


def test_the_cycle_summary_says_how_many_more_accounts(tmp_path: Path) -> None:
    attempts = [(1, JourneyResult("J2.2b", "chromium", "success")), (1, quota("J2.2b", "firefox", 3))]
    report = CycleReport(cycle_id=1, status="completed", started_at=0.0, finished_at=1.0,
                         runs=fold_attempts(attempts), attempts=attempts, errors=[])
    text = summary_text(report)
    assert "J2.2b  firefox   not run (account_quota): test accounts exhausted" in text
    assert "  test accounts exhausted: 3 more accounts or a longer interval" in text
    assert "test accounts exhausted" not in summary_text(CycleReport(
        cycle_id=2, status="completed", started_at=0.0, finished_at=1.0, runs=fold_attempts(attempts[:1]),
        attempts=attempts[:1], errors=[]))
