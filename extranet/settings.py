"""Settings of the reference extranet, from command-line flags and EXTRANET_* variables.

Why a frozen dataclass validated in one place: a bad value must stop the server at start
with one line naming the key and what is allowed, not fail later in a request.
Precedence: command-line flag, then environment variable, then default.
"""
from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .faults import FaultProfile, FaultProfileError

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


class SettingsError(ValueError):
    """A setting has a value outside what is allowed; the message names the key."""


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to run; every field is validated on construction."""

    host: str = "127.0.0.1"
    port: int = 8080
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    database: str = "./extranet.db"
    public_url: str | None = None  # None: http://HOST:PORT + root_path
    root_path: str = ""  # "": served at the root; "/aparts": every route, link and cookie under it
    operator_key: str | None = None  # None: operator routes answer 404
    incident_text: str | None = None
    reset_rate_limit: int = 5  # recovery requests per identifier per hour; 0 = no limit
    token_ttl_minutes: int = 60
    login_lockout_attempts: int = 5  # wrong passwords that lock an identifier; 0 = never locked
    login_lockout_window_minutes: int = 15  # ... when they fall within this many minutes
    login_lockout_minutes: int = 15  # how long the lock lasts after the last of them
    log_level: str = "info"
    faults: FaultProfile = FaultProfile()  # see extranet/faults.py
    dkim_key: str | None = None  # PEM private key file: sign every mail with DKIM (None: unsigned)
    dkim_selector: str = "sentinel"
    dkim_domain: str = "activitepartielle.invalid"  # d= of the signature: From's domain, so DMARC aligns
    envelope_from: str = "ne-pas-repondre@retours.activitepartielle.invalid"  # MAIL FROM (Return-Path)
    mail_from_domain: str = "activitepartielle.invalid"  # From: ne-pas-repondre@<this>
    # A bypass the operators grant a monitor: a request carrying this header (or cookie) with this
    # value skips the cryptogram check, as a real portal's operators may configure (None: no bypass).
    captcha_bypass_header: str | None = None
    captcha_bypass_cookie: str | None = None
    captcha_bypass_value: str | None = None

    def __post_init__(self) -> None:
        _check_host("host", self.host)
        _check_port("port", self.port)
        _check_host("smtp_host", self.smtp_host)
        _check_port("smtp_port", self.smtp_port)
        _check_database(self.database)
        if self.public_url is not None:
            _check_url(self.public_url)
        _check_root_path(self.root_path)
        if self.operator_key is not None:
            _check_operator_key(self.operator_key)
        if self.incident_text is not None and not isinstance(self.incident_text, str):
            raise SettingsError(f"{_label('incident_text')}: must be text, got {self.incident_text!r}")
        _check_int("reset_rate_limit", self.reset_rate_limit, 0, 10_000)
        _check_int("token_ttl_minutes", self.token_ttl_minutes, 1, 24 * 60)
        _check_int("login_lockout_attempts", self.login_lockout_attempts, 0, 1000)
        _check_int("login_lockout_window_minutes", self.login_lockout_window_minutes, 1, 24 * 60)
        _check_int("login_lockout_minutes", self.login_lockout_minutes, 1, 24 * 60)
        if not isinstance(self.faults, FaultProfile):
            raise SettingsError(f"{_label('faults')}: must be a fault profile, got {type(self.faults).__name__}")
        if self.dkim_key is not None and not Path(self.dkim_key).expanduser().is_file():
            raise SettingsError(f"{_label('dkim_key')}: no such file {self.dkim_key!r} (a PEM private key, e.g. "
                                "`openssl genrsa -out dkim.pem 2048`)")
        _check_host("dkim_domain", self.dkim_domain)
        _check_host("mail_from_domain", self.mail_from_domain)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-_.]{0,62}", self.dkim_selector):
            raise SettingsError(f"{_label('dkim_selector')}: must be a DNS label such as sentinel, got {self.dkim_selector!r}")
        if not re.fullmatch(r"[^@\s<>]+@[A-Za-z0-9.\-]+", self.envelope_from):
            raise SettingsError(f"{_label('envelope_from')}: must be an address local@domain, got {self.envelope_from!r}")
        _check_bypass(self.captcha_bypass_header, self.captcha_bypass_cookie, self.captcha_bypass_value)
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"{_label('log_level')}: must be one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}")

    @property
    def base_url(self) -> str:
        """Base URL used in mail links, without a trailing slash (the root path included)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.root_path}"


