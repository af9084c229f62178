"""The mail path in the monitor: bounded metrics, a row per journey × browser, and Cas n°3's likely causes."""
from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import generate_latest
from support.leak_audit.scan import unbounded_labels

from fixtures.core.contract import JourneyResult, MailLatency
from fixtures.core.mail_path import MailHop, MailPath, explain
from monitor import metrics
from monitor.export.exporter import StoreCollector, make_registry
from monitor.report.history_html import render_html
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store


def _path(kind: str = "reinitialisation", **fields: object) -> MailPath:
    path = MailPath(kind, **fields)  # type: ignore[arg-type]
    verdict, text = explain(path)
    return MailPath(kind, **{**fields, "verdict": verdict, "explanation": text})  # type: ignore[arg-type]


CLEAN = _path(spf="pass", dkim="pass", dmarc="pass", authenticated_by="mx.sentinel.invalid",
              hops=(MailHop(1, "mx", 0.0), MailHop(2, "imap", 1.0)))
JUNKED = _path(spf="pass", dkim="fail", dkim_reason="body hash mismatch", dmarc="fail", dmarc_policy="quarantine",
               authenticated_by="mx.sentinel.invalid", placement="junk")
HELD = _path(spf="pass", dkim="pass", dmarc="pass", authenticated_by="mx",
             hops=tuple(MailHop(i, f"relay{i}", d) for i, d in enumerate((0.0, 1.0, 45.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                                                             0.0, 0.0, 2.0), start=1)))


def _ok(journey: str, browser: str, path: MailPath, delivery: float = 1.0) -> JourneyResult:
    return JourneyResult(journey, browser, "success", mail_latencies=(MailLatency(path.kind, delivery, 0.1,
                                                                                  path.placement),),
                         mail_paths=(path,))


def test_metrics_count_verdicts_and_hop_delays_with_bounded_labels(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2.2b"], ["chromium", "firefox"])
        store.record_attempt(cycle, 1, [_ok("J2.2b", "chromium", CLEAN), _ok("J2.2b", "firefox", JUNKED),
                                        _ok("J2.2b", "webkit", HELD, delivery=47.0)])
        store.finish_cycle(cycle, "completed")
        counters = {(n, tuple(sorted(labels.items()))): v for n, labels, v in store.counters()}
    auth = {labels: v for (n, labels), v in counters.items() if n == metrics.MAIL_AUTH.key}
    assert auth[(("mechanism", "dkim"), ("result", "pass"))] == 2.0
    assert auth[(("mechanism", "dkim"), ("result", "fail"))] == 1.0
    assert auth[(("mechanism", "dmarc"), ("result", "fail"))] == 1.0
    hops = {dict(labels)["hop"] for (n, labels), _ in counters.items() if n.startswith(metrics.MAIL_HOP_DELAY.key)}
    assert hops == {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10+"}  # relay 11 shares "10+"
    for (_n, labels), _v in counters.items():  # no address, host or link ever becomes a label value
        assert not any(re.search(r"[@/]|relay|mx|imap", value) for _k, value in labels)


def test_the_leak_audits_label_check_passes_the_exposition_and_finds_what_is_planted(tmp_path: Path) -> None:
    """The audit's check of /metrics (tests/integration/test_leak_audit.py), tested: the real exposition
    of mail paths passes it; an address, a link or a word outside a mail label's vocabulary is found."""
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2.2b"], ["chromium", "firefox", "webkit"])
        store.record_attempt(cycle, 1, [_ok("J2.2b", "chromium", CLEAN), _ok("J2.2b", "firefox", JUNKED),
                                        _ok("J2.2b", "webkit", HELD, delivery=47.0)])
        store.finish_cycle(cycle, "completed")
    exposed = generate_latest(make_registry(StoreCollector(tmp_path / "m.db"))).decode()
    assert unbounded_labels(exposed) == []
    assert 'extranet_mail_auth_total{mechanism="dkim",result="fail"}' in exposed
    assert 'extranet_mail_hop_delay_seconds_bucket{hop="10+"' in exposed
    planted = exposed + "\n".join([
        '# HELP extranet_mail_planted_total planted', '# TYPE extranet_mail_planted_total counter',
        'extranet_mail_planted_total{to="aparts+x@sentinel.invalid"} 1.0',
        'extranet_mail_planted_total{link="https://h/reinitialisation/t0k3n"} 1.0', ""])
    planted = planted.replace('mechanism="dkim",result="fail"', 'mechanism="dkim",result="fail at mx.corp"')
    assert unbounded_labels(planted) == [
        "extranet_mail_auth_total label result: outside its vocabulary",
        "extranet_mail_planted_total label to: an address or a link",
        "extranet_mail_planted_total label link: an address or a link"], unbounded_labels(planted)


def test_report_shows_verdicts_and_answers_cas_3(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2.2b", "J1"], ["chromium", "firefox"])
        store.record_attempt(cycle, 1, [
            _ok("J2.2b", "chromium", CLEAN), _ok("J2.2b", "firefox", JUNKED),
            _ok("J1", "chromium", HELD, delivery=47.0),
            JourneyResult("J2.2b", "webkit", "mail_not_received", failure_class="mail_not_received"),
            JourneyResult("J3", "webkit", "mail_not_received", failure_class="mail_not_received")])
        store.finish_cycle(cycle, "completed")
        data = compute(store, [3600])
        text, page = render_text(data), render_html(data, tmp_path / "report.html")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "J2.2b Chromium 1 mails: spf pass 1 · dkim pass 1 · dmarc pass 1" in lines
    assert "J2.2b Firefox 1 came in junk: in Junk: DKIM fail (body hash mismatch), DMARC quarantine" in lines
    assert "J1 Chromium 1 came late: held 45 s at relay 2" in lines
    assert ("J2.2b WebKit 1 did not come: likely quarantined by the recipient's gateway (check its quarantine): "
            "this journey's mails that came show DKIM fail (body hash mismatch), DMARC quarantine") in lines
    assert any(line.startswith("J3 WebKit 1 did not come: no mail of this journey shows a cause") for line in lines)
    assert "Cas n°3" in page and "held 45 s at relay 2" in page
