"""Reports: the terminal table and the static HTML page show the browser gap at a glance."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.synthetic import populate

from fixtures.core.contract import JourneyResult
from monitor.__main__ import main
from monitor.report.history_model import compute
from monitor.report.history_svg import svg_rates
from monitor.report.history_text import render_text
from monitor.stats.rates import Rate
from monitor.store.results_db import Store


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "m.db"
    with Store.open_writer(path) as store:
        populate(store, cycles=2 * 24 * 3, step=1800)  # three days, every 30 minutes
        c = store.start_cycle(["J3"], ["firefox"])
        shot = tmp_path / "artifacts" / "shot.png"
        shot.parent.mkdir()
        shot.write_bytes(b"png")
        store.record_attempt(c, 1, [JourneyResult("J3", "firefox", "failure", failure_class="assertion",
                                                  message="<script>alert(1)</script> numéro absent",
                                                  artifacts=(str(shot),))])
        store.finish_cycle(c, "completed")
    return path


def test_terminal_report(db: Path) -> None:
    with Store.open_reader(db) as store:
        text = render_text(compute(store, [3600, 86400, 7 * 86400]))
    assert re.search(r"24h\s+Chromium\s+\d+ %\s+\[\d+–\d+\]", text)
    # The verdict is the sequential one: which browser, since when, the always-valid interval.
    # Since when: the synthetic history is 3 days of the same rates, so no change is claimed.
    verdict = re.search(r"Chromium fails more often than Firefox for at least (3 days), as far back as the history goes "
                        r"\(since \d{4}-\d\d-\d\d \d\d:\d\d UTC\): evidence (\S+) ≥ (\S+); alert on since .*?; difference in "
                        r"failure rate ([+-]?\d+) to \+(\d+) points \(always-valid 95 %, \d+ paired runs over that stretch\)", text)
    assert verdict, text
    assert int(verdict.group(4)) <= 27 <= int(verdict.group(5))  # truth: 98 % − 71 % = 27 points
    # The alerts /metrics exports (issue #29): which answer is on, since when; none is ending here.
    assert "Alerts (what /metrics exports: failing now, or persistently worse)" in text
    assert re.search(r"  Chromium: alert on — persistently worse \(than another browser or its own past\) since "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\.\n", text), text
    assert "  Firefox: no alert (not failing now, not persistently worse)." in text
    # Each browser against its own past, and what this schedule can detect (computed, not typed in).
    assert "Each browser against its own past (always-valid change detector)" in text
    assert re.search(r"Chromium: no change against its own past \(evidence \S+ < \S+\)", text), text
    assert re.search(r"Detection power at this schedule \(3 journeys per browser every 15 min;.*\n"
                     r"  a rise on one browser \(against its own past\) from 10 % to 20 %: (median|not named)", text), text
    # Fisher stays as a descriptive figure per window, never the word "significant".
    assert re.search(r"\[24h\] Chromium \d+ % \[\d+–\d+\] vs Firefox \d+ % \[\d+–\d+\]: Fisher's exact test on "
                     r"this window p<0\.0001 \(descriptive, one look\)", text)
    assert "significant" not in text
    assert "probe_error and journeys not run (unavailable, not_run) are left out" in text
    assert "J3     firefox   #1 failure" in text


def test_html_report_via_cli(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "report.html"
    assert main(["report", "--db", str(db), "--html", str(out)]) == 0
    assert "HTML report written" in capsys.readouterr().out
    page = out.read_text()
    assert page.count("<svg") >= 4  # one chart per window + the daily trend
    headline = re.search(r'<p class="callout (\w+)" id="headline">(.*?)</p>', page, re.S)
    assert headline and headline.group(1) == "bad" and "Chromium fails more often than Firefox" in headline.group(2)
    assert "<script>" not in page and "&lt;script&gt;" in page  # messages are escaped
    assert 'href="../artifacts/shot.png"' in page  # artifacts linked relative to the report
    assert "(removed)" in page  # synthetic artifacts that no longer exist are marked
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        ET.fromstring(svg)  # well-formed inline SVG
    assert "Trend per day" in page and "Recent non-successes" in page
    assert re.search(r'<ul id="alerts"><li>Chromium: alert on — persistently worse', page)


def test_rate_chart_draws_interval_whiskers() -> None:
    svg = svg_rates([Rate("chromium", successes=71, failures=29), Rate("firefox", successes=98, failures=2)], "t")
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "71 % [61–79] n=100" in texts and "98 % [93–99] n=100" in texts
    circles = [float(c.get("cx", "nan")) for c in root.iter("{http://www.w3.org/2000/svg}circle")]
    assert circles[0] < circles[1]  # Chromium's point is left of Firefox's


def test_report_on_empty_and_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(tmp_path / "none.db")]) == 3
    assert "does not exist yet" in capsys.readouterr().err
    Store.open_writer(tmp_path / "empty.db").close()
    assert main(["report", "--db", str(tmp_path / "empty.db"), "--html", str(tmp_path / "e.html")]) == 0
    assert "No counted runs yet." in capsys.readouterr().out
    assert "No counted runs yet." in html.unescape((tmp_path / "e.html").read_text())
