"""Helpers for the HTTP-level tests of the reference extranet: a form-filling httpx client
and read-only looks at its database.

Why not a browser: these tests check the server's own behaviour (status codes, alerts,
mails, database effects) for every branch, fast; the browser journeys live in journeys/.
"""
from __future__ import annotations

import html
import re
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

# The operator key of the extranets the HTTP test modules start (tests/conftest.py).
OPERATOR_KEY = "test-operator-key-" + uuid.uuid4().hex[:8]

TABLES = ("establishments", "accounts", "tokens", "assistance_requests", "consumed_forms")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


@dataclass
class Page:
    """One HTML answer, with what the tests look at."""

    response: httpx.Response

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def html(self) -> str:
        return self.response.text

    @property
    def h1(self) -> str:
        match = re.search(r"<h1[^>]*>(.*?)</h1>", self.html, re.S)
        return _text(match.group(1)) if match else ""

    @property
    def alerts(self) -> list[str]:
        return [_text(m) for m in re.findall(r'<div role="alert"[^>]*>(.*?)</div>', self.html, re.S)]

    def hidden(self, name: str) -> str:
        match = re.search(rf'name="{name}"(?: id="[^"]*")? value="([^"]*)"', self.html)
        if not match:
            raise AssertionError(f"no hidden field {name!r} on the page {self.h1!r}")
        return html.unescape(match.group(1))

    def value(self, field_id: str) -> str:
        match = re.search(rf'<input [^>]*id="{field_id}"[^>]*value="([^"]*)"', self.html)
        return html.unescape(match.group(1)) if match else ""

    @property
    def challenge(self) -> str:
        return self.hidden("challenge")

    @property
    def text(self) -> str:
        """The visible text of <main>, tags removed and white space collapsed."""
        match = re.search(r"<main[^>]*>(.*?)</main>", self.html, re.S)
        return re.sub(r"\s+", " ", _text(match.group(1) if match else self.html))

    def has_text(self, text: str) -> bool:
        return text in html.unescape(self.html)


class ExtranetClient:
    """A user session: GET a page, then POST its form back with the page's CSRF token."""

    def __init__(self, base_url: str, operator_key: str | None = None) -> None:
        self.base_url = base_url
        self.operator_key = operator_key
        self.http = httpx.Client(base_url=base_url, timeout=30.0)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str) -> Page:
        return Page(self.http.get(path))

    def post(self, path: str, data: dict[str, str], *, operator: bool = False) -> Page:
        headers = {"X-Operator-Key": self.operator_key} if operator and self.operator_key else {}
        return Page(self.http.post(path, data=data, headers=headers))

    def submit(self, path: str, data: dict[str, str], *, form_page: Page | None = None, operator: bool = False) -> Page:
        """POST ``data`` to ``path`` with the CSRF token of ``form_page`` (or of a fresh GET)."""
        source = form_page or self.get(path)
        return self.post(path, {"csrf_token": source.hidden("csrf_token"), **data}, operator=operator)

    # -- operator ------------------------------------------------------------------------
    def op(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"X-Operator-Key": self.operator_key or ""}
        return httpx.request(method, f"{self.base_url}/__operator__/{path}", headers=headers, timeout=30.0,
                             **kwargs)  # type: ignore[arg-type]

    def answer(self, challenge: str) -> str:
        response = self.op("GET", "cryptogram", params={"challenge": challenge})
        response.raise_for_status()
        return str(response.json()["answer"])

    def set_clock(self, offset_seconds: float) -> None:
        self.op("POST", "clock", json={"offset_seconds": offset_seconds}).raise_for_status()

    # -- flows ---------------------------------------------------------------------------
    def creation_step(self, siret: str, *, cgu: bool = True, code: str | None = None) -> Page:
        """Fill « Créer mon espace » (answering the real cryptogram unless ``code`` is given)."""
        form = self.get("/creer-mon-espace")
        data = {"siret": siret, "challenge": form.challenge,
                "code": self.answer(form.challenge) if code is None else code}
        if cgu:
            data["cgu"] = "on"
        return self.submit("/creer-mon-espace", data, form_page=form)


def account_form_data(address: str, **overrides: str) -> dict[str, str]:
    data = {"denomination": "Boulangerie Dupont", "civilite": "Madame", "nom": "Dupont", "prenom": "Anne",
            "courriel": address, "courriel_confirmation": address, "telephone": "01 23 45 67 89"}
    data.update(overrides)
    return data


def db_counts(database: Path) -> dict[str, int]:
    """Row counts of the extranet's tables, read-only (the server keeps running)."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}
    finally:
        conn.close()
