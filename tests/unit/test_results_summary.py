"""The end-of-run table: what counts in a browser's success rate and what does not."""
from __future__ import annotations

from collections import Counter

from fixtures.core.contract import JourneyResult
from fixtures.core.outcomes import success_rate
from fixtures.plugin.results_output import format_table, not_run_lines, spam_summary


def test_success_rate_leaves_out_probe_errors_and_journeys_not_run():
    assert success_rate(Counter(success=3, failure=1, probe_error=5, unavailable=2, not_run=4)) == 0.75
    assert success_rate(Counter(success=1, mail_not_received=1)) == 0.5
    assert success_rate(Counter(unavailable=8, not_run=2)) is None


def test_table_has_one_row_per_browser_with_its_rate():
    lines = format_table({"chromium": Counter(success=19, failure=1, not_run=3), "webkit": Counter(unavailable=21)})
    chromium = next(line for line in lines if line.startswith("chromium"))
    webkit = next(line for line in lines if line.startswith("webkit"))
    assert chromium.split()[1:3] == ["19", "1"] and chromium.split()[6] == "3" and chromium.endswith("95%")
    assert webkit.split()[5] == "21" and webkit.endswith("n/a")


def test_not_run_lines_give_each_reason_once():
    results = [JourneyResult("J1", b, "not_run", failure_class="needs_operator", message="no operator key")
               for b in ("chromium", "firefox")]
    results += [JourneyResult("J3", "chromium", "not_run", failure_class="write_guard", message="writes off"),
                JourneyResult("R1", "chromium", "success")]
    assert not_run_lines(results) == ["not run (needs_operator): J1 (chromium, firefox): no operator key",
                                      "not run (write_guard): J3 (chromium): writes off"]


def test_spam_line_only_when_spamassassin_scored_mails():
    assert spam_summary([JourneyResult("J1", "chromium", "success")]) is None
    line = spam_summary([JourneyResult("J1", "chromium", "success", spam_scores=(1.2, 11.6), spam_flagged=True),
                         JourneyResult("N1", "firefox", "success", spam_scores=(0.4,))])
    assert "3 mails scored, highest 11.6" in line and "J1/chromium" in line and "N1" not in line
