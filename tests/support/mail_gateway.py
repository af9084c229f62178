"""The lab's receiving gateway: verifies SPF, DKIM and DMARC and writes ``Authentication-Results``.

Where it sits: Postfix's after-queue content filter (Postfix's FILTER_README design, as amavisd
runs): Postfix receives the mail (its smtpd writes the first ``Received``), hands it to this
gateway over SMTP, and takes it back on a second smtpd that delivers to Dovecot by LMTP. Every
mail that reaches Postfix goes through here, whoever sent it — the extranet or a test injecting
its own mail straight into the relay.

Why a small Python gateway and not the OpenDKIM/OpenDMARC milters (both in Debian): the lab's DNS
is a private dnsmasq on a free loopback port, and OpenDMARC cannot be pointed at it. Debian's
libopendmarc (1.4.2) looks DMARC records up with libresolv (``res_ninit``: ``/etc/resolv.conf``,
port 53 only) and checks SPF with libspf2 on the same system resolver; using it would mean a lab DNS
on port 53 and rewriting the machine's ``resolv.conf`` for every process of a shared machine.
(OpenDKIM alone could be: Debian links it with libunbound, and ``ResolverConfiguration`` names an
unbound file whose ``forward-addr`` takes ``127.0.0.1@PORT``; DKIM in a milter and DMARC here would
be two gateways for one verdict.) Here dkimpy, pyspf and the DMARC lookup all go through dnspython's
default resolver, pointed at that server: the libraries real gateways build on (dkimpy is
dkimpy-milter's core); ``authres`` writes the header (RFC 8601). DMARC evaluation itself (RFC 7489
§6.6: record, alignment, disposition) is written here in a few lines: ``authheaders`` evaluates it
with a chosen DNS function, but reports a DKIM failure without its reason (« body hash mismatch »,
what a mail administrator reads first) and no disposition.

What a gateway does that this does too: it removes ``Authentication-Results`` that claim its own
authserv-id (RFC 8601 §5: forged verdicts), rejects on ``p=reject`` (550), marks ``p=quarantine``
with ``dis=quarantine`` for the mailbox's Sieve rule to file into Junk, and may hold mail: the
lab's "relay that holds mail for N seconds" (``GatewayService.hold``) accepts at once and hands
the mail back N seconds later, so the Received chain shows where it waited.

Run as its own process (``python -m support.mail_gateway``), started and stopped by the tests like
Dovecot and Postfix.
"""
from __future__ import annotations

import argparse
import logging
import re
import signal
import smtplib
import sys
import threading
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any, Callable

from fixtures.services.ports import free_port
from fixtures.services.processes import ManagedProcess, spawn, start_with_retries

log = logging.getLogger("gateway")
HOLD_FILE = "hold_seconds"  # in the control folder: seconds to hold the next mails (the lab's slow relay)
#: Postfix's ``Received: from HELO (NAME [IP])``: the client's address is the one inside the parentheses
#: (HELO may itself be an address literal, and lie).
_POSTFIX_CLIENT = re.compile(r"from\s+(\S+)\s+\([^()]*\[(\d{1,3}(?:\.\d{1,3}){3})\]\)")


@dataclass(frozen=True)
class Verdicts:
    spf: str
    spf_comment: str
    mail_from_domain: str
    helo: str
    dkim: str
    dkim_reason: str | None
    dkim_domain: str | None
    dkim_selector: str | None
    dmarc: str
    policy: str | None  # p= (or sp=) of the From domain's record
    disposition: str  # none | quarantine | reject: what this gateway applies
    from_domain: str


def organizational_domain(domain: str) -> str:
    """The last two labels: the lab's domains (``*.invalid``) have no public suffix longer than one label."""
    return ".".join(domain.lower().strip(".").split(".")[-2:])


def _aligned(domain: str | None, from_domain: str, mode: str) -> bool:
    if not domain:
        return False
    if mode == "s":
        return domain.lower() == from_domain.lower()
    return organizational_domain(domain) == organizational_domain(from_domain)


def _txt(name: str) -> str | None:
    import dns.exception
    import dns.resolver
    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=3.0)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    except dns.exception.DNSException:
        raise
    return "".join(b"".join(r.strings).decode() for r in answer)


def dmarc_record(from_domain: str) -> tuple[dict[str, str], bool] | None:
    """(tags, found at the organizational domain) of the From domain's DMARC record (RFC 7489 §6.6.3)."""
    for name, at_org in ((from_domain, False), (organizational_domain(from_domain), True)):
        if at_org and name == from_domain:
            break
        text = _txt(f"_dmarc.{name}")
        if text and text.startswith("v=DMARC1"):
            tags = dict(part.strip().split("=", 1) for part in text.split(";") if "=" in part)
            return {k.strip().lower(): v.strip().lower() for k, v in tags.items()}, at_org
    return None


