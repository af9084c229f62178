"""The status page's files (monitor.status.render) and what they are read from (monitor.status.gather).

HTML: strict WHATWG parse (html5lib raises on the first parse error), French, no script, a few kB,
every text escaped. status.json: schema 1's fields. Badges: well-formed SVG named by their words.
Gather: read-only, an unreadable store said in words, the same verdicts as /metrics.
"""
from __future__ import annotations

import hashlib
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest
from support.synthetic import populate

from monitor.status.decide import decide
from monitor.status.facts import BrowserFacts, Facts, MailFacts, Maintenance
from monitor.status.gather import gather
from monitor.status.render import HTML_NAME, JSON_NAME, SCHEMA_VERSION, files, html_page, write
from monitor.store.results_db import Store

NOW = 1_796_700_000.0
BROWSERS = ("firefox", "chromium", "webkit")
#: "A few tens of kB" at most; measured ~6 kB with every section filled.
MAX_PAGE_BYTES = 20_000


def busy_page() -> Facts:
    """Every section filled: an alert, a browser down, spam, maintenance, an operator's hostile note."""
    return Facts(now=NOW, interval=900.0, last_cycle_at=NOW - 300, browsers=(
        BrowserFacts("firefox", 96, 96), BrowserFacts("chromium", 60, 96, alert=True, alert_since=NOW - 9000,
                                                      worse_than=("firefox",)),
        BrowserFacts("webkit", 10, 96, failing_now=True, failing_since=NOW - 3600)),
        mail=MailFacts((2.0, 4.0, 9.0), placed=3, in_junk=1),
        maintenance=(Maintenance(NOW - 60, NOW + 600, "Redémarrage"),
                     Maintenance(NOW + 3600, NOW + 7200, '<script>alert(1)</script> & "x"')), location="paris-1")


def strict_parse(text: str) -> None:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


@pytest.mark.parametrize("f", [busy_page(), Facts(now=NOW, interval=900.0, readable=False,
                                                  browsers=tuple(BrowserFacts(b) for b in BROWSERS)),
                               Facts(now=NOW, interval=900.0)], ids=["busy", "unreadable", "empty"])
def test_the_page_is_valid_french_html_without_script_and_light(f: Facts) -> None:
    text = html_page(decide(f))
    strict_parse(text)
    assert text.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<script" not in text and "javascript:" not in text.lower()
    assert len(text.encode()) < MAX_PAGE_BYTES, len(text.encode())


def test_the_strict_parse_refuses_what_a_validator_would() -> None:
    """Test the test: html5lib's strict mode does fail on a parse error."""
    with pytest.raises(html5lib.html5parser.ParseError):
        strict_parse("<!DOCTYPE html><html lang=fr><body><p>a</b></body></html>")


def test_every_text_is_escaped() -> None:
    text = html_page(decide(busy_page()))
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in text


def test_headings_in_reading_order() -> None:
    import re
    text = html_page(decide(busy_page()))
    heads = re.findall(r"<h([1-3])[^>]*>(.*?)</h\1>", text)
    assert [h[0] for h in heads][:2] == ["1", "2"] and all(int(b) - int(a) <= 1 for (a, _), (b, _) in zip(heads, heads[1:], strict=False))
    titles = [re.sub("<[^>]+>", "", h[1]) for h in heads if h[0] == "2"]
    assert titles == ["Avis importants", "Par navigateur", "Le courriel de récupération", "Incidents en cours",
                      "Maintenances", "Comment ces informations sont obtenues"]


def test_status_json_schema_1() -> None:
    doc = json.loads(files(decide(busy_page()))[JSON_NAME])
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert set(doc) == {"schema_version", "generated_at", "last_cycle_at", "interval_seconds", "data", "monitor_sees",
                        "overall", "notices", "browsers", "mail", "reset_link", "incidents", "maintenance", "location"}
    assert [(b["engine"], b["state"], b["words"]) for b in doc["browsers"]] == [
        ("firefox", "ok", "fonctionne"), ("chromium", "degraded", "difficultés"), ("webkit", "down", "ne fonctionne pas")]
    assert doc["browsers"][0]["evidence"] == {"window_hours": 24, "succeeded": 96, "judged": 96,
                                              "sentence": "Sur les 24 dernières heures, 96 parcours sur 96 ont abouti."}
    assert doc["mail"]["in_spam"] == 1 and doc["mail"]["median_delivery_seconds"] == 4.0
    assert doc["generated_at"] == "2026-12-08T03:20:00Z" and doc["location"] == "paris-1"


