"""A real mailbox for the IMAP tests: spamd, Dovecot (IMAPS, LMTP, Sieve) and Postfix in front.

Mail reaches the mailbox the way it reaches a real one: SMTP to Postfix, LMTP to Dovecot,
SpamAssassin's verdict read by the server's Sieve rule. The tests only ever read over IMAP.
"""
from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from fixtures.dovecot import DovecotService, MailboxUser, start_dovecot
from fixtures.imap import ImapSettings
from fixtures.postfix import PostfixService, start_postfix_relay
from fixtures.spamd import start_spamd

try:
    from service_helpers import start_or_skip
except ImportError:  # pragma: no cover
    from tests.service_helpers import start_or_skip

DOMAIN = "sentinel.invalid"
FULL_USER = "plein"  # a mailbox whose quota is used up by one mail
BARE_USER = "ancien"  # a server offering plain IMAP4rev1: no IDLE, no \Junk flag


@dataclass
class MailStack:
    dovecot: DovecotService
    postfix: PostfixService
    password: str

    def settings(self, user: str = "aparts", **overrides: object) -> ImapSettings:
        values: dict[str, object] = dict(host=self.dovecot.host, port=self.dovecot.imaps_port, user=user,
                                         ca_file=str(self.dovecot.ca_file), password=self.password,
                                         address=f"{user}@{DOMAIN}", plus_addressing=True, timeout_seconds=10.0)
        values.update(overrides)
        return ImapSettings(**values)  # type: ignore[arg-type]


@contextlib.contextmanager
def mail_stack(workdir: Path) -> Iterator[MailStack]:
    password = secrets.token_urlsafe(12)
    spamd = start_or_skip(lambda: start_spamd(workdir / "spamd"), "spamd_missing")
    try:
        users = [MailboxUser("aparts", password), MailboxUser(FULL_USER, password, quota_kib=1),
                 MailboxUser(BARE_USER, password, bare_imap4=True)]
        dovecot = start_or_skip(lambda: start_dovecot(users, spamd=spamd.address), "dovecot_missing")
        try:
            postfix = start_or_skip(lambda: start_postfix_relay(domain=DOMAIN, lmtp_host=dovecot.host,
                                                                lmtp_port=dovecot.lmtp_port), "postfix_missing")
            try:
                yield MailStack(dovecot, postfix, password)
            finally:
                postfix.stop()
        finally:
            dovecot.stop()
    finally:
        spamd.stop()
