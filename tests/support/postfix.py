"""A private Postfix on loopback: the MX between the extranet's SMTP and Dovecot's LMTP.

Why Postfix: the extranet speaks SMTP and Dovecot takes LMTP; on a real portal a mail
transfer agent sits between them, queues, retries and hands over by LMTP. Postfix (Debian's
``postfix``) is that agent for a large share of real mailboxes, and ``relay_transport =
lmtp:…`` is its ordinary way to deliver to Dovecot: the suite never writes into the mailbox.

Run as a private instance from its own configuration folder (``master -c DIR -d``: in the
foreground, so it is a managed child that dies with us; ``postfix start-fg`` would detach
the master into its own session). ``postfix -c DIR check`` first creates the queue folders
with Postfix's own owners. Needs root, as any Postfix master does.
"""
from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from fixtures.core.outcomes import ServiceStartError
from fixtures.services.lifeline import guarded
from fixtures.services.ports import free_port
from fixtures.services.processes import ManagedProcess, spawn, start_with_retries
from support.dovecot import reachable_tempdir

POSTFIX_INSTALL_HINT = "install Postfix: `apt-get install postfix` (or `make setup`); it need not run as a system service"
MASTER = "/usr/lib/postfix/sbin/master"

_MASTER_CF = """# service type private unpriv chroot wakeup maxproc command
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


#: After-queue content filter (Postfix's FILTER_README): the transport to the filter, and the second
#: smtpd that takes mail back from it without filtering again.
_FILTER_MASTER_CF = """authcheck unix - - n - 4 smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
127.0.0.1:{reinject_port} inet n - n - - smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters,no_address_mappings
  -o mynetworks=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
"""


def _main_cf(folder: Path, *, domain: str, lmtp: str) -> str:
    return f"""# Written by tests/support/postfix.py for one test run.
compatibility_level = 3.6
queue_directory = {folder}/queue
data_directory = {folder}/data
maillog_file_prefixes = {folder}
maillog_file = {folder}/postfix.log
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mx.{domain}
mydomain = {domain}
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = {domain}
relay_transport = lmtp:inet:{lmtp}
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
biff = no
"""


@dataclass
class PostfixService:
    process: ManagedProcess
    folder: Path
    smtp_host: str
    smtp_port: int

    def stop(self) -> None:
        self.process.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def find_postfix() -> str:
    postfix = shutil.which("postfix") or "/usr/sbin/postfix"
    if os.access(postfix, os.X_OK) and os.access(MASTER, os.X_OK):
        return postfix
    raise ServiceStartError(f"Postfix not found; {POSTFIX_INSTALL_HINT}", failure_class="postfix_missing")


def start_postfix_relay(*, domain: str, lmtp_host: str, lmtp_port: int, attempts: int = 3,
                        content_filter: tuple[str, int] | None = None, reinject_port: int | None = None
                        ) -> PostfixService:
    """Postfix accepting mail for ``domain`` on a free loopback port and delivering it by LMTP.

    ``content_filter`` (host, port): every mail goes through that SMTP filter after the queue and
    comes back on ``reinject_port`` (the lab's authenticating gateway, ``support.mail_gateway``).
    """
    if content_filter is not None and reinject_port is None:
        raise ValueError("a content filter needs the port it hands mail back to (reinject_port)")
    postfix = find_postfix()
    if os.geteuid() != 0:
        raise ServiceStartError("the Postfix fixture needs root (its master switches to the postfix user)",
                                failure_class="postfix_missing")
    folder = reachable_tempdir("sentinel-postfix-")
    (folder / "conf").mkdir()
    (folder / "queue").mkdir()
    (folder / "data").mkdir()
    shutil.chown(folder / "data", "postfix")
    main_cf = _main_cf(folder, domain=domain, lmtp=f"{lmtp_host}:{lmtp_port}")
    master_cf = _MASTER_CF
    if content_filter is not None:
        main_cf += f"content_filter = authcheck:[{content_filter[0]}]:{content_filter[1]}\n"
        master_cf += _FILTER_MASTER_CF.replace("{reinject_port}", str(reinject_port))
    (folder / "conf" / "main.cf").write_text(main_cf)
    (folder / "conf" / "master.cf").write_text(master_cf.format(port=free_port()))  # its port is set at launch
    checked = subprocess.run([postfix, "-c", str(folder / "conf"), "check"], capture_output=True, text=True)
    if checked.returncode != 0:  # postfix logs to its log file, not to stderr
        log = (folder / "postfix.log").read_text(errors="replace") if (folder / "postfix.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise ServiceStartError(f"postfix check failed: {checked.stderr.strip()} {log.strip()[-500:]}")

    def launch() -> tuple[ManagedProcess, Callable[[], bool], PostfixService]:
        port = free_port()
        (folder / "conf" / "master.cf").write_text(master_cf.format(port=port))
        proc = spawn("postfix", guarded([MASTER, "-c", str(folder / "conf"), "-d"]), folder / f"master-{port}.out")
        return proc, lambda: _smtp_banner("127.0.0.1", port), PostfixService(proc, folder, "127.0.0.1", port)

    try:
        return start_with_retries(launch, "SMTP", attempts=attempts)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _smtp_banner(host: str, port: int) -> bool:
    try:
        with smtplib.SMTP(host, port, timeout=2.0) as smtp:
            return smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False
