"""The monitor's own door: TLS and basic auth for ``/metrics`` and its pages, from Prometheus' web-config file.

Why this format: operators already write it for node_exporter and Prometheus itself (the
exporter-toolkit's ``--web.config.file``), and a Prometheus ``scrape_config`` with ``tls_config`` and
``basic_auth`` then works unchanged. The same YAML keys are read::

    tls_server_config:
      cert_file: server.crt          # PEM; relative paths are relative to this file's folder
      key_file: server.key
      client_auth_type: RequireAndVerifyClientCert   # or NoClientCert (default), VerifyClientCertIfGiven
      client_ca_file: clients-ca.crt
      min_version: TLS12             # TLS10 … TLS13 (default TLS12), max_version likewise
    http_server_config:
      headers: {Strict-Transport-Security: max-age=31536000}
    basic_auth_users:
      prometheus: $2b$12$…           # bcrypt hashes only (htpasswd -nBC 12 "" | tr -d ':\\n')

What the toolkit has and this does not (refused with a ConfigError naming the key, never ignored):
``RequestClientCert``/``RequireAnyClientCert`` (client certificates accepted unverified),
``cipher_suites``/``curve_preferences`` (Go names; OpenSSL's defaults apply), ``client_allowed_sans``.

Every problem is a ``ConfigError(key, problem, fix)`` at start; the file (and the files it names) is
read again when it changes, as the toolkit does, so certificates and passwords rotate without a
restart; a bad edit keeps the last good door and logs why.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from monitor.config import ConfigError

log = logging.getLogger("monitor.export.web_config")

#: exporter-toolkit's names for client certificate policies → what ``ssl`` does.
CLIENT_AUTH = {"NoClientCert": ssl.CERT_NONE, "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
               "RequireAndVerifyClientCert": ssl.CERT_REQUIRED}
TLS_VERSIONS = {"TLS10": ssl.TLSVersion.TLSv1, "TLS11": ssl.TLSVersion.TLSv1_1, "TLS12": ssl.TLSVersion.TLSv1_2,
                "TLS13": ssl.TLSVersion.TLSv1_3}
_UNSUPPORTED = {
    "cipher_suites": "Go's cipher suite names have no OpenSSL equivalent here; OpenSSL's defaults apply",
    "curve_preferences": "Go's curve names have no OpenSSL equivalent here; OpenSSL's defaults apply",
    "client_allowed_sans": "client certificates are checked against client_ca_file only",
}
_TLS_KEYS = ("cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
             "prefer_server_cipher_suites", *_UNSUPPORTED)
_TOP_KEYS = ("tls_server_config", "http_server_config", "basic_auth_users")
_BCRYPT = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
HASH_FIX = "store a bcrypt hash, e.g. from `htpasswd -nBC 12 \"\" | tr -d ':\\n'` or bcrypt.hashpw()"


@dataclass(frozen=True)
class WebConfig:
    """One reading of the file: the TLS context (None: plain HTTP), the users, extra response headers."""

    path: Path
    tls: ssl.SSLContext | None = None
    users: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    files: tuple[Path, ...] = ()  # the file and every file it names: a change means read again

    def describe(self) -> str:
        tls = "TLS" if self.tls else "plain HTTP"
        auth = f"basic auth ({len(self.users)} user{'s' if len(self.users) != 1 else ''})" if self.users \
            else "no basic auth"
        return f"{tls}, {auth} (web config {self.path})"


def load_web_config(path: str | Path, flag: str = "--web.config.file") -> WebConfig:
    """Read and check the web-config file; every problem names its key (``<flag> tls_server_config.cert_file``)."""
    path = Path(path).expanduser()
    where = f"{flag} ({path})"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(flag, f"{path}: no such file", "give the path of a web-config YAML file") from None
    except OSError as exc:
        raise ConfigError(flag, f"{path}: cannot be read ({exc.strerror})", "check the path and its permissions") \
            from None
    except yaml.YAMLError as exc:
        raise ConfigError(where, f"not valid YAML ({' '.join(str(exc).split())})", "fix the syntax at the position shown") \
            from None
    data = {} if data is None else data
    _mapping(data, where, "the file must be a YAML mapping")
    _known(data, _TOP_KEYS, where, "")
    folder = path.parent
    files = [path]
    tls = _tls(data.get("tls_server_config"), folder, where, files)
    users = _users(data.get("basic_auth_users"), where)
    headers = _headers(data.get("http_server_config"), where)
    return WebConfig(path=path, tls=tls, users=users, headers=headers, files=tuple(files))


def _mapping(value: Any, key: str, problem: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(key, problem, "see the exporter-toolkit web-config format (docs/operators.md § The monitor's own door)")
    return value


def _known(data: dict, known: tuple[str, ...], where: str, prefix: str) -> None:
    for key in data:
        if key in _UNSUPPORTED and data[key] not in (None, [], ""):
            raise ConfigError(f"{where} {prefix}{key}", f"not supported: {_UNSUPPORTED[key]}", "remove the key")
        if key not in known:
            raise ConfigError(f"{where} {prefix}{key}", "unknown key",
                              f"remove it or use one of {', '.join(k for k in known if k not in _UNSUPPORTED)}")


def _tls(raw: Any, folder: Path, where: str, files: list[Path]) -> ssl.SSLContext | None:
    if raw is None:
        return None
    conf = _mapping(raw, f"{where} tls_server_config", "must be a mapping of cert_file, key_file…")
    _known(conf, _TLS_KEYS, where, "tls_server_config.")
    key = f"{where} tls_server_config."
    cert_file, key_file = conf.get("cert_file"), conf.get("key_file")
    if not cert_file and not key_file:
        raise ConfigError(key + "cert_file", "missing (as is key_file)",
                          "give the server certificate and its key, or remove tls_server_config for plain HTTP")
    for name, value in (("cert_file", cert_file), ("key_file", key_file)):
        if not isinstance(value, str) or not value:
            raise ConfigError(key + name, "missing", f"give the PEM file of the server's {name.split('_')[0]}")
    cert, private = folder / str(cert_file), folder / str(key_file)
    for name, p in (("cert_file", cert), ("key_file", private)):
        if not p.is_file():
            raise ConfigError(key + name, f"{p}: no such file", "give an existing PEM file (relative to the web config)")
    files += [cert, private]
    versions = {}
    for name, default in (("min_version", "TLS12"), ("max_version", "TLS13")):
        value = conf.get(name) or default
        if value not in TLS_VERSIONS:
            raise ConfigError(key + name, f"{value!r} is not a TLS version", f"use one of {', '.join(TLS_VERSIONS)}")
        versions[name] = TLS_VERSIONS[value]
    if versions["min_version"] > versions["max_version"]:
        raise ConfigError(key + "min_version", "is above max_version", "lower min_version or raise max_version")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.minimum_version, context.maximum_version = versions["min_version"], versions["max_version"]
    except (ValueError, ssl.SSLError) as exc:
        raise ConfigError(key + "min_version", f"this OpenSSL refuses it ({exc})", "use TLS12 or TLS13") from None
    try:
        context.load_cert_chain(cert, private)
    except ssl.SSLError as exc:
        raise ConfigError(key + "cert_file", f"{cert} and {private} do not load as a certificate and its key ({exc.reason})",
                          "give PEM files, the key unencrypted and matching the certificate") from None
    auth = conf.get("client_auth_type") or "NoClientCert"
    if auth not in CLIENT_AUTH:
        problem = ("accepts client certificates nobody verified" if auth in ("RequestClientCert", "RequireAnyClientCert")
                   else f"{auth!r} is not a client auth type")
        raise ConfigError(key + "client_auth_type", problem, f"use one of {', '.join(CLIENT_AUTH)}")
    ca = conf.get("client_ca_file")
    if CLIENT_AUTH[auth] != ssl.CERT_NONE:
        if not ca:
            raise ConfigError(key + "client_ca_file", f"missing, and client_auth_type is {auth}",
                              "give the PEM file of the CA that signs the clients' certificates")
        ca_path = folder / str(ca)
        try:
            context.load_verify_locations(cafile=ca_path)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(key + "client_ca_file", f"{ca_path} does not load ({exc})",
                              "give an existing PEM file of CA certificates") from None
        files.append(ca_path)
    elif ca:
        raise ConfigError(key + "client_auth_type", "is NoClientCert, but client_ca_file is set",
                          "set client_auth_type to RequireAndVerifyClientCert (or VerifyClientCertIfGiven)")
    context.verify_mode = CLIENT_AUTH[auth]
    if conf.get("prefer_server_cipher_suites", True):
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    return context


def _users(raw: Any, where: str) -> dict[str, bytes]:
    if raw is None:
        return {}
    users = _mapping(raw, f"{where} basic_auth_users", "must be a mapping of user name to bcrypt hash")
    out = {}
    for name, hashed in users.items():
        if not isinstance(name, str) or not name or ":" in name:
            raise ConfigError(f"{where} basic_auth_users", f"{name!r} is not a user name",
                              "use a non-empty name without ':'")
        if not isinstance(hashed, str) or not _BCRYPT.match(hashed):
            raise ConfigError(f"{where} basic_auth_users.{name}", "is not a bcrypt hash (a password in clear?)",
                              HASH_FIX)
        out[name] = hashed.encode()
    return out


def _headers(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    conf = _mapping(raw, f"{where} http_server_config", "must be a mapping (headers, http2)")
    _known(conf, ("headers", "http2"), where, "http_server_config.")
    headers = _mapping(conf.get("headers") or {}, f"{where} http_server_config.headers",
                       "must be a mapping of header name to value")
    for name, value in headers.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9-]+", name) or not isinstance(value, str) \
                or any(c in value for c in "\r\n"):
            raise ConfigError(f"{where} http_server_config.headers.{name}", "is not a header name and one-line value",
                              "write e.g. Strict-Transport-Security: max-age=31536000")
    return dict(headers)


class WebDoor:
    """The door in force: the last good reading of the file, read again when one of its files changes."""

    def __init__(self, config: WebConfig, flag: str = "--web.config.file") -> None:
        self._config = config
        self._flag = flag
        self._stamp = _stamp(config.files)
        self._lock = threading.Lock()
        # A user's password checked once is not checked again with bcrypt (≈ 0.2 s a check at cost 12)
        # while the hash stays: keyed by a keyed digest of user, password and hash, never the password.
        self._cache_key = os.urandom(32)
        self._good: set[bytes] = set()

    @property
    def config(self) -> WebConfig:
        stamp = _stamp(self._config.files)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._stamp = stamp
                    try:
                        self._config = load_web_config(self._config.path, self._flag)
                        self._good.clear()
                        log.info("web config read again: %s", self._config.describe())
                    except ConfigError as exc:
                        log.error("web config changed but not applied, the previous one stays: %s", exc)
        return self._config

    def authorized(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header opens the door (always, when no user is configured)."""
        users = self.config.users
        if not users:
            return True
        user, password = _basic(header)
        hashed = users.get(user or "")
        if user is None or password is None:
            return False
        digest = hmac.new(self._cache_key, b"\0".join([user.encode(), password, hashed or b""]), hashlib.sha256).digest()
        if hashed is not None and digest in self._good:
            return True
        # An unknown user costs a bcrypt check too, so timing does not tell which names exist.
        # bcrypt reads 72 bytes (the library refuses more; htpasswd and Go cut there too).
        ok = bcrypt.checkpw(password[:72], hashed or _DUMMY_HASH) and hashed is not None
        if ok:
            with self._lock:
                if len(self._good) > 1000:
                    self._good.clear()
                self._good.add(digest)
        return ok


_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=10))


def _basic(header: str | None) -> tuple[str | None, bytes | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return None, None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return None, None
    return user.decode("utf-8", errors="replace"), password


def _stamp(files: tuple[Path, ...]) -> tuple[tuple[int, int] | None, ...]:
    out: list[tuple[int, int] | None] = []
    for p in files:
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)
