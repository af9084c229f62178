"""The end-of-run table: what counts in a browser's success rate and what does not."""
from __future__ import annotations

from collections import Counter

from fixtures.results import format_table, spam_summary, success_rate


def test_success_rate_leaves_out_probe_errors_and_unavailable_engines():
    assert success_rate(Counter(success=3, failure=1, probe_error=5, unavailable=2)) == 0.75
    assert success_rate(Counter(success=1, mail_not_received=1)) == 0.5
    assert success_rate(Counter(unavailable=8, skipped=2)) is None


def test_table_has_one_row_per_browser_with_its_rate():
    lines = format_table({"chromium": Counter(success=19, failure=1), "webkit": Counter(unavailable=21)})
    chromium = next(line for line in lines if line.startswith("chromium"))
    webkit = next(line for line in lines if line.startswith("webkit"))
    assert chromium.split()[1:3] == ["19", "1"] and chromium.endswith("95%")
    assert webkit.split()[5] == "21" and webkit.endswith("n/a")


def test_spam_line_only_when_spamassassin_scored_mails():
    assert spam_summary([{"journey": "J1", "browser": "chromium", "spam_scores": []}]) is None
    line = spam_summary([{"journey": "J1", "browser": "chromium", "spam_scores": [1.2, 11.6], "spam_flagged": True},
                         {"journey": "N1", "browser": "firefox", "spam_scores": [0.4], "spam_flagged": False}])
    assert "3 mails scored, highest 11.6" in line and "J1/chromium" in line and "N1" not in line