def client_of(raw: bytes) -> tuple[str, str]:
    """(client IP, HELO) from the topmost Received: our own Postfix wrote it, so it is trusted."""
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    received = " ".join(str(headers.get("Received", "")).split())
    client = _POSTFIX_CLIENT.match(received)
    if client is None:
        raise ValueError(f"no client address in the topmost Received header: {received[:120]!r}")
    return client.group(2), client.group(1)


def verify(raw: bytes, mail_from: str) -> Verdicts:
    """SPF of the envelope sender from the client's IP, every DKIM signature, then DMARC."""
    import dkim
    import spf

    ip, helo = client_of(raw)
    sender = mail_from or f"postmaster@{helo}"
    mail_from_domain = sender.rpartition("@")[2].lower()
    spf_result, _ = spf.check2(i=ip, s=sender, h=helo)
    spf_comment = (f"{ip} allowed by {mail_from_domain}" if spf_result == "pass" else
                   f"{ip} not allowed by {mail_from_domain}" if spf_result in ("fail", "softfail") else
                   f"{mail_from_domain}: {spf_result}")

    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    from_domain = parseaddr(str(headers.get("From", "")))[1].rpartition("@")[2].lower()
    signatures = len(headers.get_all("DKIM-Signature") or [])
    dkim_result, dkim_reason, dkim_domain, dkim_selector = "none", None, None, None
    passing_domains = []
    for idx in range(signatures):
        checker = dkim.DKIM(raw, logger=logging.getLogger("gateway.dkim"))
        try:
            ok = checker.verify(idx=idx)
            reason = None if ok else "signature did not verify"
        except dkim.ValidationError as exc:
            ok, reason = False, str(exc).split(" (got", 1)[0]  # "body hash mismatch (got …, expected …)"
        except dkim.DKIMException as exc:
            ok, reason = False, str(exc).split(" (", 1)[0]
        domain = checker.domain.decode() if getattr(checker, "domain", None) else None
        selector = checker.selector.decode() if getattr(checker, "selector", None) else None
        if ok:
            passing_domains.append(domain)
            dkim_result, dkim_reason, dkim_domain, dkim_selector = "pass", None, domain, selector
        elif dkim_result != "pass":
            dkim_result, dkim_reason, dkim_domain, dkim_selector = "fail", reason, domain, selector

    record = dmarc_record(from_domain) if from_domain else None
    if record is None:
        return Verdicts(spf_result, spf_comment, mail_from_domain, helo, dkim_result, dkim_reason, dkim_domain,
                        dkim_selector, "none", None, "none", from_domain)
    tags, at_org = record
    policy = tags.get("sp", tags.get("p", "none")) if at_org else tags.get("p", "none")
    spf_ok = spf_result == "pass" and _aligned(mail_from_domain, from_domain, tags.get("aspf", "r"))
    dkim_ok = any(_aligned(d, from_domain, tags.get("adkim", "r")) for d in passing_domains)
    dmarc = "pass" if spf_ok or dkim_ok else "fail"
    disposition = "none" if dmarc == "pass" else policy
    return Verdicts(spf_result, spf_comment, mail_from_domain, helo, dkim_result, dkim_reason, dkim_domain,
                    dkim_selector, dmarc, policy, disposition, from_domain)


def authentication_results(authserv_id: str, v: Verdicts) -> str:
    """The RFC 8601 header line (without CRLF), written with ``authres``."""
    import authres
    import authres.dmarc

    dkim_kwargs: dict[str, Any] = {"header_d": v.dkim_domain, "header_s": v.dkim_selector}
    results = [
        authres.SPFAuthenticationResult(result=v.spf, result_comment=v.spf_comment, smtp_mailfrom=v.mail_from_domain,
                                        smtp_helo=v.helo),
        authres.DKIMAuthenticationResult(result=v.dkim, reason=v.dkim_reason,
                                         **{k: val for k, val in dkim_kwargs.items() if val}),
        authres.dmarc.DMARCAuthenticationResult(
            result=v.dmarc, result_comment=f"p={v.policy} dis={v.disposition}" if v.policy else None,
            header_from=v.from_domain or None),
    ]
    return str(authres.AuthenticationResultsHeader(authserv_id=authserv_id, results=results))


