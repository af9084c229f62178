"""The authenticated mail path in the lab, and the suite's explanation of each fault from the headers.

The lab: a private DNS (dnsmasq) publishing the extranet's DKIM key, SPF and DMARC
(``p=quarantine; aspf=s``); Postfix with an after-queue content filter, the lab gateway, that verifies
SPF/DKIM/DMARC and writes Authentication-Results; Dovecot's Sieve filing DMARC-quarantined mail into
Junk. The extranet signs with DKIM (``--dkim-key``). The suite reads every mail over IMAP and explains
its path from its headers alone (``fixtures.mail.path``).

What is proved: clean mail passes spf/dkim/dmarc; each fault of known truth gets its specific
explanation, on the reference extranet (faults set by the operator) and on a black box (no operator
key, a test account, the fault set at start); a broken-signature mail injected straight into the relay,
not through any fault key, is explained the same way.
"""
from __future__ import annotations

import json
import re
import secrets
import smtplib
import subprocess
import sys
import time
from email.policy import SMTP
from pathlib import Path
from typing import Any, Iterator
from xml.etree import ElementTree

import dkim
import pytest
from prometheus_client import generate_latest
from support.child_pytest import run_pytest
from support.imap_helpers import DKIM_SELECTOR, DOMAIN, GATEWAY_ID, MailStack, imap_target_file, mail_stack
from support.monitor_toml import monitor_config

from extranet.mailer import ENVELOPE_FROM, SENDER, build_message, render
from fixtures.engines.resolve import resolve_engine
from fixtures.mail.imap import ImapSource
from fixtures.mail.path import read_path
from fixtures.mail.source import MailQuery, Placement
from fixtures.services.processes import ExtranetService, start_extranet
from fixtures.target.operator import OperatorClient
from monitor.export.exporter import StoreCollector, make_registry

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=120)]
ROOT = Path(__file__).resolve().parents[2]
HOLD_SECONDS = 12  # above fixtures.core.mail_path.HELD_SECONDS (10): a relay "held" it
OTHER_HOST = "activitepartielle-emploi.invalid"

#: fault → (profile, gateway hold, placement, outcome, explanation pattern). The known truth.
CASES: dict[str, tuple[dict[str, Any], int, str, str, str]] = {
    "clean": ({}, 0, "inbox", "success", r"spf=pass dkim=pass dmarc=pass"),
    "dkim_broken_in_transit": ({"dkim_broken_in_transit": True}, 0, "junk", "success",
                               r"in Junk: DKIM fail \(body hash mismatch\), DMARC quarantine"),
    "spf_unauthorized_sender": ({"spf_unauthorized_sender": True}, 0, "inbox", "success",
                                r"SPF fail \(127\.0\.0\.2 not allowed by retours\.activitepartielle\.invalid\); "
                                r"DMARC pass through DKIM"),
    "dmarc_misaligned": ({"dmarc_misaligned": True}, 0, "junk", "success",
                         r"in Junk: DMARC quarantine \(SPF and DKIM not aligned with From\)"),
    "relay_hold": ({}, HOLD_SECONDS, "inbox", "success", rf"held ({HOLD_SECONDS - 1}|{HOLD_SECONDS}|{HOLD_SECONDS + 1}) s at relay 2"),
    "mail_link_host": ({"mail_link_host": OTHER_HOST}, 0, "inbox", "failure", r"reset link points to another host"),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailStack]:
    with mail_stack(tmp_path_factory.mktemp("mail-path"), authenticated=True) as running:
        yield running


def _send(stack: MailStack, to: str, *, tamper: bool = False) -> None:
    """Our own mail, signed with the lab's key (d= the extranet's domain), straight into Postfix."""
    assert stack.dkim_key is not None
    mail = render("reinitialisation", to, civilite="Madame", nom="Durand",
                  link="http://127.0.0.1:9/reinitialisation/x", ttl_minutes=60)
    data = build_message(mail).as_bytes(policy=SMTP)
    data = dkim.sign(data, DKIM_SELECTOR.encode(), SENDER.domain.encode(), stack.dkim_key.read_bytes(),
                     linesep=b"\r\n") + data
    if tamper:  # the body changes after signing: one word of the text part
        data = data.replace(b"Madame", b"Monsieur", 1)
        assert b"Monsieur" in data
    with smtplib.SMTP(stack.postfix.smtp_host, stack.postfix.smtp_port, timeout=10) as smtp:
        smtp.sendmail(ENVELOPE_FROM, [to], data)


