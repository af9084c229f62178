"""A private Dovecot on loopback: IMAPS for the suite, LMTP for the relay, Sieve files junk.

Why Dovecot: it is the IMAP server most real mailboxes run, it is packaged by Debian
(``dovecot-imapd``, ``dovecot-lmtpd``, ``dovecot-sieve``), and it offers what the suite relies
on: IDLE, RFC 6154 special-use (``Junk`` flagged ``\\Junk``), QUOTA. Junk filing is the
server's: a global Sieve script runs every mail through SpamAssassin (``spamc`` → our spamd)
and files it into ``Junk`` when SpamAssassin says ``X-Spam-Flag: YES``, as a provider would.

Run from a config file in a temp folder (``dovecot -F -c FILE``: foreground, so it is a
managed child that dies with us). Pitfalls met: the mail user must not be root (``mail``),
``default_login_user = dovenull`` / ``default_internal_user = dovecot``, a config block needs
a newline after ``{``, and the folders must be reachable by those users (not pytest's 0700
temp folders). Needs root, as any Dovecot that switches users does.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from fixtures.core.outcomes import ServiceStartError
from fixtures.services.ports import free_port
from fixtures.services.processes import ManagedProcess, spawn, start_with_retries

DOVECOT_INSTALL_HINT = ("install Dovecot and SpamAssassin's client: `apt-get install dovecot-imapd dovecot-lmtpd "
                        "dovecot-sieve spamc` (or `make setup`)")
MAIL_USER = "mail"  # Debian's uid 8: Dovecot refuses to store mail as root


def find_dovecot() -> str:
    for candidate in (os.environ.get("DOVECOT_BIN"), shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if candidate and os.access(candidate, os.X_OK):
            if not Path("/usr/lib/dovecot/lmtp").exists() or not Path("/usr/lib/dovecot/modules/lib90_sieve_plugin.so").exists():
                break
            return candidate
    raise ServiceStartError(f"Dovecot (with LMTP and Sieve) not found; {DOVECOT_INSTALL_HINT}",
                            failure_class="dovecot_missing")


def reachable_tempdir(prefix: str) -> Path:
    """A temp folder the service's own users can enter (pytest's are 0700, root only)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throw-away certificate for ``host`` (the suite trusts it through ``imap.ca_file``)."""
    cert, key = folder / "imap-cert.pem", folder / "imap-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}"],
                   check=True, capture_output=True)
    key.chmod(0o600)
    return cert, key


@dataclass(frozen=True)
class MailboxUser:
    name: str
    password: str
    quota_kib: int | None = None  # None: no quota
    bare_imap4: bool = False  # offer plain IMAP4rev1 only: no IDLE, no SPECIAL-USE, no QUOTA (old servers)


@dataclass
class DovecotService:
    process: ManagedProcess
    folder: Path
    host: str
    imaps_port: int
    lmtp_port: int
    ca_file: Path
    imap_port: int  # plain IMAP, STARTTLS required before login (ssl = required)

    def stop(self) -> None:
        self.process.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


_JUNK_SIEVE = """require ["fileinto", "vnd.dovecot.filter"];
# The provider's spam filter: SpamAssassin's verdict, as most providers' filing rule.
filter "spamassassin";
if header :is "X-Spam-Flag" "YES" {
  fileinto "Junk";
  stop;
}
"""


def _config(folder: Path, *, imap_port: int, imaps_port: int, lmtp_port: int, cert: Path, key: Path,
            oauth2_tokeninfo_url: str | None) -> str:
    oauth2 = (f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {folder}/oauth2.conf.ext
}}
""" if oauth2_tokeninfo_url else "")
    return f"""# Written by tests/support/dovecot.py for one test run.
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
instance_name = sentinel-{imaps_port}
protocols = imap lmtp
listen = 127.0.0.1
default_login_user = dovenull
default_internal_user = dovecot
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain login{" xoauth2" if oauth2 else ""}
mail_location = maildir:~/Maildir
mail_uid = {MAIL_USER}
mail_gid = {MAIL_USER}
first_valid_uid = 1
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
mail_plugins = quota
{oauth2}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {folder}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {folder}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
namespace inbox {{
  inbox = yes
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
protocol lmtp {{
  mail_plugins = $mail_plugins sieve
}}
plugin {{
  quota = maildir:User quota
  quota_grace = 10M
  sieve_before = {folder}/sieve/junk.sieve
  sieve_plugins = sieve_extprograms
  sieve_global_extensions = +vnd.dovecot.filter
  sieve_filter_bin_dir = {folder}/sieve-bin
  sieve_filter_exec_timeout = 30s
}}
"""


def _dmarc_rule(authserv_id: str | None) -> str:
    """A gateway's DMARC quarantine, honoured as providers do: into Junk before any content filter.
    Only the gateway's own verdicts count (it removes any header claiming its authserv-id)."""
    if not authserv_id:
        return ""
    return f"""# The receiving gateway's DMARC disposition (Authentication-Results, RFC 8601): quarantine = Junk.
if header :matches "Authentication-Results" "{authserv_id};*dis=quarantine*" {{
  fileinto "Junk";
  stop;
}}
"""


