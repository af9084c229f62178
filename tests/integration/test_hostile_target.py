"""A target whose screen is hostile, through every output: a real browser, the real journeys child.

The reference extranet runs with the fault ``hostile_text`` (``extranet/faults.py``): its heading,
alert, page title, console error and uncaught JavaScript error each hold 100 kB starting with every
C0 control XML refuses, an OSC title sequence, ANSI CSI, C1 CSI, bidi overrides, U+FFFE/U+FFFF and
markup. N1's read-only test fails at its first screen in Chromium, once run as a user runs pytest
(pytest's own JUnit, the terminal and its end-of-run summary), once as ``monitor once`` (its
terminal, JUnit, JSON summary, store row, child log) followed by ``monitor report`` (text, HTML).

Each output is checked for the raw characters (none), for the visible escapes (the hostile text
did reach it: a check that cannot pass on an empty output) and for its bounds.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.child_pytest import ROOT, run_pytest

from extranet.faults import HOSTILE_SIZE
from fixtures.core.untrusted import FIELD_CAP
from fixtures.engines.resolve import resolve_engine

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")]
FAULTS = {"EXTRANET_FAULTS": json.dumps({"hostile_text": True})}
N1_READ_ONLY = "signale_s_il_est_affiche"  # one GET / and a look at the screen
#: What a terminal, a log or an XML parser must never receive from the target.
RAW = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {chr(c) for c in range(0x7F, 0xA0)} \
    | set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff\ufffe\uffff")
#: The hostile text as every output must show it: its escapes, visible.
SHOWN = "\\x1b]0;owned title\\x07"
#: The start of the same, where a line shortens the alert to 60 characters (the one-line summaries).
SHOWN_C0 = "C0[\\x01\\x02\\x03"


def raw_in(data: bytes | str) -> list[str]:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return sorted({f"U+{ord(c):04X}" for c in text if c in RAW or 0xD800 <= ord(c) <= 0xDFFF})


def junit_values(path: Path) -> list[str]:
    root = ET.parse(path).getroot()  # raises on the first character XML refuses
    return [v for e in root.iter() for v in [*e.attrib.values(), e.text or ""]]


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    tmp = tmp_path_factory.mktemp("plugin")
    proc, _ = run_pytest(tmp, "journeys/test_n1_avis_incident.py", "-k", N1_READ_ONLY, "--browser", "chromium",
                         "--junitxml", str(tmp / "junit.xml"), env=FAULTS)
    return proc, tmp


@pytest.fixture(scope="module")
def monitor_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("monitor")
    cfg = tmp / "monitor.toml"
    cfg.write_text(f'[run]\njourneys = ["N1"]\nbrowsers = ["chromium"]\npytest_k = "{N1_READ_ONLY}"\nretries = 0\n'
                   f'cycle_timeout = "300s"\n[store]\npath = "{tmp / "m.db"}"\nartifacts_dir = "{tmp / "artifacts"}"\n'
                   '[exporter]\nlisten = "127.0.0.1:0"\n')
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}, **FAULTS}

    def monitor(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "monitor", "--config", str(cfg), *args], capture_output=True,
                              cwd=ROOT, env=env, timeout=400)

    once = monitor("once", "--junit-xml", str(tmp / "j.xml"), "--json", str(tmp / "c.json"))
    report = monitor("report", "--html", str(tmp / "r.html"))
    return {"tmp": tmp, "once": once, "report": report}


def test_pytest_junit_parses_and_each_property_is_bounded(plugin_run) -> None:
    proc, tmp = plugin_run
    assert proc.returncode == 1, proc.stdout[-3000:]
    props = {p.get("name"): p.get("value", "") for p in ET.parse(tmp / "junit.xml").iter("property")}
    assert SHOWN in props["failure_heading"] and SHOWN in props["failure_alert"], props.keys()
    assert "\\x01\\x02\\x03" in props["failure_js_error"], "every C0 control reached the JUnit, as escapes"
    for name in ("failure_heading", "failure_alert", "failure_js_error", "failure_console_error", "failure_signature"):
        assert len(props[name]) <= FIELD_CAP and not raw_in(props[name]), name
    values = junit_values(tmp / "junit.xml")
    assert not raw_in("".join(values))
    assert sum(map(len, values)) < HOSTILE_SIZE, "the JUnit does not grow with the target's text"


def test_pytest_terminal_and_end_of_run_summary_get_no_escape_sequence(plugin_run) -> None:
    proc, _ = plugin_run
    out = proc.stdout + proc.stderr
    assert "failure signatures per browser:" in out and SHOWN in out, out[-3000:]
    assert not raw_in(out)
    assert len(out) < 3 * HOSTILE_SIZE / 2, "the failure report is capped (20 000 characters a block)"


def test_monitor_once_terminal_gets_no_escape_sequence(monitor_run) -> None:
    once = monitor_run["once"]
    assert once.returncode == 1, once.stdout[-3000:] + once.stderr[-3000:]
    assert SHOWN_C0.encode() in once.stdout
    assert not raw_in(once.stdout) and not raw_in(once.stderr)


def test_monitor_junit_parses_and_is_bounded(monitor_run) -> None:
    values = junit_values(monitor_run["tmp"] / "j.xml")
    assert any(SHOWN in v for v in values)
    assert not raw_in("".join(values))
    assert max(map(len, values)) <= FIELD_CAP


def test_monitor_json_summary_fields_are_bounded(monitor_run) -> None:
    data = json.loads((monitor_run["tmp"] / "c.json").read_text(encoding="utf-8"))

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    texts = list(strings(data))
    assert any(SHOWN in t for t in texts)
    assert max(map(len, texts)) <= FIELD_CAP and not raw_in("".join(texts))


def test_the_store_row_does_not_grow_with_the_target_text(monitor_run) -> None:
    with sqlite3.connect(monitor_run["tmp"] / "m.db") as db:
        rows = db.execute("SELECT length(record), length(message), record FROM results").fetchall()
    assert rows
    for record_len, message_len, record in rows:
        assert SHOWN in json.loads(record)["signatures"][0]["heading"]
        assert message_len <= FIELD_CAP
        assert record_len < 10_000, f"a row of {record_len} characters for a 5 × 100 kB screen"
        assert not raw_in(record)


def test_the_child_log_gets_no_escape_sequence(monitor_run) -> None:
    [log] = list((monitor_run["tmp"] / "artifacts").glob("cycle-*/attempt-1/child.log"))
    data = log.read_bytes()
    assert SHOWN.encode() in data
    assert not raw_in(data)


def test_the_text_and_html_reports_are_clean_and_the_html_escaped(monitor_run) -> None:
    report = monitor_run["report"]
    assert report.returncode == 0, report.stderr[-3000:]
    assert SHOWN.encode() in report.stdout and not raw_in(report.stdout)
    page = (monitor_run["tmp"] / "r.html").read_text(encoding="utf-8")
    assert SHOWN in page and not raw_in(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "<script>window.owned" not in page
