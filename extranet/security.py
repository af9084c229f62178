"""Secrets handling: password hashes, one-time link tokens, CSRF tokens, identifiers, clock.

Why these choices:
- passwords with ``hashlib.scrypt`` and a per-password salt (memory-hard, stdlib only);
- link tokens from ``secrets.token_urlsafe(32)``, stored only as their SHA-256, so a copy of
  the database cannot be replayed as links;
- CSRF tokens kept in the signed session cookie and compared in constant time;
- a clock with an operator-controlled offset, so 60-minute expiry is testable in seconds;
- ``log_ref`` gives logs a short, non-reversible reference instead of a secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from typing import Callable

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PASSWORD_MIN_LENGTH = 12
PASSWORD_POLICY_TEXT = (
    "Le mot de passe doit comporter au moins 12 caractères, dont une lettre minuscule, "
    "une lettre majuscule, un chiffre et un caractère spécial."
)
# Unambiguous upper-case alphabet: no 0/O, 1/I/L.
IDENTIFIER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
IDENTIFIER_RE = re.compile(r"AP[A-Z0-9]{8}")
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(
        SCRYPT_N, SCRYPT_R, SCRYPT_P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check; with ``stored=None`` it still spends the same work (no timing oracle)."""
    if not stored:
        hash_password(password)
        return False
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64), n=int(n), r=int(r),
                                p=int(p), dklen=len(base64.b64decode(digest_b64)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def password_problems(password: str) -> list[str]:
    """French messages, one per unmet rule of the policy; empty when the password is acceptable."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        # Worded unlike the policy text (id politique-mdp), so a page object finding the policy
        # by its words never also matches this alert.
        problems.append(f"Le mot de passe est trop court : {PASSWORD_MIN_LENGTH} caractères minimum.")
    if not re.search(r"[a-zà-ÿ]", password):
        problems.append("Le mot de passe doit contenir une lettre minuscule.")
    if not re.search(r"[A-ZÀ-Þ]", password):
        problems.append("Le mot de passe doit contenir une lettre majuscule.")
    if not re.search(r"\d", password):
        problems.append("Le mot de passe doit contenir un chiffre.")
    if not re.search(r"[^A-Za-z0-9À-ÿ\s]", password):
        problems.append("Le mot de passe doit contenir un caractère spécial (par exemple ! ? @ # %).")
    return problems


def new_link_token() -> tuple[str, str]:
    """A one-time link token and the SHA-256 under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check so truncated or forged links are refused before any lookup."""
    return bool(TOKEN_RE.fullmatch(token))


def new_identifiant() -> str:
    """``AP`` + 8 characters from an alphabet without look-alikes (e.g. ``AP7K2M9Q4X``)."""
    return "AP" + "".join(secrets.choice(IDENTIFIER_ALPHABET) for _ in range(8))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Both present and equal, in constant time."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def log_ref(value: str) -> str:
    """8 hex characters identifying a secret or personal value in logs without revealing it."""
    return hashlib.sha256(("extranet-log:" + value).encode()).hexdigest()[:8]


class Clock:
    """Wall clock plus an offset (seconds) read from the store on every call.

    Why a callable for the offset: the operator moves it at run time (POST
    /__operator__/clock) and every process thread must see the new value at once.
    """

    def __init__(self, offset: Callable[[], float] = lambda: 0.0, base: Callable[[], float] = time.time) -> None:
        self._offset = offset
        self._base = base

    def now(self) -> float:
        return self._base() + self._offset()