def _label(field: str) -> str:
    return f"EXTRANET_{field.upper()} / --{field.replace('_', '-')}"


def _check_int(field: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{_label(field)}: must be an integer {low}-{high}, got {value!r}")


def _check_port(field: str, value: object) -> None:
    _check_int(field, value, 1, 65535)


def _check_host(field: str, value: object) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]+", value):
        raise SettingsError(f"{_label(field)}: must be a host name or IP address, got {value!r}")


def _check_database(value: object) -> None:
    if not isinstance(value, str) or not value or value.startswith(":memory:") or value.startswith("file:"):
        raise SettingsError(f"{_label('database')}: must be a file path (not :memory:), got {value!r}")
    parent = Path(value).expanduser().resolve().parent
    if not parent.is_dir():
        raise SettingsError(f"{_label('database')}: the directory {str(parent)!r} does not exist, got {value!r}")


def _check_url(value: object) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise SettingsError(f"{_label('public_url')}: must be an http:// or https:// URL without query, got {value!r}")


def _check_root_path(value: object) -> None:
    if not isinstance(value, str) or not (value == "" or re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value)):
        raise SettingsError(f"{_label('root_path')}: must be a path such as /aparts (letters, digits, . _ ~ -, "
                            f"segments separated by /), got {value!r}")


def _root_path(raw: str) -> str:
    """``/aparts/`` and ``/aparts`` are the same root path; ``/`` and empty mean the root."""
    return raw.strip().rstrip("/")


def _check_operator_key(value: object) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[\x21-\x7e]+", value):
        raise SettingsError(
            f"{_label('operator_key')}: must be printable ASCII without spaces (usable in a header), got a value of "
            f"{len(value) if isinstance(value, str) else type(value).__name__} characters"
        )


def _check_bypass(header: str | None, cookie: str | None, value: str | None) -> None:
    if header and cookie:
        raise SettingsError(f"{_label('captcha_bypass_header')}: give a header or a cookie, not both")
    for field, name in (("captcha_bypass_header", header), ("captcha_bypass_cookie", cookie)):
        if name is not None and not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise SettingsError(f"{_label(field)}: must be a header or cookie name such as X-Sentinel-Captcha, "
                                f"got {name!r}")
    if (header or cookie) and not value:
        raise SettingsError(f"{_label('captcha_bypass_value')}: required with a bypass header or cookie "
                            "(the secret the monitor sends)")
    if value is not None and not re.fullmatch(r"[\x21-\x7e]+", value):
        raise SettingsError(f"{_label('captcha_bypass_value')}: must be printable ASCII without spaces, got a value "
                            f"of {len(value)} characters")
    if value and not (header or cookie):
        raise SettingsError(f"{_label('captcha_bypass_value')}: give the header (--captcha-bypass-header) or the "
                            "cookie (--captcha-bypass-cookie) that carries it")


def _as_int(field: str, low: int, high: int) -> Callable[[str], int]:
    def convert(raw: str) -> int:
        try:
            return int(raw.strip(), 10)
        except ValueError:
            raise SettingsError(f"{_label(field)}: must be an integer {low}-{high}, got {raw!r}") from None
    return convert


def _fault_profile(raw: str) -> FaultProfile:
    try:
        return FaultProfile.parse(raw)
    except FaultProfileError as exc:
        raise SettingsError(f"{_label('faults')}: {exc}") from None


def _optional_text(raw: str) -> str | None:
    return raw if raw.strip() else None


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "host": str.strip,
    "port": _as_int("port", 1, 65535),
    "smtp_host": str.strip,
    "smtp_port": _as_int("smtp_port", 1, 65535),
    "database": str,
    "public_url": _optional_text,
    "root_path": _root_path,
    "operator_key": _optional_text,
    "incident_text": _optional_text,
    "reset_rate_limit": _as_int("reset_rate_limit", 0, 10_000),
    "token_ttl_minutes": _as_int("token_ttl_minutes", 1, 24 * 60),
    "login_lockout_attempts": _as_int("login_lockout_attempts", 0, 1000),
    "login_lockout_window_minutes": _as_int("login_lockout_window_minutes", 1, 24 * 60),
    "login_lockout_minutes": _as_int("login_lockout_minutes", 1, 24 * 60),
    "log_level": lambda raw: raw.strip().lower(),
    "faults": _fault_profile,
    "dkim_key": _optional_text,
    "dkim_selector": str.strip,
    "dkim_domain": str.strip,
    "envelope_from": str.strip,
    "mail_from_domain": str.strip,
    "captcha_bypass_header": _optional_text,
    "captcha_bypass_cookie": _optional_text,
    "captcha_bypass_value": _optional_text,
}

