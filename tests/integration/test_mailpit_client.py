"""The Mailpit client against a real Mailpit: search, latest, delete, event-driven wait."""
from __future__ import annotations

import smtplib
import threading
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from typing import Iterator

import pytest

from fixtures.core.outcomes import MailNotReceived, MailpitUnreachable
from fixtures.mail.mailpit import MailpitClient
from fixtures.services.ports import free_port
from fixtures.services.processes import MailpitService, start_mailpit

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def mailpit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailpitService]:
    service = start_mailpit(tmp_path_factory.mktemp("mailpit"))
    yield service
    service.stop()


@pytest.fixture
def client(mailpit: MailpitService) -> Iterator[MailpitClient]:
    with MailpitClient(mailpit.http_url) as c:
        yield c


def send(mailpit: MailpitService, to: str, subject: str = "Sujet", text: str = "Bonjour",
         html: str | None = None, headers: dict[str, str] | None = None) -> None:
    msg = EmailMessage()
    msg["From"] = "Extranet <ne-pas-repondre@activitepartielle.invalid>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    for key, value in (headers or {}).items():
        msg[key] = value.replace("{sent_at}", f"{time.time():.6f}")  # stamped as the extranet does
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    with smtplib.SMTP(mailpit.smtp_host, mailpit.smtp_port) as smtp:
        smtp.send_message(msg)


def address() -> str:
    return f"qa+{uuid.uuid4().hex[:10]}@example.invalid"


def test_search_latest_and_delete_are_scoped_to_the_query(mailpit, client):
    mine, other = address(), address()
    send(mailpit, mine, "premier")
    send(mailpit, mine, "second")
    send(mailpit, other, "autre")
    assert [m.subject for m in client.search(f"to:{mine}")] == ["second", "premier"]
    assert client.latest(f"to:{mine}").subject == "second"
    client.delete_search(f"to:{mine}")
    assert client.search(f"to:{mine}") == []
    assert [m.subject for m in client.search(f"to:{other}")] == ["autre"]
    assert client.latest(f"to:{mine}") is None


def test_delete_search_refuses_an_empty_query(client):
    with pytest.raises(ValueError):
        client.delete_search("  ")


def test_expect_mail_returns_the_new_mail_sent_after_connecting(mailpit, client):
    to = address()
    send(mailpit, to, "ancien")  # already there: must not satisfy the wait
    with client.expect_mail(f"to:{to}", timeout=10) as waiter:
        threading.Timer(0.3, send, args=(mailpit, to, "nouveau"),
                        kwargs={"html": '<p><a href="http://x.invalid/reinitialisation/t0k">lien</a></p>',
                                "text": "Identifiant : AP12345678\nhttp://x.invalid/reinitialisation/t0k",
                                "headers": {"X-Extranet-Kind": "reinitialisation",
                                            "X-Extranet-Sent-At": "{sent_at}"}}).start()
    mail = waiter.value
    assert mail.subject == "nouveau"
    assert mail.kind == "reinitialisation"
    assert mail.link("/reinitialisation/") == "http://x.invalid/reinitialisation/t0k"
    assert mail.field_value("Identifiant") == "AP12345678"
    # Mailpit's own storage time (ms resolution), not the Date header, is compared with the send time.
    assert mail.delivery_seconds is not None and 0 < mail.delivery_seconds < 5
    assert mail.created != int(mail.created)
    assert 0 <= mail.notice_seconds < 5


def test_expect_mail_sees_a_mail_sent_before_the_wait_started(mailpit, client):
    """The race the design closes: the mail lands between connect and wait()."""
    to = address()
    with client.expect_mail(f"to:{to}", timeout=5) as waiter:
        send(mailpit, to, "rapide")
        time.sleep(0.3)  # stands for a slow triggering action: the mail is stored meanwhile
        wait_started = time.time()
    waited = time.time() - wait_started
    assert waiter.value.subject == "rapide"
    # Notice latency counts from the start of the wait, not the action the test was busy with:
    # it fits inside the wait itself (10 ms for clock granularity), however slow the machine.
    assert 0 <= waiter.value.notice_seconds <= waited + 0.01, (waiter.value.notice_seconds, waited)


def test_expect_mail_times_out_as_mail_not_received(client):
    started = time.monotonic()
    with pytest.raises(MailNotReceived) as info:
        with client.expect_mail(f"to:{address()}", timeout=0.5):
            pass
    assert time.monotonic() - started < 5
    assert "@" not in str(info.value)  # addresses are kept out of reports


def test_dead_mailpit_is_a_probe_error_not_a_failure(tmp_path):
    with MailpitClient(f"http://127.0.0.1:{free_port()}") as dead:
        with pytest.raises(MailpitUnreachable) as info:
            dead.search("to:x@example.invalid")
        with pytest.raises(MailpitUnreachable):
            with dead.expect_mail("to:x@example.invalid", timeout=1):
                pass
    assert info.value.outcome.value == "probe_error"


def test_spam_check_is_none_when_spamassassin_is_off(mailpit, client):
    to = address()
    send(mailpit, to)
    mail = client.with_spam_score(client.latest(f"to:{to}"))
    assert mail.spam_score is None