def test_one_badge_per_browser_named_by_its_words() -> None:
    out = files(decide(busy_page()))
    assert sorted(n for n in out if n.endswith(".svg")) == ["badge-chromium.svg", "badge-firefox.svg", "badge-webkit.svg"]
    svg = ET.fromstring(out["badge-webkit.svg"])
    assert svg.get("role") == "img" and svg.get("aria-label") == "Safari : ne fonctionne pas"
    assert svg.find("{http://www.w3.org/2000/svg}title").text == "Safari : ne fonctionne pas"  # type: ignore[union-attr]


def test_write_replaces_each_file_whole(tmp_path: Path) -> None:
    written = write(decide(busy_page()), tmp_path / "out")
    assert {p.name for p in written} == {HTML_NAME, JSON_NAME, "badge-firefox.svg", "badge-chromium.svg",
                                         "badge-webkit.svg"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written)  # no temp left


# -- gather: the store, read-only --------------------------------------------------------------
def small_store(path: Path, end: float) -> Path:
    store = Store.open_writer(path)
    store.conn.execute("PRAGMA synchronous = OFF")
    populate(store, cycles=8, end=end, rates={"firefox": 1.0, "chromium": 0.5}, probe_error_rate=0.0, junk_rate=0.5,
             seed=3)
    store.close()
    return path


def test_gather_counts_the_window_and_never_writes(tmp_path: Path) -> None:
    now = time.time()
    db = small_store(tmp_path / "m.db", now)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    f = gather(db, browsers=("firefox", "chromium"), interval=900.0, alpha=0.05, now=now)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    firefox, chromium = f.browsers
    assert (firefox.succeeded, firefox.judged) == (24, 24) and chromium.judged == 24 and chromium.succeeded < 24
    assert f.mail.placed == len(f.mail.delivery_seconds) > 0 and 0 < f.mail.in_junk < f.mail.placed
    assert f.readable and f.last_cycle_at is not None and now - f.last_cycle_at < 900


def test_an_unreadable_store_is_a_fact_said_not_an_exception(tmp_path: Path) -> None:
    bad = tmp_path / "m.db"
    bad.write_bytes(b"this is not a database" * 100)
    f = gather(bad, browsers=BROWSERS, interval=900.0, alpha=0.05, now=NOW)
    assert not f.readable and [b.engine for b in f.browsers] == list(BROWSERS)
    assert bad.read_bytes() == b"this is not a database" * 100
    missing = gather(tmp_path / "absent.db", browsers=BROWSERS, interval=900.0, alpha=0.05, now=NOW)
    assert not missing.readable and not (tmp_path / "absent.db").exists()


def test_the_page_reads_the_verdicts_the_alert_gauges_show(tmp_path: Path) -> None:
    """The same verdict object feeds /metrics' alert gauges and the page: a browser in « difficultés »
    has ExtranetBrowserFailsMoreOften's condition on, and the others do not."""
    from monitor.export.exporter import StoreCollector
    from monitor.metrics import BROWSER_DEGRADATION_ALERT, BROWSER_DIFFERENCE_ALERT
    now = time.time()
    store = Store.open_writer(tmp_path / "m.db")
    store.conn.execute("PRAGMA synchronous = OFF")
    populate(store, cycles=48, end=now, rates={"firefox": 1.0, "chromium": 0.3}, probe_error_rate=0.0, seed=5)
    store.close()
    collector = StoreCollector(tmp_path / "m.db", browsers=["firefox", "chromium"])
    with Store.open_reader(tmp_path / "m.db") as reader:
        gauges = collector._difference(reader)
    alerted = {labels[0] for m in (BROWSER_DIFFERENCE_ALERT, BROWSER_DEGRADATION_ALERT)
               for labels, v in gauges[m].items() if v == 1.0}
    page = decide(gather(tmp_path / "m.db", browsers=("firefox", "chromium"), interval=900.0, alpha=0.05, now=now,
                         verdicts_of=collector.verdicts))
    troubled = {b.engine for b in page.browsers if b.state in ("degraded", "down")}
    assert alerted == {"chromium"} and {b.engine for b in page.browsers if b.state == "degraded"} <= alerted
    assert troubled == {"chromium"}