@pytest.mark.parametrize("tamper", [False, True], ids=["signed", "tampered"])
def test_a_mail_injected_into_the_relay_is_explained_from_its_headers(stack: MailStack, tamper: bool) -> None:
    source = ImapSource(stack.settings())
    to = f"aparts+inject{time.time_ns()}@{DOMAIN}"
    with source.expect(MailQuery(to, "Réinitialisation"), timeout=60) as waiter:
        _send(stack, to, tamper=tamper)
    mail = waiter.value
    path = read_path(mail, "http://127.0.0.1:9")
    assert path.authenticated_by == GATEWAY_ID
    assert [h.by for h in path.hops][:3] == [f"mx.{DOMAIN}", GATEWAY_ID, f"mx.{DOMAIN}"], path.hops
    if tamper:
        assert (mail.placement, path.spf, path.dkim, path.dmarc) == (Placement.JUNK, "pass", "fail", "fail"), path
        assert path.explanation == "in Junk: DKIM fail (body hash mismatch), DMARC quarantine"
    else:
        assert (mail.placement, path.spf, path.dkim, path.dmarc) == (Placement.INBOX, "pass", "pass", "pass"), path
        assert (path.verdict, path.explanation) == ("ok", "spf=pass dkim=pass dmarc=pass")


def test_a_forged_verdict_claiming_the_gateway_is_removed(stack: MailStack) -> None:
    """A sender cannot write its own « dkim=pass » in the gateway's name (RFC 8601 §5)."""
    source = ImapSource(stack.settings())
    to = f"aparts+forged{time.time_ns()}@{DOMAIN}"
    mail = render("reinitialisation", to, civilite="Madame", nom="Durand", link="http://127.0.0.1:9/x",
                  ttl_minutes=60)
    message = build_message(mail)
    message["Authentication-Results"] = f"{GATEWAY_ID}; spf=pass; dkim=pass; dmarc=pass"
    with source.expect(MailQuery(to, "Réinitialisation"), timeout=60) as waiter:
        with smtplib.SMTP(stack.postfix.smtp_host, stack.postfix.smtp_port, timeout=10) as smtp:
            smtp.sendmail(ENVELOPE_FROM, [to], message.as_bytes())
    found = waiter.value
    assert len(found.headers.get("Authentication-Results", [])) == 1
    path = read_path(found, "http://127.0.0.1:9")
    assert (path.dkim, path.dmarc, found.placement) == ("none", "fail", Placement.JUNK), path


# -- the journeys, as users run them ----------------------------------------------------------------
def _target_file(folder: Path, stack: MailStack, extranet: ExtranetService, *, black_box: bool) -> Path:
    # The black box runs one account through six resets within minutes: it sets no recovery limit and no
    # lockout (--reset-rate-limit 0 --login-lockout-attempts 0), and its config says so (the quota is tested
    # in test_black_box.py).
    extra = "recovery_rate_limit = 100\nlogin_lockout_attempts = 0\n" if black_box else ""
    return imap_target_file(folder, stack, extranet.base_url, operator_key=None if black_box else extranet.operator_key,
                            plus_addressing=not black_box, extra=extra)


def _check(case: str, proc: subprocess.CompletedProcess[str], results: list[dict[str, Any]],
           junit: Path | None = None) -> None:
    _profile, _hold, placement, outcome, pattern = CASES[case]
    assert len(results) == 1, proc.stdout[-3000:]
    result = results[0]
    assert result["outcome"] == outcome, (case, result.get("message"), proc.stdout[-3000:])
    path = result["mail_paths"][-1]
    assert re.fullmatch(pattern, path["explanation"]), (case, path)
    assert path["placement"] == placement, (case, path)
    if outcome == "failure":
        assert result["failure_class"] == "mail_link_off_target" and OTHER_HOST not in json.dumps(result)
    if case == "clean":
        assert (path["spf"], path["dkim"], path["dmarc"], path["verdict"]) == ("pass", "pass", "pass", "ok")
    else:
        assert path["explanation"] in proc.stdout  # the terminal summary names what is not clean
    if junit is not None:  # the JUnit property a CI shows: « kind: spf=… dkim=… dmarc=… · verdict: cause »
        properties = {p.get("name"): p.get("value") for p in ElementTree.parse(junit).iter("property")}
        auth = f'spf={path["spf"]} dkim={path["dkim"]} dmarc={path["dmarc"]}'
        assert properties.get("mail_path") == f'{path["kind"]}: {auth} · {path["verdict"]}: {path["explanation"]}', \
            (case, properties)
        assert re.fullmatch(r"(\d+:(\d+s|\?)(\(\w+\))? ?)+", properties.get("mail_hops") or ""), (case, properties)
        assert "@" not in str(properties) and OTHER_HOST not in junit.read_text(encoding="utf-8"), (case, properties)


@pytest.fixture(scope="module")
def reference(stack: MailStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExtranetService]:
    if not resolve_engine("chromium").available:
        pytest.skip("needs Chromium for the journeys")
    assert stack.dkim_key is not None
    service = start_extranet(tmp_path_factory.mktemp("extranet"), smtp_host=stack.postfix.smtp_host,
                             smtp_port=stack.postfix.smtp_port, operator_key=secrets.token_urlsafe(16),
                             extra_args=["--dkim-key", str(stack.dkim_key)])
    yield service
    service.stop()


