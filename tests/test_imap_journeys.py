"""J2.2a and J2.2b read their mail over IMAP from a real mailbox, as a monitor of the portal would.

The reference extranet sends by SMTP to Postfix, which delivers by LMTP to Dovecot, whose Sieve
rule files what SpamAssassin calls spam into Junk. The suite runs as users run it (``pytest
journeys --target-config FILE``, the file naming the IMAP mailbox, the password in a 0600
credentials file) and reports where each mail landed: ``inbox``, or ``junk`` (a success with
a warning) when the extranet's ``spammy_mail`` fault is on.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Iterator

import pytest

from fixtures.engines import resolve_engine
from fixtures.operator import OperatorClient
from fixtures.processes import ExtranetService, start_extranet

try:
    from child_pytest import run_pytest
    from imap_helpers import DOMAIN, MailStack, mail_stack
except ImportError:  # pragma: no cover
    from tests.child_pytest import run_pytest
    from tests.imap_helpers import DOMAIN, MailStack, mail_stack

pytestmark = pytest.mark.integration


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
    credentials = folder / "credentials.toml"
    credentials.write_text(f'[imap]\npassword = "{stack.password}"\n')
    credentials.chmod(0o600)
    target = folder / "target.toml"
    target.write_text(f"""[target]
base_url = "{extranet.base_url}"
reference = true
operator_key = "{extranet.operator_key}"
mail_timeout_seconds = 60
credentials_file = "{credentials}"

[target.imap]
host = "{stack.dovecot.host}"
port = {stack.dovecot.imaps_port}
tls = "implicit"
ca_file = "{stack.dovecot.ca_file}"
user = "aparts"
address = "aparts@{DOMAIN}"
plus_addressing = true
""")
    return target


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
    assert stack.password not in proc.stdout + proc.stderr


def test_a_mail_filed_as_junk_is_a_success_with_a_warning(stack: MailStack, extranet: ExtranetService,
                                                         tmp_path: Path) -> None:
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
