"""A hostile target of our own (not the reference's fault): every output of the suite and the monitor.

``support.hostile_site`` puts a proxy and a mail relay in front of the reference extranet. Friendly,
a first ``monitor once`` (N1's read-only test and J2.1 reached by its link, Chromium) passes and
leaves last good screens. Hostile, the home page carries terminal attacks, every C0/C1 control,
bidi and tag characters, noncharacters, lone surrogates and 100 kB texts in its title, heading,
alerts (41 of them), link and button names (the accessibility diff), JavaScript and console errors
and a failed request's path; the extranet's mail carries them in its subject and in its
``Authentication-Results``/``Received`` headers (the mail path). Then, against it: ``monitor once``
(terminal, JUnit, JSON summary, store row, child log), ``monitor report`` (text, HTML), ``monitor
doctor`` (table, JSON) and ``pytest journeys`` (terminal, JUnit, results JSON).

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
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from support.child_pytest import ROOT, run_pytest
from support.extranet_helpers import OPERATOR_KEY
from support.hostile_site import BIG, SHOWN, HostileProxy, HostileRelay, raw_in
from support.service_helpers import start_or_skip

from fixtures.core.untrusted import BLOCK_CAP, FIELD_CAP
from fixtures.engines.resolve import resolve_engine
from fixtures.services.ports import free_port
from fixtures.services.processes import start_extranet, start_mailpit

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")]
#: N1's read-only test (GET / and a look) and J2.1 opened by its link (a form, then its mail).
TESTS = "signale_s_il_est_affiche or motif_preselectionne"
#: A store row's record: a dozen bounded fields of a failure, never a 100 kB text.
ROW_BOUND = 20_000


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def junit_values(path: Path) -> list[str]:
    root = ET.parse(path).getroot()  # raises on the first character XML refuses
    return [v for e in root.iter() for v in [*e.attrib.values(), e.text or ""]]


def clean_and_shown(name: str, data: bytes | str, shown: str = SHOWN) -> None:
    text = data.decode("utf-8", errors="surrogateescape") if isinstance(data, bytes) else data
    assert shown in text, f"{name}: the hostile text did not reach it (nothing checked): {text[-2000:]}"
    assert not raw_in(text), f"{name}: raw {raw_in(text)}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("hostile-site")
    mailpit = start_or_skip(lambda: start_mailpit(tmp / "mailpit"), "mailpit_missing")
    relay = HostileRelay(free_port(), (mailpit.smtp_host, mailpit.smtp_port))
    proxy_port = free_port()
    extranet = start_extranet(tmp / "extranet", smtp_host="127.0.0.1", smtp_port=relay.controller.port,
                              operator_key=OPERATOR_KEY, extra_args=["--public-url", f"http://127.0.0.1:{proxy_port}"])
    proxy = HostileProxy(extranet.base_url, proxy_port)
    target = tmp / "target.toml"
    target.write_text(f'[target]\nbase_url = "http://127.0.0.1:{proxy_port}"\nreference = true\n'
                      f'operator_key = "{OPERATOR_KEY}"\nmailpit_url = "{mailpit.http_url}"\n')
    cfg = tmp / "monitor.toml"
    cfg.write_text(f'[run]\njourneys = ["N1", "J2.1"]\nbrowsers = ["chromium"]\npytest_k = "{TESTS}"\nretries = 0\n'
                   f'cycle_timeout = "400s"\nextra_args = ["--target-config", "{target}"]\n'
                   f'[store]\npath = "{tmp / "m.db"}"\nartifacts_dir = "{tmp / "artifacts"}"\n'
                   f'aria_snapshots_dir = "{tmp / "aria"}"\n[exporter]\nlisten = "127.0.0.1:0"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SENTINEL_"))}

    def monitor(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "monitor", "--config", str(cfg), *args], capture_output=True,
                              cwd=ROOT, env=env, timeout=600)

    try:
        friendly = monitor("once")
        assert friendly.returncode == 0, (friendly.stdout[-3000:] + friendly.stderr[-3000:]).decode(errors="replace")
        proxy.hostile = relay.hostile = True
        once = monitor("once", "--junit-xml", str(tmp / "j.xml"), "--json", str(tmp / "c.json"))
        report = monitor("report", "--html", str(tmp / "r.html"))
        doctor = monitor("doctor", "--target-config", str(target), "--browser", "chromium", "--json", str(tmp / "d.json"))
        plugin, _ = run_pytest(tmp / "plugin", "journeys", "--target-config", str(target), "--browser", "chromium",
                               "-k", TESTS, "--junitxml", str(tmp / "plugin" / "junit.xml"))
        yield {"tmp": tmp, "once": once, "report": report, "doctor": doctor, "plugin": plugin}
    finally:
        proxy.stop()
        extranet.stop()
        relay.stop()
        mailpit.stop()


def test_monitor_once_terminal(site) -> None:
    once = site["once"]
    assert once.returncode == 1, (once.stdout[-3000:] + once.stderr[-3000:]).decode(errors="replace")
    clean_and_shown("monitor once stdout", once.stdout)
    assert not raw_in(once.stderr)


def test_monitor_junit_parses_and_every_value_is_bounded(site) -> None:
    values = junit_values(site["tmp"] / "j.xml")
    clean_and_shown("monitor JUnit", "\n".join(values))
    assert max(map(len, values)) <= FIELD_CAP


def test_monitor_json_summary_every_field_bounded(site) -> None:
    texts = list(strings(json.loads((site["tmp"] / "c.json").read_text(encoding="utf-8"))))
    clean_and_shown("monitor JSON summary", "\n".join(texts))
    assert max(map(len, texts)) <= FIELD_CAP


def test_store_rows_bounded_and_clean(site) -> None:
    with sqlite3.connect(site["tmp"] / "m.db") as db:
        rows = db.execute("SELECT journey, length(record), length(message), record FROM results "
                          "WHERE outcome != 'success'").fetchall()
    assert {r[0] for r in rows} == {"N1", "J2.1"}, rows
    for journey, record_len, message_len, record in rows:
        # J2.1's message quotes the subject with repr(): its backslashes doubled, still visible escapes
        texts = list(strings(json.loads(record)))
        clean_and_shown(f"store row {journey}", "\n".join(texts),
                        SHOWN if journey == "N1" else SHOWN.replace("\\", "\\\\"))
        assert not raw_in(record)
        assert message_len <= FIELD_CAP and record_len < ROW_BOUND, (journey, record_len, message_len)
        assert max(map(len, texts)) <= FIELD_CAP


def test_screen_diff_names_are_the_targets_text_cleaned(site) -> None:
    """The accessibility diff against the friendly run's screen: renamed or appeared elements carry
    the hostile names (a button named from script with a lone surrogate), cleaned and bounded."""
    with sqlite3.connect(site["tmp"] / "m.db") as db:
        [record] = db.execute("SELECT record FROM results WHERE journey = 'N1' AND outcome != 'success'").fetchone()
    [signature] = json.loads(record)["signatures"]
    names = [n for c in signature["screen_changes"] for n in (c["name"], c.get("new_name")) if n]
    assert signature.get("screen_baseline") and any(n.startswith("link ESC[\\x1b]52;") for n in names), names
    assert any(n.startswith("button \\ud800ESC[\\x1b]52;") for n in names), names  # a lone surrogate, named
    assert not raw_in("".join(names)) and max(map(len, names)) <= FIELD_CAP


def test_child_log(site) -> None:
    logs = sorted((site["tmp"] / "artifacts").glob("cycle-*/attempt-1/child.log"))
    data = logs[-1].read_bytes()
    clean_and_shown("child log", data)
    assert len(data) < 2 * BIG


def test_text_and_html_reports(site) -> None:
    report = site["report"]
    assert report.returncode == 0, report.stderr[-3000:]
    clean_and_shown("monitor report", report.stdout)
    assert not raw_in(report.stderr)
    page = (site["tmp"] / "r.html").read_text(encoding="utf-8")
    clean_and_shown("HTML report", page)
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert len(page) < 4 * BIG


def test_mail_subject_and_mail_path(site) -> None:
    """J2.1's acknowledgement arrives with a hostile subject and headers: its journey fails on the
    subject, and what the mail path says of the headers is the target's text cleaned."""
    with sqlite3.connect(site["tmp"] / "m.db") as db:
        [record] = db.execute("SELECT record FROM results WHERE journey = 'J2.1' AND outcome != 'success'").fetchone()
    data = json.loads(record)
    shown = SHOWN.replace("\\", "\\\\")  # the journey quotes the subject with repr()
    assert "acknowledgement's subject" in data["message"] and shown in data["message"], data["message"]
    [path] = data["mail_paths"]
    assert path["authenticated_by"] == "evil.invalid" and path["spf"] == "fail", path
    assert path["spf_reason"].startswith("<b>bold</b> www") and len(path["spf_reason"]) <= FIELD_CAP, path
    assert not raw_in(json.dumps(data, ensure_ascii=False))


