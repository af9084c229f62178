"""The outputs hold even when a record carries the target's raw text (an older plugin, another writer).

Each output cleans again what it takes from a record (``fixtures.core.untrusted``); these records are
built directly, without ``parse_result``'s bounding, so only the output's own defence is tested.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from fixtures.core.contract import JourneyResult, bounded_result, parse_result
from fixtures.core.signature import Signature
from fixtures.core.untrusted import FIELD_CAP, clean
from fixtures.plugin.results_output import not_run_lines, signature_lines
from monitor.classify import Run
from monitor.cycle.runner import CycleReport
from monitor.report.cycle_summary import summary_dict, summary_text, write_junit

#: Every character XML 1.0 refuses: C0 but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF; then what a
#: terminal obeys (OSC title, CSI colours, C1 CSI) and bidi overrides, and 100 kB of it.
XML_INVALID = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ud800\udfff\ufffe\uffff"
HOSTILE = ("alert " + XML_INVALID + " \x1b]0;owned\x07 \x1b[31mred \x9b2J \u202eevil\u2066x\u2069 ") * 2000
RAW = set(XML_INVALID) | {"\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2069", "\x7f"}


def hostile_result(outcome: str = "failure") -> JourneyResult:
    signature = Signature(step_id="open_home", step="Aller sur la page d'accueil", path="/" + HOSTILE[:300],
                          status=200, heading=HOSTILE, alerts=(HOSTILE,) * 30, js_errors=(HOSTILE,),
                          console_errors=(HOSTILE,), error="AssertionError: " + HOSTILE)
    return JourneyResult("N1", "chromium", outcome, test="journeys/test_n1.py::t[chromium]", failure_class="assertion",
                         message=HOSTILE, signatures=(signature,))


def report_of(*results: JourneyResult) -> CycleReport:
    runs = [Run(r.journey, r.browser, r.outcome, r.outcome, 1, r.failure_class) for r in results]
    return CycleReport(7, "completed", 0.0, 1.0, runs=runs, attempts=[(1, r) for r in results],
                       errors=["child said " + HOSTILE])


def raw_in(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if c in RAW})


def test_monitor_junit_parses_with_every_xml_invalid_character_and_bounds_each_value(tmp_path: Path) -> None:
    path = tmp_path / "j.xml"
    write_junit(report_of(hostile_result(), hostile_result("probe_error")), path)
    root = ET.parse(path).getroot()  # raises on the first invalid character
    values = [v for e in root.iter() for v in [*e.attrib.values(), e.text or ""]]
    assert any("\\x1b]0;owned\\x07" in v for v in values), "the hostile text is there, shown as escapes"
    assert not raw_in("".join(values))
    assert max(len(v) for v in values) <= FIELD_CAP


def test_cycle_terminal_summary_and_json_get_no_escape_sequence() -> None:
    report = report_of(hostile_result())
    text = summary_text(report)
    assert "\\x1b" in text and not raw_in(text)
    data = json.dumps(summary_dict(report), ensure_ascii=False)
    assert not raw_in(json.loads(data)["errors"][0])


def test_end_of_run_summary_lines_get_no_escape_sequence() -> None:
    lines = signature_lines([hostile_result()]) + not_run_lines([JourneyResult(
        "N1", "chromium", "not_run", failure_class="skipped", message=HOSTILE)])
    assert lines and not raw_in("\n".join(lines))
    assert all(len(line) < 2 * FIELD_CAP for line in lines)


def test_a_record_the_monitor_reads_is_bounded_and_bounding_is_idempotent() -> None:
    written = hostile_result()
    read = bounded_result(parse_result(written.to_dict()))
    data = json.dumps(read.to_dict(), ensure_ascii=False)
    assert not raw_in(data)
    assert len(data) < 20_000, "30 alerts of 100 kB: at most 10 texts of 500 characters"
    assert len(read.signatures[0].alerts) == 10 and read.signatures[0].alerts[-1] == "…[cut: 30 in all]"
    assert read.signatures[0].line == clean(written.signatures[0].line), "the writer's line, the grouping key, kept"
    assert bounded_result(read) == read
    plain = JourneyResult("N1", "chromium", "failure", message="Identifiant ou mot de passe incorrect.",
                          signatures=(Signature(step_id="x", step="Se connecter", alerts=("Erreur",), line="key"),))
    assert bounded_result(plain) == plain, "a clean record is left as it is"