_HELP = {
    "host": "address to listen on (default 127.0.0.1)",
    "port": "TCP port to listen on (default 8080)",
    "smtp_host": "SMTP server the mails are sent to (default 127.0.0.1)",
    "smtp_port": "SMTP port (default 1025, Mailpit's)",
    "database": "SQLite database file, created if missing (default ./extranet.db)",
    "public_url": "base URL used in mail links (default http://HOST:PORT followed by the root path)",
    "root_path": "serve every page, link, redirect, cookie and operator route under this path, e.g. /aparts, "
                 "as the real portal is; other paths answer 404 (default: the root)",
    "operator_key": "enables /__operator__/ routes for requests carrying X-Operator-Key: KEY (default: none, routes answer 404)",
    "incident_text": "incident notice shown on the home page (default: none)",
    "reset_rate_limit": "recovery requests accepted per identifier or SIRET per hour, 0 = no limit (default 5)",
    "token_ttl_minutes": "validity of activation and reset links in minutes (default 60)",
    "login_lockout_attempts": "wrong passwords that lock an identifier, 0 = never locked (default 5)",
    "login_lockout_window_minutes": "... when they fall within this many minutes (default 15)",
    "login_lockout_minutes": "how long an identifier stays locked after the last wrong password (default 15)",
    "log_level": f"one of {', '.join(LOG_LEVELS)} (default info)",
    "faults": "fault profile as JSON or @file.json, see extranet/faults.py (default: none)",
    "dkim_key": "PEM private key file: every mail is signed with DKIM (default: none, unsigned)",
    "dkim_selector": "DKIM selector: the key is published at SELECTOR._domainkey.DOMAIN (default sentinel)",
    "dkim_domain": "DKIM d= domain, From's own so DMARC aligns (default activitepartielle.invalid)",
    "envelope_from": "envelope sender (MAIL FROM, Return-Path) (default ne-pas-repondre@retours.activitepartielle.invalid)",
    "mail_from_domain": "From's domain, ne-pas-repondre@DOMAIN (default activitepartielle.invalid); with "
                        "--dkim-domain and --envelope-from, aligned for DMARC or not",
    "captcha_bypass_header": "a request carrying this header with --captcha-bypass-value skips the cryptogram check, "
                             "as a portal's operators may grant a monitor (default: none)",
    "captcha_bypass_cookie": "... or this cookie (default: none)",
    "captcha_bypass_value": "the secret value of that header or cookie (default: none)",
}


def build_parser() -> argparse.ArgumentParser:
    """Flags are parsed as plain strings so that validation (and its message) is ours."""
    parser = argparse.ArgumentParser(
        prog="python -m extranet",
        description="Reference Extranet activité partielle (account creation and recovery). "
        "Every flag can also be given as an environment variable EXTRANET_<NAME>, "
        "e.g. EXTRANET_PORT=8081; a flag wins over the variable.",
    )
    for field, help_text in _HELP.items():
        parser.add_argument(f"--{field.replace('_', '-')}", dest=field, metavar=field.split("_")[-1].upper(),
                            default=None, help=f"{help_text} [env EXTRANET_{field.upper()}]")
    return parser


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Merge flags, environment and defaults into validated Settings (raises SettingsError)."""
    environ = os.environ if environ is None else environ
    namespace = build_parser().parse_args(argv)
    values: dict[str, object] = {}
    for field, convert in _CONVERTERS.items():
        raw = getattr(namespace, field)
        if raw is None:
            raw = environ.get(f"EXTRANET_{field.upper()}")
        if raw is None:
            continue
        values[field] = convert(raw)
    return Settings(**values)  # type: ignore[arg-type]
