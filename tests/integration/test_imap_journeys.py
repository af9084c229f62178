"""J2.2a and J2.2b read their mail over IMAP from a real mailbox, as a monitor of the portal would
(also on a black box: no operator key, a test account created by the extranet's own CLI).

The reference extranet sends by SMTP to Postfix, which delivers by LMTP to Dovecot, whose Sieve
rule files what SpamAssassin calls spam into Junk. The suite runs as users run it (``pytest
journeys --target-config FILE``, the file naming the IMAP mailbox, the password in a 0600
credentials file) and reports where each mail landed: ``inbox``, or ``junk`` (a success with
a warning) when the extranet's ``spammy_mail`` fault is on.
"""
from __future__ import annotations

import secrets
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Iterator

import pytest
from prometheus_client import generate_latest
from support.child_pytest import run_pytest
from support.imap_helpers import DOMAIN, MailStack, imap_target_file, mail_stack

# tests/ is on sys.path (pytest inserts a test file's folder): helpers import by name
from support.monitor_toml import monitor_config

from fixtures.engines.resolve import resolve_engine
from fixtures.services.processes import ExtranetService, start_extranet
from fixtures.target.operator import OperatorClient
from monitor.export.exporter import StoreCollector, make_registry

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=40)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailStack]:
    if not resolve_engine("chromium").available:
        pytest.skip("needs Chromium for the journeys")
    with mail_stack(tmp_path_factory.mktemp("imap-journeys")) as running:
        yield running


@pytest.fixture(scope="module")
def extranet(stack: MailStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExtranetService]:
    service = start_extranet(tmp_path_factory.mktemp("extranet"), smtp_host=stack.postfix.smtp_host,
                             smtp_port=stack.postfix.smtp_port, operator_key=secrets.token_urlsafe(16))
    yield service
    service.stop()


def imap_target(folder: Path, stack: MailStack, extranet: ExtranetService) -> Path:
    """A target config naming the mailbox; its password only in the credentials file (0600)."""
    return imap_target_file(folder, stack, extranet.base_url, operator_key=extranet.operator_key)


def test_j2_2a_and_j2_2b_read_the_mail_over_imap_from_the_inbox(stack: MailStack, extranet: ExtranetService,
                                                                tmp_path: Path) -> None:
    proc, results = run_pytest(tmp_path, "journeys", "--target-config", str(imap_target(tmp_path, stack, extranet)),
                               "--journey", "J2.2a", "--journey", "J2.2b", "--browser", "chromium")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert {r["journey"]: r["outcome"] for r in results} == {"J2.2a": "success", "J2.2b": "success"}, results
    for result in results:
        assert [m["placement"] for m in result["mail_latencies"]] == ["inbox"], result
        assert result["mail_in_junk"] is False
    assert "mail placement (IMAP): 2 in inbox" in proc.stdout
    assert f"mail: IMAP {stack.dovecot.host}:{stack.dovecot.imaps_port} (tls implicit" in proc.stdout
    assert stack.password not in proc.stdout + proc.stderr


def test_a_mail_filed_as_junk_is_a_success_with_a_warning(stack: MailStack, extranet: ExtranetService,
                                                         tmp_path: Path) -> None:
    assert extranet.operator_key is not None  # the extranet the tests start has an operator key
    operator = OperatorClient(extranet.base_url, extranet.operator_key)
    operator.set_faults({"spammy_mail": True})
    try:
        proc, results = run_pytest(tmp_path, "journeys", "--target-config",
                                   str(imap_target(tmp_path, stack, extranet)), "--journey", "J2.2a",
                                   "--browser", "chromium")
    finally:
        operator.set_faults({})
        operator.close()
    assert proc.returncode == 0, proc.stdout[-3000:]
    [result] = results
    assert result["outcome"] == "success", result
    assert [m["placement"] for m in result["mail_latencies"]] == ["junk"] and result["mail_in_junk"] is True
    assert "WARNING filed as junk in J2.2a/chromium" in proc.stdout


