"""A real mailbox for the IMAP tests: spamd, Dovecot (IMAPS, LMTP, Sieve) and Postfix in front.

Mail reaches the mailbox the way it reaches a real one: SMTP to Postfix, LMTP to Dovecot,
SpamAssassin's verdict read by the server's Sieve rule. The tests only ever read over IMAP.

``authenticated=True`` adds the authenticated mail path: a private DNS (dnsmasq) publishing the
extranet's DKIM key, SPF and DMARC records, and Postfix's content filter, the lab gateway that
verifies SPF/DKIM/DMARC and writes Authentication-Results (``support.mail_gateway``); Dovecot's Sieve
files DMARC-quarantined mail into Junk. Start the extranet with ``--dkim-key stack.dkim_key``.
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

from extranet.mailer import ENVELOPE_FROM, SENDER, SENDING_SERVICE_DOMAIN
from fixtures.mail.imap import ImapSettings
from fixtures.services.ports import free_port
from fixtures.services.spamd import start_spamd
from support.dovecot import DovecotService, MailboxUser, start_dovecot
from support.lab_dns import DnsService, dkim_record, new_dkim_key, start_lab_dns
from support.mail_gateway import GatewayService, start_mail_gateway
from support.postfix import PostfixService, start_postfix_relay
from support.service_helpers import start_or_skip  # tests/ is on sys.path (pytest's rootdir-relative import)

DOMAIN = "sentinel.invalid"
FULL_USER = "plein"  # a mailbox whose quota is used up by one mail
BARE_USER = "ancien"  # a server offering plain IMAP4rev1: no IDLE, no \Junk flag
GATEWAY_ID = f"mx-auth.{DOMAIN}"  # the receiving gateway's authserv-id (RFC 8601)
DKIM_SELECTOR = "sentinel"
#: The lab's DMARC policy for the extranet's domain: quarantine what fails; SPF must align strictly
#: (the Return-Path is on retours.…), so DKIM carries the alignment, as with most mail platforms.
DMARC_RECORD = "v=DMARC1; p=quarantine; aspf=s; adkim=r"
SPF_RECORD = "v=spf1 ip4:127.0.0.1 -all"  # the extranet sends from 127.0.0.1 (never 127.0.0.2)


def lab_records(dkim_pem: bytes) -> dict[str, str]:
    """The DNS the lab publishes: DKIM keys, SPF and DMARC of the extranet and of the sending service
    the ``dmarc_misaligned`` fault uses (its own SPF and DKIM, not the From domain's)."""
    key = dkim_record(dkim_pem)
    envelope_domain = ENVELOPE_FROM.rpartition("@")[2]
    return {f"{DKIM_SELECTOR}._domainkey.{SENDER.domain}": key, SENDER.domain: SPF_RECORD,
            envelope_domain: SPF_RECORD, f"_dmarc.{SENDER.domain}": DMARC_RECORD,
            f"{DKIM_SELECTOR}._domainkey.{SENDING_SERVICE_DOMAIN}": key, SENDING_SERVICE_DOMAIN: SPF_RECORD}


@dataclass
class MailStack:
    dovecot: DovecotService
    postfix: PostfixService
    password: str
    oauth2_token: str  # vouched for by the stand-in provider's tokeninfo endpoint, for user "aparts"
    dns: DnsService | None = None  # authenticated=True: the lab's DNS, gateway and DKIM key
    gateway: GatewayService | None = None
    dkim_key: Path | None = None

    def settings(self, user: str = "aparts", **overrides: object) -> ImapSettings:
        values: dict[str, object] = dict(host=self.dovecot.host, port=self.dovecot.imaps_port, user=user,
                                         ca_file=str(self.dovecot.ca_file), password=self.password,
                                         address=f"{user}@{DOMAIN}", plus_addressing=True, timeout_seconds=10.0)
        values.update(overrides)
        return ImapSettings(**values)  # type: ignore[arg-type]


def imap_target_file(folder: Path, stack: MailStack, base_url: str, *, operator_key: str | None = None,
                     plus_addressing: bool = True, extra: str = "") -> Path:
    """A target config naming the stack's mailbox (the IMAP password only in a 0600 credentials file):
    the reference with its operator key, or a black box (``operator_key=None``: writes allowed)."""
    credentials = folder / "credentials.toml"
    if not credentials.exists():  # a black box's file also holds its test accounts: never overwritten
        credentials.write_text(f'[imap]\npassword = "{stack.password}"\n')
        credentials.chmod(0o600)
    head = f'reference = true\noperator_key = "{operator_key}"\n' if operator_key else "allow_writes = true\n"
    target = folder / "target.toml"
    target.write_text(f"""[target]
base_url = "{base_url}"
{head}{extra}mail_timeout_seconds = 60
credentials_file = "{credentials}"

[target.imap]
host = "{stack.dovecot.host}"
port = {stack.dovecot.imaps_port}
tls = "implicit"
ca_file = "{stack.dovecot.ca_file}"
user = "aparts"
address = "aparts@{DOMAIN}"
plus_addressing = {"true" if plus_addressing else "false"}
""")
    return target


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
def mail_stack(workdir: Path, *, authenticated: bool = False) -> Iterator[MailStack]:
    password, token = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
    with contextlib.ExitStack() as services:
        tokeninfo_url = services.enter_context(token_provider(token, "aparts"))
        spamd = start_or_skip(lambda: start_spamd(workdir / "spamd"), "spamd_missing")
        services.callback(spamd.stop)
        users = [MailboxUser("aparts", password), MailboxUser(FULL_USER, password, quota_kib=1),
                 MailboxUser(BARE_USER, password, bare_imap4=True)]
        dovecot = start_or_skip(lambda: start_dovecot(users, spamd=spamd.address, oauth2_tokeninfo_url=tokeninfo_url,
                                                      quarantine_authserv_id=GATEWAY_ID if authenticated else None),
                                "dovecot_missing")
        services.callback(dovecot.stop)
        dns = gateway = key_file = None
        filter_at: tuple[str, int] | None = None
        reinject_port: int | None = None
        if authenticated:
            key_file = workdir / "dkim.pem"
            dns = start_or_skip(lambda: start_lab_dns(lab_records(new_dkim_key(key_file)), workdir=workdir / "dns"),
                                "dnsmasq_missing")
            services.callback(dns.stop)
            reinject_port = free_port()
            gateway = start_mail_gateway(forward=("127.0.0.1", reinject_port), dns=f"{dns.host}:{dns.port}",
                                         authserv_id=GATEWAY_ID, workdir=workdir / "gateway")
            services.callback(gateway.stop)
            filter_at = ("127.0.0.1", gateway.port)
        postfix = start_or_skip(lambda: start_postfix_relay(domain=DOMAIN, lmtp_host=dovecot.host,
                                                            lmtp_port=dovecot.lmtp_port, content_filter=filter_at,
                                                            reinject_port=reinject_port), "postfix_missing")
        services.callback(postfix.stop)
        yield MailStack(dovecot, postfix, password, token, dns, gateway, key_file)
