"""The IMAP mail source against a real mailbox: Postfix → Dovecot (LMTP, Sieve + SpamAssassin).

What is proved: a normal mail is found in the inbox and a spammy one in the junk folder the
*server* filed it into; the wait wakes on IDLE; a mail of an earlier wait or sent before the
wait is not taken; a mail that never comes is ``mail_not_received``; a refused login, a TLS
failure, a missing junk folder and a full mailbox are one line naming the setting (never the
secret), outcome ``probe_error``.
"""
from __future__ import annotations

import smtplib
import threading
import time
from typing import Iterator

import pytest
from support.imap_helpers import (  # tests/ is on sys.path (pytest's rootdir-relative import)
    BARE_USER,
    DOMAIN,
    FULL_USER,
    MailStack,
    mail_stack,
)

from extranet.mailer import build_message, render
from fixtures.core.outcomes import MailNotReceived, Outcome, classify
from fixtures.core.placement import Placement
from fixtures.mail.imap import ImapError, ImapSource
from fixtures.mail.source import MailQuery

pytestmark = pytest.mark.integration
SUBJECT_WORD = "Réinitialisation"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailStack]:
    with mail_stack(tmp_path_factory.mktemp("imap")) as running:
        yield running


def send(stack: MailStack, to: str, *, spam: bool = False, sent_at: float | None = None) -> str:
    """Hand one reset mail to Postfix over SMTP, as the extranet does; returns its link."""
    link = f"http://extranet.invalid/reinitialisation/{time.time_ns()}"
    mail = render("reinitialisation", to, civilite="Madame", nom="Durand", link=link, ttl_minutes=60)
    message = build_message(mail, spam=spam)
    if sent_at is not None:
        message.replace_header("X-Extranet-Sent-At", f"{sent_at:.6f}")
    with smtplib.SMTP(stack.postfix.smtp_host, stack.postfix.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
    return link


def address(tag: str) -> str:
    return f"aparts+{tag}{time.time_ns()}@{DOMAIN}"


def test_normal_mail_in_inbox_spammy_mail_in_junk(stack: MailStack) -> None:
    source = ImapSource(stack.settings())
    assert source.check() == "Junk"  # found by its \Junk special-use flag
    found = {}
    for spam in (False, True):
        to = address("placement")
        with source.expect(MailQuery(to, SUBJECT_WORD), timeout=60) as waiter:
            link = send(stack, to, spam=spam)
        mail = waiter.value
        assert mail.link("/reinitialisation/") == link
        assert mail.delivery_seconds is not None and mail.notice_seconds >= 0
        found[spam] = (mail.placement, mail.header("X-Spam-Flag"))
    assert found == {False: (Placement.INBOX, "NO"), True: (Placement.JUNK, "YES")}, found


def test_a_mail_arriving_during_the_wait_wakes_it_through_idle(stack: MailStack) -> None:
    source = ImapSource(stack.settings())
    to = address("idle")
    with source.expect(MailQuery(to, SUBJECT_WORD), timeout=60) as waiter:
        # Sent once the wait is surely idling: the first search after the block finds nothing.
        threading.Timer(1.0, send, args=(stack, to)).start()
    mail = waiter.value
    assert waiter.woke_by == "idle", waiter.woke_by
    assert mail.placement is Placement.INBOX


def test_without_idle_or_special_use_it_polls_and_finds_junk_by_name(stack: MailStack) -> None:
    """An old server: no IDLE (no event to wait on: ask again), no \\Junk flag (the folder's usual name)."""
    settings = stack.settings(user=BARE_USER)
    source = ImapSource(settings)
    assert source.check() == "Junk"
    found = {}
    for spam in (False, True):
        to = settings.recipient(f"bare{int(spam)}{time.time_ns()}")
        assert to is not None  # the settings name a mailbox address
        with source.expect(MailQuery(to, SUBJECT_WORD), timeout=60) as waiter:
            threading.Timer(1.0, send, args=(stack, to), kwargs={"spam": spam}).start()
        found[spam] = (waiter.value.placement, waiter.woke_by)
    assert found == {False: (Placement.INBOX, "poll"), True: (Placement.JUNK, "poll")}, found


def test_earlier_mail_of_a_single_address_mailbox_is_not_taken(stack: MailStack) -> None:
    """The same address for every run: what was there before, or was sent before the wait, is older."""
    settings = stack.settings(plus_addressing=False, clock_skew_seconds=30, delete_read_mail=False)
    source = ImapSource(settings)
    to = settings.address
    assert to is not None
    with source.expect(MailQuery(to, SUBJECT_WORD), timeout=60) as earlier:
        first = send(stack, to)
    assert earlier.value.link("/reinitialisation/") == first  # kept in the mailbox: must not be taken again
    with pytest.raises(MailNotReceived):
        with source.expect(MailQuery(to, SUBJECT_WORD), timeout=8):
            send(stack, to, sent_at=time.time() - 600)  # sent ten minutes ago, delivered now: an older run's
    with source.expect(MailQuery(to, SUBJECT_WORD), timeout=60) as fresh:
        link = send(stack, to)
    assert fresh.value.link("/reinitialisation/") == link


def test_mail_that_never_comes_is_mail_not_received(stack: MailStack) -> None:
    source = ImapSource(stack.settings())
    with pytest.raises(MailNotReceived) as caught:
        with source.expect(MailQuery(address("never"), SUBJECT_WORD), timeout=2):
            pass
    assert classify(caught.value).outcome is Outcome.MAIL_NOT_RECEIVED


def _probe_error(source: ImapSource) -> ImapError:
    with pytest.raises(ImapError) as caught:
        source.check()
    error = caught.value
    assert classify(error).outcome is Outcome.PROBE_ERROR
    assert "\n" not in str(error)
    return error


def test_login_refused_names_the_setting_not_the_secret(stack: MailStack) -> None:
    error = _probe_error(ImapSource(stack.settings(password="not-the-password-42")))
    assert error.failure_class == "imap_login_refused"
    assert "imap.password" in str(error) and "not-the-password-42" not in str(error)
    assert stack.password not in str(error)


def test_xoauth2_login_with_a_token(stack: MailStack) -> None:
    assert ImapSource(stack.settings(password=None, oauth2_token=stack.oauth2_token)).check() == "Junk"
    error = _probe_error(ImapSource(stack.settings(password=None, oauth2_token="expired-token")))
    assert error.failure_class == "imap_login_refused" and "imap.oauth2_token" in str(error)
    assert "expired-token" not in str(error)


def test_tls_failure_names_the_ca_setting(stack: MailStack) -> None:
    error = _probe_error(ImapSource(stack.settings(ca_file=None)))  # the self-signed certificate is not trusted
    assert error.failure_class == "imap_tls_failed" and "imap.ca_file" in str(error)


def test_starttls_on_the_plain_port(stack: MailStack) -> None:
    assert ImapSource(stack.settings(tls="starttls", port=stack.dovecot.imap_port)).check() == "Junk"


def test_junk_folder_not_found_names_the_setting(stack: MailStack) -> None:
    error = _probe_error(ImapSource(stack.settings(junk_folder="Indésirables")))
    assert error.failure_class == "imap_junk_not_found" and "imap.junk_folder" in str(error)


def test_full_mailbox_is_a_probe_error(stack: MailStack) -> None:
    settings = stack.settings(user=FULL_USER, delete_read_mail=False)
    address = settings.address
    assert address is not None
    with ImapSource(settings).expect(MailQuery(address, SUBJECT_WORD), timeout=60) as waiter:
        send(stack, address)  # one mail (2 KiB and more) uses up the 1 KiB quota
    assert waiter.value.placement is Placement.INBOX
    error = _probe_error(ImapSource(settings))
    assert error.failure_class == "imap_mailbox_full" and "imap.user" in str(error)


def test_an_error_of_the_action_is_not_blamed_on_the_mailbox(stack: MailStack) -> None:
    """The ``with`` body is the journey's action: its errors (an OSError too) pass through untouched."""
    with pytest.raises(ConnectionResetError):
        with ImapSource(stack.settings()).expect(MailQuery(address("action"), SUBJECT_WORD), timeout=5):
            raise ConnectionResetError("the site hung up")