def test_the_monitor_counts_and_reports_the_placement(stack: MailStack, extranet: ExtranetService,
                                                      tmp_path: Path) -> None:
    """``python -m monitor once`` against the IMAP target, then its report and its metric."""
    target = imap_target(tmp_path, stack, extranet)
    config = monitor_config(tmp_path, target, ["J2.2a"], ["chromium"], cycle_timeout="5m")
    assert extranet.operator_key is not None  # the extranet the tests start has an operator key
    operator = OperatorClient(extranet.base_url, extranet.operator_key)
    operator.set_faults({"spammy_mail": True})
    try:
        once = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "once"], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
    finally:
        operator.set_faults({})
        operator.close()
    assert once.returncode == 0, once.stdout[-2000:] + once.stderr[-2000:]
    report = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "report"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    lines = [" ".join(line.split()) for line in report.stdout.splitlines() if line.startswith("  J2.2a ")]
    assert "J2.2a Chromium junk 1 WARNING: 1 in junk" in lines, report.stdout  # the placement section
    # Cas n°3 (the mail path): junked by SpamAssassin's score, not by its authentication (no gateway checked it)
    assert "J2.2a Chromium 1 came in junk: in Junk: no authentication failure in its headers (content or " \
           "reputation)" in lines, report.stdout
    exposed = generate_latest(make_registry(StoreCollector(tmp_path / "monitor.db", journeys=["J2.2a"],
                                                           browsers=["chromium"]))).decode()
    assert 'extranet_mail_placement_total{folder="junk",journey="J2.2a"} 1.0' in exposed, exposed
    assert stack.password not in once.stdout + once.stderr + report.stdout + exposed


def test_a_refused_imap_login_is_a_probe_error_naming_the_setting(stack: MailStack, extranet: ExtranetService,
                                                                  tmp_path: Path) -> None:
    target = imap_target(tmp_path, stack, extranet)
    wrong = "wrong-" + secrets.token_hex(6)
    (tmp_path / "credentials.toml").write_text(f'[imap]\npassword = "{wrong}"\n')
    proc, results = run_pytest(tmp_path, "journeys", "--target-config", str(target), "--journey", "J2.2a",
                               "--browser", "chromium")
    [result] = results
    assert (result["outcome"], result["failure_class"]) == ("probe_error", "imap_login_refused"), result
    assert "imap.password" in result["message"] and "\n" not in result["message"]
    assert wrong not in proc.stdout + proc.stderr + result["message"]


def test_a_black_box_with_a_test_account_reads_its_single_address_mailbox(stack: MailStack,
                                                                         tmp_path: Path) -> None:
    """No operator key: the account is created by the extranet's own CLI, as a portal's operator would,
    its mailbox is the IMAP box's single address, its secrets and the IMAP password share one file."""
    extranet = start_extranet(tmp_path / "black-box", smtp_host=stack.postfix.smtp_host,
                              smtp_port=stack.postfix.smtp_port, operator_key=None)
    try:
        credentials = tmp_path / "credentials.toml"
        credentials.write_text(f'[imap]\npassword = "{stack.password}"\n')
        credentials.chmod(0o600)
        added = subprocess.run([sys.executable, "-m", "extranet", "accounts", "add", "--database",
                                str(extranet.database), "--credentials", str(credentials),
                                "--mailbox", f"aparts@{DOMAIN}"], cwd=ROOT, capture_output=True, text=True,
                               timeout=60)
        assert added.returncode == 0, added.stderr
        target = imap_target_file(tmp_path, stack, extranet.base_url, plus_addressing=False)  # a black box
        proc, results = run_pytest(tmp_path, "journeys", "--target-config", str(target), "--journey", "J2.2a",
                                   "--journey", "J2.2b", "--browser", "chromium")
    finally:
        extranet.stop()
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert {r["journey"]: r["outcome"] for r in results} == {"J2.2a": "success", "J2.2b": "success"}, results
    assert [m["placement"] for r in results for m in r["mail_latencies"]] == ["inbox", "inbox"]
    # J2.2b rotated the account's password in the shared file: the IMAP secret is still there, still 0600.
    assert tomllib.loads(credentials.read_text())["imap"] == {"password": stack.password}
    assert credentials.stat().st_mode & 0o777 == 0o600
