"""A private DNS server on loopback that publishes the lab's mail records: DKIM keys, SPF, DMARC.

Why dnsmasq: one process, no zone files, ``--txt-record`` per record, ``--no-resolv`` so it never
asks the outside (loopback only here), ``--local=/invalid/`` so it answers NXDOMAIN for every other
name of the lab's ``.invalid`` domains at once, as an authoritative server would (a receiver then
reads "no DMARC record" instead of timing out). Debian's ``dnsmasq-base`` is the binary without
the system service. Run in the foreground (``-k``) as a managed child that dies with us.
"""
from __future__ import annotations

import base64
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

from fixtures.core.outcomes import ServiceStartError
from fixtures.services.ports import free_port
from fixtures.services.processes import ManagedProcess, spawn, start_with_retries

DNSMASQ_INSTALL_HINT = "install dnsmasq: `apt-get install dnsmasq-base` (or `make setup`)"
_CHUNK = 255  # a TXT character-string holds at most 255 bytes; longer records are split (RFC 7208 §3.3)


@dataclass
class DnsService:
    process: ManagedProcess
    host: str
    port: int

    def stop(self) -> None:
        self.process.stop()

    def txt(self, name: str) -> str | None:
        """The TXT record of ``name`` as one string (its character-strings joined), None if absent."""
        return _query_txt(self.host, self.port, name)


def new_dkim_key(path: Path) -> bytes:
    """A fresh 2048-bit RSA key for DKIM at ``path`` (PEM, 0600), as ``openssl genrsa`` makes it."""
    subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True)
    path.chmod(0o600)
    return path.read_bytes()


def dkim_record(private_pem: bytes) -> str:
    """The ``v=DKIM1`` TXT record publishing the public half of ``private_pem`` (RFC 6376 §3.6.1)."""
    public = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=private_pem, check=True,
                            capture_output=True).stdout
    return f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"


def _txt_option(name: str, text: str) -> str:
    if "," in text or '"' in text:  # on the command line dnsmasq splits strings at commas, keeps quotes as text
        raise ValueError(f"a lab TXT record cannot hold a comma or a quote: {text!r}")
    chunks = [text[i:i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
    return f"--txt-record={name}," + ",".join(chunks)


def _query_txt(host: str, port: int, name: str) -> str | None:
    query = dns.message.make_query(name, dns.rdatatype.TXT)
    try:
        answer = dns.query.udp(query, host, port=port, timeout=1.0)
    except (OSError, dns.exception.DNSException):
        return None
    for rrset in answer.answer:
        for item in rrset:
            return b"".join(item.strings).decode()
    return None


def start_lab_dns(records: Mapping[str, str], *, workdir: Path, attempts: int = 3) -> DnsService:
    """dnsmasq on a free loopback port answering ``records`` (name → TXT text) and NXDOMAIN for the rest
    of ``.invalid``."""
    binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    if not Path(binary).exists():
        raise ServiceStartError(f"dnsmasq not found; {DNSMASQ_INSTALL_HINT}", failure_class="dnsmasq_missing")
    if not records:
        raise ValueError("the lab DNS needs at least one record")
    probe = next(iter(records))

    def launch() -> tuple[ManagedProcess, Callable[[], bool], DnsService]:
        port = free_port()
        argv = [binary, "-k", "--conf-file=/dev/null", f"--port={port}", "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll", "--local=/invalid/", "--pid-file=",
                "--log-facility=-", "--log-queries",
                *(_txt_option(name, text) for name, text in records.items())]
        proc = spawn("dnsmasq", argv, workdir / f"dnsmasq-{port}.log")
        service = DnsService(proc, "127.0.0.1", port)
        return proc, lambda: service.txt(probe) is not None, service

    workdir.mkdir(parents=True, exist_ok=True)
    return start_with_retries(launch, "DNS TXT", attempts=attempts)
