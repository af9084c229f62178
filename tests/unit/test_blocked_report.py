"""The monitor refused by a bot defence, as a cycle and the history show it: apart, with the product and
its reference id, and in no success rate (monitor/report/blocked_section.py, cycle_summary)."""
from __future__ import annotations

from pathlib import Path

from fixtures.core.blocking import Block
from fixtures.core.contract import JourneyResult
from monitor.classify import fold_attempts
from monitor.cycle.runner import CycleReport
from monitor.report.cycle_summary import summary_dict, summary_text
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store

REFUSED = Block("f5", "support ID 14759836281739927441", 403, refusal_follows="user_agent",
                resend="GET / again over HTTP with chromium's headers: refused; with firefox's: let through")


def blocked(journey: str, browser: str) -> JourneyResult:
    return JourneyResult(journey, browser, "probe_error", failure_class="blocked", message=REFUSED.line(),
                         blocked=REFUSED)


def test_the_cycle_summary_says_the_monitor_is_blocked_and_by_what() -> None:
    attempts = [(1, JourneyResult("J1", "firefox", "success")), (1, blocked("J1", "chromium")),
                (2, blocked("J1", "chromium"))]
    report = CycleReport(cycle_id=1, status="completed", started_at=0.0, finished_at=1.0,
                         runs=fold_attempts(attempts), attempts=attempts, errors=[])
    text = summary_text(report)
    assert "THE MONITOR IS BEING BLOCKED" in text
    assert ("Chromium: 1 run of J1 blocked by f5 (support ID 14759836281739927441), 403; the refusal follows "
            "the user agent") in text
    [entry] = summary_dict(report)["blocked"]
    assert (entry["product"], entry["runs"], entry["refusal_follows"]) == ("f5", 1, "user_agent")
    assert report.exit_code == 3  # the prober's problem, never the target's exit 1
    quiet = CycleReport(cycle_id=2, status="completed", started_at=0.0, finished_at=1.0,
                        runs=fold_attempts(attempts[:1]), attempts=attempts[:1], errors=[])
    assert "BLOCKED" not in summary_text(quiet) and summary_dict(quiet)["blocked"] == []


def test_the_history_shows_the_refusals_apart_and_no_rate_moves(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        for n in range(3):
            cycle = store.start_cycle(["J1"], ["chromium", "firefox"])
            chromium = blocked("J1", "chromium") if n == 2 else JourneyResult("J1", "chromium", "success")
            store.record_attempt(cycle, 1, [chromium, JourneyResult("J1", "firefox", "success")])
            store.finish_cycle(cycle, "completed")
        data = compute(store, [86400.0], browsers=["chromium", "firefox"])
    rates = {r.label: (r.successes, r.trials) for r in data.windows[-1].browsers}
    assert rates == {"chromium": (2, 2), "firefox": (3, 3)}  # the refused run judged nothing
    assert [(b.browser, b.product, b.runs) for b in data.blocked] == [("chromium", "f5", 1)]
    text = render_text(data)
    assert "THE MONITOR IS BEING BLOCKED" in text and "support ID 14759836281739927441" in text