def _without_own_results(raw: bytes, authserv_id: str) -> bytes:
    """``raw`` without Authentication-Results headers (and their folded lines) claiming ``authserv_id``."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    fields: list[list[bytes]] = []  # each header field with its folded lines
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)
        else:
            fields.append([line])
    kept: list[bytes] = []
    for field in fields:
        name, _, value = b"".join(field).partition(b":")
        claims = value.strip().lower().split(b";")[0].strip() == authserv_id.encode().lower()
        if not (name.strip().lower() == b"authentication-results" and claims):
            kept += field
    return b"".join(kept) + sep + body


class Gateway:
    """aiosmtpd handler: verify, stamp, then hand the mail back to Postfix (now or after the hold)."""

    def __init__(self, authserv_id: str, forward: tuple[str, int], control: Path) -> None:
        self.authserv_id, self.forward, self.control = authserv_id, forward, control

    def hold_seconds(self) -> float:
        try:
            return float((self.control / HOLD_FILE).read_text().strip() or 0)
        except (OSError, ValueError):
            return 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        raw: bytes = envelope.original_content or envelope.content
        try:
            verdicts = verify(raw, envelope.mail_from or "")
        except Exception as exc:  # noqa: BLE001 - a DNS failure is a temporary error, as a gateway says it
            log.exception("verification failed")
            return f"451 4.7.5 authentication checks failed: {type(exc).__name__}"
        log.info("mail from=%s spf=%s dkim=%s (%s) dmarc=%s dis=%s", verdicts.mail_from_domain, verdicts.spf,
                 verdicts.dkim, verdicts.dkim_reason, verdicts.dmarc, verdicts.disposition)
        if verdicts.disposition == "reject":
            return f"550 5.7.1 rejected by the DMARC policy of {verdicts.from_domain}"
        stamp = (f"Received: from {session.host_name or 'unknown'} ([{session.peer[0]}])\r\n"
                 f"\tby {self.authserv_id} (aparts-sentinel lab gateway) with ESMTP; {formatdate(usegmt=True)}\r\n")
        data = (authentication_results(self.authserv_id, verdicts) + "\r\n" + stamp).encode() \
            + _without_own_results(raw, self.authserv_id)
        hold = self.hold_seconds()
        timer = threading.Timer(hold, self._hand_back, args=(envelope.mail_from, list(envelope.rcpt_tos), data))
        timer.start()
        return "250 2.0.0 Ok: checked" + (f", held {hold:.0f} s" if hold else "")

    def _hand_back(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
        for attempt in range(5):
            try:
                with smtplib.SMTP(*self.forward, timeout=30) as smtp:
                    smtp.sendmail(mail_from or "<>", rcpt_tos, data)
                return
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("hand back to %s:%s failed (%s), retry %d", *self.forward, exc, attempt + 1)
                time.sleep(1.0)
        log.error("mail lost: Postfix's reinjection port never took it")


@dataclass
class GatewayService:
    process: ManagedProcess
    port: int
    control: Path
    authserv_id: str

    def hold(self, seconds: float) -> None:
        """Hold every next mail this long before handing it back (0: at once): the lab's slow relay."""
        (self.control / HOLD_FILE).write_text(f"{seconds}\n")

    def stop(self) -> None:
        self.process.stop()


def start_mail_gateway(*, forward: tuple[str, int], dns: str, authserv_id: str, workdir: Path,
                       attempts: int = 3) -> GatewayService:
    """The gateway on a free loopback port, handing mail back to ``forward`` (Postfix's reinjection smtpd)."""
    workdir.mkdir(parents=True, exist_ok=True)
    tests_dir = Path(__file__).resolve().parents[1]

    def launch() -> tuple[ManagedProcess, Callable[[], bool], GatewayService]:
        port = free_port()
        argv = [sys.executable, "-m", "support.mail_gateway", "--listen", str(port), "--forward",
                f"{forward[0]}:{forward[1]}", "--dns", dns, "--authserv-id", authserv_id, "--control", str(workdir)]
        proc = spawn("mail-gateway", argv, workdir / f"gateway-{port}.log", env={"PYTHONPATH": str(tests_dir)})
        return proc, lambda: _smtp_ready(port), GatewayService(proc, port, workdir, authserv_id)

    return start_with_retries(launch, "SMTP", attempts=attempts)


def _smtp_ready(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2.0) as smtp:
            return smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support.mail_gateway")
    parser.add_argument("--listen", type=int, required=True, help="loopback port Postfix's content filter sends to")
    parser.add_argument("--forward", required=True, help="HOST:PORT of Postfix's reinjection smtpd")
    parser.add_argument("--dns", required=True, help="HOST:PORT of the lab's DNS server")
    parser.add_argument("--authserv-id", required=True)
    parser.add_argument("--control", required=True, help="folder holding the hold_seconds file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)

    import dns.resolver
    from aiosmtpd.controller import Controller

    resolver = dns.resolver.Resolver(configure=False)
    host, _, port = args.dns.rpartition(":")
    resolver.nameservers, resolver.port = [host], int(port)
    dns.resolver.default_resolver = resolver  # dkimpy, pyspf and the DMARC lookup all ask it
    fhost, _, fport = args.forward.rpartition(":")
    controller = Controller(Gateway(args.authserv_id, (fhost, int(fport)), Path(args.control)),
                            hostname="127.0.0.1", port=args.listen, decode_data=False)
    controller.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("listening on 127.0.0.1:%d, handing back to %s", args.listen, args.forward)
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