def test_the_whole_text_is_kept_only_in_the_trace(site) -> None:
    """The failed N1 keeps its scrubbed trace even though the hostile page cannot be drawn (the
    screenshot times out): the trace holds the page, so the heading's whole 100 kB text."""
    with sqlite3.connect(site["tmp"] / "m.db") as db:
        [record] = db.execute("SELECT record FROM results WHERE journey = 'N1' AND outcome != 'success'").fetchone()
    [trace] = [Path(a) for a in json.loads(record)["artifacts"] if a.endswith("trace.zip")]
    with zipfile.ZipFile(trace) as zf:
        whole = any(b"heading ESC[" in zf.read(m) and b"y" * (BIG // 2) in zf.read(m) for m in zf.namelist())
    assert whole, "the trace holds the heading's whole text"


def test_doctor_table_and_json(site) -> None:
    doctor = site["doctor"]
    assert doctor.returncode == 1, (doctor.stdout[-3000:] + doctor.stderr[-3000:]).decode(errors="replace")
    clean_and_shown("monitor doctor", doctor.stdout, "ESC[")
    assert not raw_in(doctor.stderr)
    assert max(map(len, doctor.stdout.decode().splitlines())) < 4 * FIELD_CAP
    texts = list(strings(json.loads((site["tmp"] / "d.json").read_text(encoding="utf-8"))))
    assert not raw_in("".join(texts)) and max(map(len, texts)) <= FIELD_CAP


def test_pytest_terminal_junit_and_results_json(site) -> None:
    plugin, tmp = site["plugin"], site["tmp"] / "plugin"
    assert plugin.returncode == 1, plugin.stdout[-3000:]
    clean_and_shown("pytest terminal", plugin.stdout + plugin.stderr)
    assert len(plugin.stdout) < 2 * BLOCK_CAP + 20_000
    values = junit_values(tmp / "junit.xml")
    clean_and_shown("pytest JUnit", "\n".join(values))
    assert sum(map(len, values)) < BIG
    texts = list(strings(json.loads((tmp / "results.json").read_text(encoding="utf-8"))))
    clean_and_shown("results JSON", "\n".join(texts))
    assert max(map(len, texts)) <= FIELD_CAP
