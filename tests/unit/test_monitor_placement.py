"""Mail placement in the monitor: a counter per journey and folder, and a report line per browser."""
from __future__ import annotations

from pathlib import Path

from fixtures.core.contract import JourneyResult, MailLatency
from monitor.report.history_html import render_html
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store


def _result(journey: str, browser: str, *folders: str | None) -> JourneyResult:
    return JourneyResult(journey, browser, "success",
                         mail_latencies=tuple(MailLatency("reinitialisation", 1.0, 0.1, f) for f in folders),
                         mail_in_junk="junk" in folders)


def test_placement_counted_and_reported_per_journey_and_browser(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2.2a", "J2.2b"], ["chromium", "firefox"])
        store.record_attempt(cycle, 1, [_result("J2.2a", "chromium", "inbox"), _result("J2.2a", "firefox", "junk"),
                                        _result("J2.2b", "chromium", "inbox"),
                                        _result("J2.2b", "firefox", None)])  # Mailpit: no placement
        store.finish_cycle(cycle, "completed")
        counters = {(n, tuple(sorted(labels.items()))): v for n, labels, v in store.counters()
                    if n == "mail_placement_total"}
        data = compute(store, [3600])
        text, page = render_text(data), render_html(data, tmp_path / "report.html")
    assert counters == {("mail_placement_total", (("folder", "inbox"), ("journey", "J2.2a"))): 1.0,
                        ("mail_placement_total", (("folder", "junk"), ("journey", "J2.2a"))): 1.0,
                        ("mail_placement_total", (("folder", "inbox"), ("journey", "J2.2b"))): 1.0}
    assert "Mail placement (IMAP mailbox), last 1h" in text
    lines = [line.split() for line in text.splitlines() if line.startswith("  J2.2")]
    assert ["J2.2a", "Chromium", "inbox", "1"] in lines
    assert ["J2.2a", "Firefox", "junk", "1", "WARNING:", "1", "in", "junk"] in lines
    assert not any(line[:2] == ["J2.2b", "Firefox"] for line in lines)  # nothing measured, nothing shown
    assert "Mail placement (IMAP mailbox), last 1h" in page and page.count("⚠ filed as junk") == 1