@pytest.mark.parametrize("case", list(CASES))
def test_each_fault_is_explained_on_the_reference_extranet(case: str, stack: MailStack, reference: ExtranetService,
                                                           tmp_path: Path) -> None:
    profile, hold, *_ = CASES[case]
    assert stack.gateway is not None and reference.operator_key is not None
    operator = OperatorClient(reference.base_url, reference.operator_key)
    operator.set_faults(profile)
    stack.gateway.hold(hold)
    try:
        proc, results = run_pytest(tmp_path, "journeys", "--target-config",
                                   str(_target_file(tmp_path, stack, reference, black_box=False)),
                                   "--journey", "J2.2b", "--browser", "chromium",
                                   "--junitxml", str(tmp_path / "junit.xml"))
    finally:
        operator.set_faults({})
        stack.gateway.hold(0)
    _check(case, proc, results, tmp_path / "junit.xml")


def test_each_fault_is_explained_on_a_black_box_with_a_test_account(stack: MailStack, tmp_path: Path) -> None:
    """No operator key: the fault is the deployment's (set at start), the account the CLI made, one address."""
    assert stack.gateway is not None and stack.dkim_key is not None
    if not resolve_engine("chromium").available:
        pytest.skip("needs Chromium for the journeys")
    database = tmp_path / "black-box.db"
    credentials = tmp_path / "credentials.toml"
    credentials.write_text(f'[imap]\npassword = "{stack.password}"\n')
    credentials.chmod(0o600)
    for case, (profile, hold, *_rest) in CASES.items():
        extranet = start_extranet(tmp_path / case, smtp_host=stack.postfix.smtp_host,
                                  smtp_port=stack.postfix.smtp_port, operator_key=None, database=database,
                                  extra_args=["--dkim-key", str(stack.dkim_key), "--faults", json.dumps(profile),
                                              "--reset-rate-limit", "0", "--login-lockout-attempts", "0"])
        stack.gateway.hold(hold)
        try:
            if case == "clean":  # the test account, made by the extranet's own CLI, once
                added = subprocess.run([sys.executable, "-m", "extranet", "accounts", "add", "--database",
                                        str(database), "--credentials", str(credentials), "--mailbox",
                                        f"aparts@{DOMAIN}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
                assert added.returncode == 0, added.stderr
            run_dir = tmp_path / f"run-{case}"
            run_dir.mkdir()
            proc, results = run_pytest(run_dir, "journeys", "--target-config",
                                       str(_target_file(tmp_path, stack, extranet, black_box=True)),
                                       "--journey", "J2.2b", "--browser", "chromium")
        finally:
            stack.gateway.hold(0)
            extranet.stop()
        _check(case, proc, results)


def test_the_monitor_reports_cas_3_and_counts_the_verdicts(stack: MailStack, reference: ExtranetService,
                                                           tmp_path: Path) -> None:
    """``monitor once`` with a tampered signature and a holding relay, then ``monitor report`` and /metrics."""
    assert stack.gateway is not None and reference.operator_key is not None
    target = _target_file(tmp_path, stack, reference, black_box=False)
    config = monitor_config(tmp_path, target, ["J2.2b"], ["chromium"], cycle_timeout="5m")
    operator = OperatorClient(reference.base_url, reference.operator_key)
    operator.set_faults({"dkim_broken_in_transit": True})
    stack.gateway.hold(HOLD_SECONDS)
    try:
        once = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "once"], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
    finally:
        stack.gateway.hold(0)
        operator.set_faults({})
        operator.close()
    assert once.returncode == 0, once.stdout[-2000:] + once.stderr[-2000:]
    report = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "report", "--html",
                             str(tmp_path / "report.html")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h2>Cas n°3 « vos serveurs d'entreprise bloquent les messages »" in page, page[-3000:]
    assert "in Junk: DKIM fail (body hash mismatch), DMARC quarantine; held 1" in page
    assert "<td>fail 1</td>" in page and "@" not in page.split("<h2>Mail path", 1)[1]
    lines = [" ".join(line.split()) for line in report.stdout.splitlines()]
    assert "J2.2b Chromium 1 mails: spf pass 1 · dkim fail 1 · dmarc fail 1 1 warning(s)" in lines, report.stdout
    held = r"held 1[1-3] s at relay 2"  # HOLD_SECONDS, read from one-second Received stamps
    assert any(re.fullmatch(r"J2\.2b Chromium 1 came in junk: in Junk: DKIM fail \(body hash mismatch\), DMARC "
                            rf"quarantine; {held}", line) for line in lines), report.stdout
    assert any(re.fullmatch(rf"J2\.2b Chromium 1 came late: {held}", line) for line in lines), report.stdout
    exposed = generate_latest(make_registry(StoreCollector(tmp_path / "monitor.db", journeys=["J2.2b"],
                                                           browsers=["chromium"]))).decode()
    assert 'extranet_mail_auth_total{mechanism="dkim",result="fail"} 1.0' in exposed, exposed
    assert 'extranet_mail_auth_total{mechanism="dmarc",result="fail"} 1.0' in exposed
    assert 'extranet_mail_hop_delay_seconds_bucket{hop="3",le="30.0"} 1.0' in exposed  # relay 3 stamped 12 s later
    assert 'extranet_mail_hop_delay_seconds_bucket{hop="3",le="10.0"} 0.0' in exposed
    assert stack.password not in once.stdout + once.stderr + report.stdout + exposed
    assert "@" not in "".join(line for line in exposed.splitlines() if not line.startswith("#"))
