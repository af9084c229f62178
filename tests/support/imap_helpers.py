"""A real mailbox for the IMAP tests: spamd, Dovecot (IMAPS, LMTP, Sieve) and Postfix in front.

Mail reaches the mailbox the way it reaches a real one: SMTP to Postfix, LMTP to Dovecot,
SpamAssassin's verdict read by the server's Sieve rule. The tests only ever read over IMAP.
"""
from __future__ import annotations

import contextlib
import json
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlparse

from fixtures.mail.imap import ImapSettings
from fixtures.services.spamd import start_spamd
from support.dovecot import DovecotService, MailboxUser, start_dovecot
from support.postfix import PostfixService, start_postfix_relay
from support.service_helpers import start_or_skip  # tests/ is on sys.path (pytest's rootdir-relative import)

DOMAIN = "sentinel.invalid"
FULL_USER = "plein"  # a mailbox whose quota is used up by one mail
BARE_USER = "ancien"  # a server offering plain IMAP4rev1: no IDLE, no \Junk flag


@dataclass
class MailStack:
    dovecot: DovecotService
    postfix: PostfixService
    password: str
    oauth2_token: str  # vouched for by the stand-in provider's tokeninfo endpoint, for user "aparts"

    def settings(self, user: str = "aparts", **overrides: object) -> ImapSettings:
        values: dict[str, object] = dict(host=self.dovecot.host, port=self.dovecot.imaps_port, user=user,
                                         ca_file=str(self.dovecot.ca_file), password=self.password,
                                         address=f"{user}@{DOMAIN}", plus_addressing=True, timeout_seconds=10.0)
        values.update(overrides)
        return ImapSettings(**values)  # type: ignore[arg-type]


@contextlib.contextmanager
def token_provider(token: str, username: str) -> Iterator[str]:
    """The provider's token-info endpoint (Google's, Microsoft's cannot run here): vouches for one token.

    Yields the ``tokeninfo_url`` Dovecot appends the token to.
    """
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            known = parse_qs(urlparse(self.path).query).get("access_token") == [token]
            body = json.dumps({"username": username, "active": True} if known else {"active": False}).encode()
            self.send_response(200 if known else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tokeninfo?access_token="
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def mail_stack(workdir: Path) -> Iterator[MailStack]:
    password, token = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
    with token_provider(token, "aparts") as tokeninfo_url, _mail_stack(workdir, password, token, tokeninfo_url) as stack:
        yield stack


@contextlib.contextmanager
def _mail_stack(workdir: Path, password: str, token: str, tokeninfo_url: str) -> Iterator[MailStack]:
    spamd = start_or_skip(lambda: start_spamd(workdir / "spamd"), "spamd_missing")
    try:
        users = [MailboxUser("aparts", password), MailboxUser(FULL_USER, password, quota_kib=1),
                 MailboxUser(BARE_USER, password, bare_imap4=True)]
        dovecot = start_or_skip(lambda: start_dovecot(users, spamd=spamd.address, oauth2_tokeninfo_url=tokeninfo_url),
                                "dovecot_missing")
        try:
            postfix = start_or_skip(lambda: start_postfix_relay(domain=DOMAIN, lmtp_host=dovecot.host,
                                                                lmtp_port=dovecot.lmtp_port), "postfix_missing")
            try:
                yield MailStack(dovecot, postfix, password, token)
            finally:
                postfix.stop()
        finally:
            dovecot.stop()
    finally:
        spamd.stop()
