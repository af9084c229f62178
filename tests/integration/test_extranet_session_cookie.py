"""Server-side sessions of the reference extranet (issue 10), on a running extranet: the
``extranet_session`` cookie is an opaque random id, the data lives in SQLite, the id changes at
login and dies at logout, and an id the server did not issue is not adopted.

Why it matters: the former signed cookie was readable base64 JSON holding the account
identifier, and traces recorded it in every ``Cookie`` header.
"""
from __future__ import annotations

import base64
import binascii
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.extranet_helpers import (  # tests/ is on sys.path (pytest's rootdir-relative import)
    OPERATOR_KEY,
    ExtranetClient,
    Page,
)

from extranet.security import TOKEN_RE, token_hash
from extranet.sessions import COOKIE
from extranet.siret import random_siret
from fixtures.services.processes import ExtranetService

PASSWORD = "Motdepasse-Session-1"


@pytest.fixture
def client(extranet: ExtranetService) -> Iterator[ExtranetClient]:
    c = ExtranetClient(extranet.base_url, OPERATOR_KEY)
    yield c
    c.close()


@pytest.fixture
def identifiant(client: ExtranetClient) -> str:
    value = "AP" + uuid.uuid4().hex[:8].upper()
    response = client.op("POST", "seed", json={"establishments": [{
        "siret": random_siret(), "denomination": "Scierie Session",
        "account": {"identifiant": value, "password": PASSWORD, "courriel": f"s-{value.lower()}@example.test",
                    "nom": "Martin", "prenom": "Paul"}}]})
    assert response.status_code == 200, response.text
    return value


def session_rows(database: Path) -> dict[str, str]:
    """id hash → JSON data of every session row, read-only while the server runs."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return dict(conn.execute("SELECT id_hash, data FROM sessions").fetchall())
    finally:
        conn.close()


def readable_forms(value: str) -> list[str]:
    """The cookie value and what base64 (standard or URL-safe, any padding) decodes it to."""
    forms = [value]
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        for chunk in value.split("."):
            try:
                forms.append(decode(chunk + "=" * (-len(chunk) % 4)).decode("latin-1"))
            except (binascii.Error, ValueError):
                pass
    return forms


def cookie_of(page: Page) -> str | None:
    for header in page.response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            return rest.split(";", 1)[0]
    return None


@pytest.mark.integration
def test_session_id_is_opaque_rotated_at_login_and_deleted_at_logout(
        client: ExtranetClient, identifiant: str, extranet: ExtranetService) -> None:
    home = client.get("/")
    anonymous = cookie_of(home)
    assert anonymous and TOKEN_RE.fullmatch(anonymous), home.response.headers.get_list("set-cookie")

    answer = client.submit("/connexion", {"identifiant": identifiant, "mot_de_passe": PASSWORD}, form_page=home)
    assert answer.status == 303
    logged_in = cookie_of(answer)
    assert logged_in and TOKEN_RE.fullmatch(logged_in) and logged_in != anonymous, "no rotation at login"
    for form in readable_forms(logged_in):
        assert identifiant not in form and "identifiant" not in form, form
    rows = session_rows(extranet.database)
    assert identifiant in rows[token_hash(logged_in)], "the session data lives on the server"
    assert token_hash(anonymous) not in rows, "the pre-login session was not deleted"
    assert logged_in not in str(rows), "the database holds the id's hash, not the id"

    stale = httpx.get(f"{extranet.base_url}/mon-espace", cookies={COOKIE: anonymous})
    assert stale.status_code == 303, "the pre-login id still opens the personal space (fixation)"
    space = client.get("/mon-espace")
    assert space.status == 200 and space.h1 == "Mon espace"

    out = client.submit("/deconnexion", {}, form_page=space)
    assert out.status == 303
    cleared = [h for h in out.response.headers.get_list("set-cookie") if h.startswith(COOKIE + "=")]
    assert cleared and "Max-Age=0" in cleared[0], cleared
    assert token_hash(logged_in) not in session_rows(extranet.database)
    replay = httpx.get(f"{extranet.base_url}/mon-espace", cookies={COOKIE: logged_in})
    assert replay.status_code == 303, "a logged-out id still opens the personal space"


@pytest.mark.integration
def test_an_id_the_server_did_not_issue_is_not_adopted(extranet: ExtranetService) -> None:
    chosen = "A" * 43  # well-formed, unknown: what a session-fixation attacker would plant
    answer = httpx.get(f"{extranet.base_url}/", cookies={COOKIE: chosen})
    issued = [h.split(";", 1)[0].split("=", 1)[1] for h in answer.headers.get_list("set-cookie")
              if h.startswith(COOKIE + "=")]
    assert issued and issued[0] != chosen and TOKEN_RE.fullmatch(issued[0])


# -- expiry, with the middleware's clock in the test's hands ---------------------------------------