def start_dovecot(users: list[MailboxUser], *, spamd: str, oauth2_tokeninfo_url: str | None = None,
                  attempts: int = 3, quarantine_authserv_id: str | None = None) -> DovecotService:
    """Dovecot on free loopback ports; ``spamd`` is ``host:port`` of the SpamAssassin that files junk.

    ``oauth2_tokeninfo_url`` (ending in ``access_token=``) also accepts XOAUTH2 logins whose token
    that endpoint vouches for (``{"username": …, "active": true}``), as a provider's would.
    ``quarantine_authserv_id``: mail whose Authentication-Results from that gateway say
    ``dis=quarantine`` (DMARC) is filed into Junk.
    """
    binary = find_dovecot()
    spamc = shutil.which("spamc")
    if spamc is None:
        raise ServiceStartError(f"spamc not found; {DOVECOT_INSTALL_HINT}", failure_class="dovecot_missing")
    if os.geteuid() != 0:
        raise ServiceStartError("the Dovecot fixture needs root (Dovecot switches to the mail, dovenull and dovecot "
                                "users)", failure_class="dovecot_missing")
    folder = reachable_tempdir("sentinel-dovecot-")
    cert, key = self_signed_certificate(folder)
    mail = pwd.getpwnam(MAIL_USER)
    lines = []
    for user in users:
        home = folder / "home" / user.name
        home.mkdir(parents=True)
        os.chown(home, mail.pw_uid, mail.pw_gid)
        extra = " ".join(([f"userdb_quota_rule=*:storage={user.quota_kib}K"] if user.quota_kib else [])
                         + (["userdb_imap_capability=IMAP4rev1"] if user.bare_imap4 else []))
        lines.append(f"{user.name}:{{PLAIN}}{user.password}:{mail.pw_uid}:{mail.pw_gid}::{home}::{extra}")
    os.chown(folder / "home", mail.pw_uid, mail.pw_gid)
    users_file = folder / "users"
    users_file.write_text("\n".join(lines) + "\n")
    users_file.chmod(0o600)
    shutil.chown(users_file, "dovecot")  # read by the auth process, which runs as default_internal_user
    (folder / "sieve").mkdir()
    (folder / "sieve-bin").mkdir()
    host, _, port = spamd.rpartition(":")
    filter_program = folder / "sieve-bin" / "spamassassin"
    # SpamAssassin's verdict as headers on the untouched message (providers' "report_safe 0"): spamd
    # itself would wrap a spam into a report with the original as an attachment.
    filter_program.write_text(f"""#!/bin/sh
message=$(mktemp) || exit 75
trap 'rm -f "$message"' EXIT
cat > "$message"
score=$({spamc} -d {host} -p {port} -c < "$message")
case $? in 1) flag=YES ;; *) flag=NO ;; esac
printf 'X-Spam-Flag: %s\\nX-Spam-Score: %s\\n' "$flag" "$score"
cat "$message"
""")
    filter_program.chmod(0o755)
    junk_sieve = _JUNK_SIEVE.replace("# The provider's spam filter", _dmarc_rule(quarantine_authserv_id)
                                     + "# The provider's spam filter", 1)
    (folder / "sieve" / "junk.sieve").write_text(junk_sieve)
    if oauth2_tokeninfo_url:
        (folder / "oauth2.conf.ext").write_text(f"tokeninfo_url = {oauth2_tokeninfo_url}\nusername_attribute = username\n"
                                                "active_attribute = active\nactive_value = true\n")

    def launch() -> tuple[ManagedProcess, Callable[[], bool], DovecotService]:
        imap_port, imaps_port, lmtp_port = free_port(), free_port(), free_port()
        config = folder / f"dovecot-{imaps_port}.conf"
        config.write_text(_config(folder, imap_port=imap_port, imaps_port=imaps_port, lmtp_port=lmtp_port,
                                  cert=cert, key=key, oauth2_tokeninfo_url=oauth2_tokeninfo_url))
        compiled = subprocess.run(["sievec", "-c", str(config), str(folder / "sieve" / "junk.sieve")],
                                  capture_output=True, text=True)
        if compiled.returncode != 0:
            raise ServiceStartError(f"the junk Sieve script does not compile: {compiled.stderr.strip()}")
        proc = spawn("dovecot", [binary, "-F", "-c", str(config)], folder / f"dovecot-{imaps_port}.out")
        service = DovecotService(proc, folder, "127.0.0.1", imaps_port, lmtp_port, cert, imap_port)
        return proc, lambda: _imaps_ok(service) and _lmtp_ok(service), service

    try:
        return start_with_retries(launch, "IMAPS and LMTP", attempts=attempts)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _imaps_ok(service: DovecotService) -> bool:
    context = ssl.create_default_context(cafile=str(service.ca_file))
    try:
        with socket.create_connection((service.host, service.imaps_port), timeout=2) as raw:
            with context.wrap_socket(raw, server_hostname=service.host) as tls:
                return tls.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _lmtp_ok(service: DovecotService) -> bool:
    try:
        with socket.create_connection((service.host, service.lmtp_port), timeout=2) as sock:
            return sock.recv(64).startswith(b"220")
    except OSError:
        return False
