"""Persistent state of the extranet in SQLite (stdlib ``sqlite3``, WAL journal).

Why SQLite: one file, transactions, unique constraints that make a double submission create
one account only, and it survives a restart (the monitor kills and restarts the server).
Each thread gets its own connection; writes go through one process-wide lock and
``BEGIN IMMEDIATE`` so concurrent requests never meet ``database is locked``.
Times are epoch seconds from the extranet's clock (which includes the operator offset).
"""
from __future__ import annotations

import contextlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .security import new_identifiant

SCHEMA = """
CREATE TABLE IF NOT EXISTS establishments (
    siret TEXT PRIMARY KEY CHECK (length(siret) = 14),
    denomination TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    identifiant TEXT PRIMARY KEY,
    siret TEXT NOT NULL UNIQUE REFERENCES establishments(siret) ON DELETE CASCADE,
    civilite TEXT NOT NULL,
    nom TEXT NOT NULL,
    prenom TEXT NOT NULL,
    courriel TEXT NOT NULL,
    telephone TEXT NOT NULL,
    password_hash TEXT,
    activated_at REAL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('activation', 'reinitialisation')),
    identifiant TEXT NOT NULL REFERENCES accounts(identifiant) ON DELETE CASCADE,
    expires_at REAL NOT NULL,
    used_at REAL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_by_account ON tokens(identifiant);
CREATE TABLE IF NOT EXISTS consumed_forms (
    form_hash TEXT PRIMARY KEY,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS assistance_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    numero TEXT NOT NULL UNIQUE,
    canal TEXT NOT NULL,
    motif TEXT NOT NULL,
    siret TEXT NOT NULL,
    nom TEXT NOT NULL,
    courriel TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_limits (
    bucket TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_limits_by_bucket ON rate_limits(bucket, at);
CREATE TABLE IF NOT EXISTS login_failures (
    bucket TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_by_bucket ON login_failures(bucket, at);
CREATE TABLE IF NOT EXISTS captcha_challenges (
    id TEXT PRIMARY KEY,
    answer TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""

# State wiped by the operator reset. Sessions survive (a journey in flight on a shared target
# keeps its CSRF token; a session naming a deleted account is treated as logged out) and
# the assistance sequence keeps counting, so a number is never reused across resets and an
# old acknowledgement mail can never be mistaken for a new one.
_RESET_TABLES = ("tokens", "accounts", "establishments", "consumed_forms", "assistance_requests",
                 "rate_limits", "login_failures", "captcha_challenges")
_RESET_SETTINGS = ("clock_offset_seconds", "incident_text", "faults")


class AlreadySubmitted(Exception):
    """The single-use account-creation form was already used."""


class AccountExists(Exception):
    """An account already exists for this SIRET."""


@dataclass(frozen=True)
class Account:
    identifiant: str
    siret: str
    denomination: str
    civilite: str
    nom: str
    prenom: str
    courriel: str
    telephone: str
    password_hash: str | None
    activated_at: float | None


@dataclass(frozen=True)
class TokenState:
    status: str  # "valid", "expired" or "invalid" (unknown, used, wrong kind)
    identifiant: str | None = None


class Store:
    """All reads and writes of the extranet's state."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        with self._write_lock:
            self._connection().executescript(SCHEMA)

    # -- connections -------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=True)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all or nothing."""
        with self._write_lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self._connection().execute(sql, params).fetchall()

    def ping(self) -> None:
        """Raises if the database cannot answer a read."""
        self._query("SELECT count(*) FROM settings")

    # -- settings ------------------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_setting(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                db.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def clock_offset(self) -> float:
        value = self.get_setting("clock_offset_seconds")
        return float(value) if value else 0.0

    # -- sessions (extranet.sessions) -------------------------------------------------
    def session_data(self, id_hash: str, now: float) -> tuple[str, float] | None:
        """The JSON data and expiry of a live session, or None if unknown or expired."""
        rows = self._query("SELECT data, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?",
                           (id_hash, now))
        return (str(rows[0]["data"]), float(rows[0]["expires_at"])) if rows else None

    def save_session(self, id_hash: str, data: str, expires_at: float, now: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO sessions(id_hash, data, expires_at, created_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
                       (id_hash, data, expires_at, now))

    def delete_session(self, id_hash: str, now: float) -> None:
        """Delete one session, and every expired one while the write lock is held."""
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ? OR expires_at <= ?", (id_hash, now))

    def session_count(self) -> int:
        return int(self._query("SELECT count(*) FROM sessions")[0][0])

    # -- establishments and accounts ---------------------------------------------------
    _ACCOUNT_SELECT = ("SELECT a.*, e.denomination FROM accounts a "
                       "JOIN establishments e ON e.siret = a.siret ")

    def _account(self, rows: list[sqlite3.Row]) -> Account | None:
        if not rows:
            return None
        r = rows[0]
        return Account(r["identifiant"], r["siret"], r["denomination"], r["civilite"], r["nom"], r["prenom"],
                       r["courriel"], r["telephone"], r["password_hash"], r["activated_at"])

    def account(self, identifiant: str) -> Account | None:
        return self._account(self._query(self._ACCOUNT_SELECT + "WHERE a.identifiant = ?", (identifiant,)))

    def account_by_siret(self, siret: str) -> Account | None:
        return self._account(self._query(self._ACCOUNT_SELECT + "WHERE a.siret = ?", (siret,)))

    def denomination(self, siret: str) -> str | None:
        rows = self._query("SELECT denomination FROM establishments WHERE siret = ?", (siret,))
        return rows[0]["denomination"] if rows else None

    def form_consumed(self, form_hash: str) -> bool:
        return bool(self._query("SELECT 1 FROM consumed_forms WHERE form_hash = ?", (form_hash,)))

    def create_account(self, *, form_hash: str, siret: str, denomination: str, civilite: str, nom: str,
                       prenom: str, courriel: str, telephone: str, token_hash: str, token_expires_at: float,
                       now: float) -> str:
        """Consume the form, create establishment + account + activation token in ONE transaction.

        Raises AlreadySubmitted or AccountExists, leaving the database unchanged.
        """
        with self.transaction() as db:
            try:
                db.execute("INSERT INTO consumed_forms(form_hash, at) VALUES (?, ?)", (form_hash, now))
            except sqlite3.IntegrityError:
                raise AlreadySubmitted() from None
            if db.execute("SELECT 1 FROM accounts WHERE siret = ?", (siret,)).fetchone():
                raise AccountExists()
            db.execute("INSERT INTO establishments(siret, denomination, created_at) VALUES (?, ?, ?) "
                       "ON CONFLICT(siret) DO UPDATE SET denomination = excluded.denomination",
                       (siret, denomination, now))
            while True:
                identifiant = new_identifiant()
                if not db.execute("SELECT 1 FROM accounts WHERE identifiant = ?", (identifiant,)).fetchone():
                    break
            try:
                db.execute("INSERT INTO accounts(identifiant, siret, civilite, nom, prenom, courriel, telephone, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (identifiant, siret, civilite, nom, prenom, courriel, telephone, now))
            except sqlite3.IntegrityError:
                raise AccountExists() from None
            db.execute("INSERT INTO tokens(hash, kind, identifiant, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
                       (token_hash, "activation", identifiant, token_expires_at, now))
            return identifiant

    # -- link tokens ---------------------------------------------------------------------
    def add_token(self, token_hash: str, kind: str, identifiant: str, expires_at: float, now: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO tokens(hash, kind, identifiant, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
                       (token_hash, kind, identifiant, expires_at, now))

    def token_state(self, token_hash: str, kind: str, now: float) -> TokenState:
        rows = self._query("SELECT identifiant, expires_at, used_at FROM tokens WHERE hash = ? AND kind = ?",
                           (token_hash, kind))
        if not rows or rows[0]["used_at"] is not None:
            return TokenState("invalid")
        if now >= rows[0]["expires_at"]:
            return TokenState("expired", rows[0]["identifiant"])
        return TokenState("valid", rows[0]["identifiant"])

    def use_token_and_set_password(self, token_hash: str, kind: str, password_hash: str, now: float) -> TokenState:
        """Spend the token, set the password and void every other outstanding link of the account.

        Re-checks the token inside the transaction, so two concurrent submissions of one link
        change the password once.
        """
        with self.transaction() as db:
            row = db.execute("SELECT identifiant, expires_at, used_at FROM tokens WHERE hash = ? AND kind = ?",
                             (token_hash, kind)).fetchone()
            if row is None or row["used_at"] is not None:
                return TokenState("invalid")
            if now >= row["expires_at"]:
                return TokenState("expired", row["identifiant"])
            identifiant = row["identifiant"]
            db.execute("UPDATE tokens SET used_at = ? WHERE identifiant = ? AND used_at IS NULL", (now, identifiant))
            db.execute("UPDATE accounts SET password_hash = ?, activated_at = COALESCE(activated_at, ?) "
                       "WHERE identifiant = ?", (password_hash, now, identifiant))
            return TokenState("valid", identifiant)

    # -- rate limits ---------------------------------------------------------------------
    def rate_limit_allow(self, bucket: str, limit: int, window_seconds: float, now: float) -> bool:
        """Record one event in ``bucket`` unless ``limit`` events already happened in the window."""
        if limit <= 0:
            return True
        with self.transaction() as db:
            db.execute("DELETE FROM rate_limits WHERE at <= ?", (now - window_seconds,))
            count = db.execute("SELECT count(*) FROM rate_limits WHERE bucket = ? AND at > ?",
                               (bucket, now - window_seconds)).fetchone()[0]
            if count >= limit:
                return False
            db.execute("INSERT INTO rate_limits(bucket, at) VALUES (?, ?)", (bucket, now))
            return True

    # -- wrong passwords ------------------------------------------------------------------
    def login_locked_until(self, bucket: str, attempts: int, window_seconds: float, lock_seconds: float,
                           now: float) -> float | None:
        """When ``attempts`` wrong passwords fell within ``window_seconds`` of each other, the
        identifier is locked ``lock_seconds`` after the last of them: that time, or None."""
        if attempts <= 0:
            return None
        rows = self._query("SELECT at FROM login_failures WHERE bucket = ? AND at > ? ORDER BY at DESC LIMIT ?",
                           (bucket, now - window_seconds - lock_seconds, attempts))
        stamps = [row["at"] for row in rows]
        if len(stamps) < attempts or stamps[0] - stamps[-1] > window_seconds:
            return None
        until = float(stamps[0]) + lock_seconds
        return until if now < until else None

    def note_login_failure(self, bucket: str, now: float, keep_seconds: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM login_failures WHERE at <= ?", (now - keep_seconds,))
            db.execute("INSERT INTO login_failures(bucket, at) VALUES (?, ?)", (bucket, now))

    def clear_login_failures(self, bucket: str) -> None:
        """A successful login or a new password: the count starts again (as most portals do)."""
        with self.transaction() as db:
            db.execute("DELETE FROM login_failures WHERE bucket = ?", (bucket,))

    # -- cryptogram challenges -----------------------------------------------------------
    def add_challenge(self, challenge_id: str, answer: str, expires_at: float, now: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM captcha_challenges WHERE expires_at < ?", (now - 3600,))
            db.execute("INSERT INTO captcha_challenges(id, answer, expires_at) VALUES (?, ?, ?)",
                       (challenge_id, answer, expires_at))

    def challenge_answer(self, challenge_id: str) -> str | None:
        """The answer of a challenge still usable (for the image and the operator)."""
        rows = self._query("SELECT answer FROM captcha_challenges WHERE id = ? AND used_at IS NULL", (challenge_id,))
        return rows[0]["answer"] if rows else None

    def spend_challenge(self, challenge_id: str, now: float) -> str | None:
        """Mark the challenge used and return its answer if it was unused and unexpired."""
        with self.transaction() as db:
            row = db.execute("SELECT answer, expires_at, used_at FROM captcha_challenges WHERE id = ?",
                             (challenge_id,)).fetchone()
            if row is None or row["used_at"] is not None:
                return None
            db.execute("UPDATE captcha_challenges SET used_at = ? WHERE id = ?", (now, challenge_id))
            return row["answer"] if now < row["expires_at"] else None

    # -- assistance ----------------------------------------------------------------------
    def add_assistance(self, *, canal: str, motif: str, siret: str, nom: str, courriel: str, message: str,
                       now: float) -> str:
        """Store a request and return its number ``AP-`` + 6 digits."""
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO assistance_requests(numero, canal, motif, siret, nom, courriel, "
                                "message, created_at) VALUES ('', ?, ?, ?, ?, ?, ?, ?)",
                                (canal, motif, siret, nom, courriel, message, now))
            numero = f"AP-{cursor.lastrowid:06d}"
            db.execute("UPDATE assistance_requests SET numero = ? WHERE seq = ?", (numero, cursor.lastrowid))
            return numero

    def count(self, table: str) -> int:
        """Row count of one of our tables (for health and tests)."""
        if table not in _RESET_TABLES:
            raise ValueError(table)
        return int(self._query(f"SELECT count(*) FROM {table}")[0][0])

    # -- operator ------------------------------------------------------------------------
    def reset(self) -> None:
        with self.transaction() as db:
            for table in _RESET_TABLES:
                db.execute(f"DELETE FROM {table}")
            for key in _RESET_SETTINGS:
                db.execute("DELETE FROM settings WHERE key = ?", (key,))

    def seed(self, establishments: list[dict[str, Any]], password_hashes: dict[str, str | None], now: float) -> int:
        """Upsert establishments and their accounts (already validated); returns accounts written.

        Re-seeding a SIRET replaces its account and voids its outstanding links, so a monitor
        can seed the same data before every run.
        """
        written = 0
        with self.transaction() as db:
            for item in establishments:
                siret = item["siret"]
                db.execute("INSERT INTO establishments(siret, denomination, created_at) VALUES (?, ?, ?) "
                           "ON CONFLICT(siret) DO UPDATE SET denomination = excluded.denomination",
                           (siret, item["denomination"], now))
                account = item.get("account")
                db.execute("DELETE FROM accounts WHERE siret = ?", (siret,))
                if account is None:
                    continue
                db.execute("DELETE FROM accounts WHERE identifiant = ?", (account["identifiant"],))
                pw_hash = password_hashes.get(account["identifiant"])
                db.execute("INSERT INTO accounts(identifiant, siret, civilite, nom, prenom, courriel, telephone, "
                           "password_hash, activated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (account["identifiant"], siret, account["civilite"], account["nom"], account["prenom"],
                            account["courriel"], account["telephone"], pw_hash, now if pw_hash else None, now))
                written += 1
        return written
