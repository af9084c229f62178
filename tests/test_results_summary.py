"""The end-of-run table: what counts in a browser's success rate and what does not."""
from __future__ import annotations

from collections import Counter

from fixtures.results import format_table, success_rate


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
