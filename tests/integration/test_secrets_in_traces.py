"""Cookies and authorization headers are secrets by kind in real traces, on every engine.

A small site sets a random session cookie, rotates it at login, and also sets the shape the
reference extranet used to have: a readable base64 JSON cookie holding the identifier. The
context sends a bearer token. Only the password and the identifier are registered; the rest
must be found by kind. The raw trace is shown to hold them all first, then the scrubbed
trace holds none in any form, and Playwright's trace viewer lists the same actions for both.
"""
from __future__ import annotations

import base64
import json
import secrets as random_secrets
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from support.trace_viewer import viewer_actions  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.engines.resolve import Engine, resolve_engine
from fixtures.engines.webkit_nodelay import ensure_shim
from fixtures.engines.webkitgtk import WebKitGTKLauncher, open_context
from fixtures.secrets.by_kind import SECRET_HEADERS
from fixtures.secrets.capture import start_tracing
from fixtures.secrets.registry import MASK, SecretRegistry
from fixtures.secrets.scrubber import scrub_trace

pytestmark = pytest.mark.integration

IDENTIFIER = "AP7K2M9Q4X"
PASSWORD = "Motdepasse-Trace-1!"
FIRST, SECOND = random_secrets.token_urlsafe(32), random_secrets.token_urlsafe(32)
BEARER = random_secrets.token_urlsafe(24)
PROFILE = base64.b64encode(json.dumps({"identifiant": IDENTIFIER, "csrf": "x"}).encode()).decode()


class CookieSite(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: str, cookies: list[str]) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send("<!doctype html><title>Accueil</title><form method=post action=/connexion>"
                   "<label>Identifiant <input name=identifiant></label>"
                   "<label>Mot de passe <input type=password name=mot_de_passe></label>"
                   "<button>Se connecter</button></form>",
                   [f"sid={FIRST}; Path=/; HttpOnly", f"profile={PROFILE}; Path=/"])

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send("<!doctype html><title>Mon espace</title><h1>Mon espace</h1>", [f"sid={SECOND}; Path=/; HttpOnly"])


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CookieSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["chromium", "firefox", "webkit"])
def engine_route(request: pytest.FixtureRequest) -> str:
    """The engine under test, resolved; its route decides how pages are opened."""
    engine = resolve_engine(request.param)
    if not engine.available:
        pytest.skip(f"{engine.name} unavailable: {engine.reason}")
    request.node.stash[ENGINE] = engine
    return engine.route


ENGINE = pytest.StashKey[Engine]()


@pytest.fixture
def open_page(engine_route: str, request: pytest.FixtureRequest, playwright: Any,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., tuple[Any, Any]]]:
    """Opens (context, page) with the given context options, the way the resolved engine can: a new
    context of a launched browser, or the one context of a MiniBrowser on WebKitGTK's inspector route."""
    engine = request.node.stash[ENGINE]
    if engine_route == "inspector":
        assert engine.executable_path is not None  # an available engine always has one
        launcher = WebKitGTKLauncher(engine.executable_path, tmp_path_factory.mktemp("webkitgtk"),
                                     user_display=engine.display, preload=ensure_shim().path)
        minibrowser = launcher.launch(playwright)

        def attached(**options: Any) -> tuple[Any, Any]:
            context = open_context(minibrowser, options)
            return context, context.pages[0]

        yield attached
        launcher.close()
        return
    launched = getattr(playwright, engine.name).launch(**engine.launch_options())

    def fresh(**options: Any) -> tuple[Any, Any]:
        context = launched.new_context(**options)
        return context, context.new_page()

    yield fresh
    launched.close()  # closes its contexts too


def test_cookies_and_authorization_are_masked_by_kind_and_the_viewer_still_opens(
        open_page: Callable[..., tuple[Any, Any]], engine_route: str, site: str, tmp_path: Path,
        playwright: Any) -> None:
    from playwright.sync_api import expect

    secrets = SecretRegistry([PASSWORD, IDENTIFIER])
    context, page = open_page(extra_http_headers={"Authorization": f"Bearer {BEARER}"})
    raw = tmp_path / "raw.zip"
    try:
        start_tracing(context)
        page.goto(site + "/")
        page.get_by_label("Identifiant").fill(IDENTIFIER)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page).to_have_title("Mon espace")
        held = {c["name"]: c["value"] for c in context.cookies()}  # what the recorder registers
        secrets.add_all(held.values())
    finally:
        context.tracing.stop(path=str(raw))
    # WebKitGTK's inspector answers the cookie jar as it was before the login response rotated the
    # session (measured: the same value after seconds): there, the new cookie is the one found by kind.
    held_sid, by_kind_only = (FIRST, SECOND) if engine_route == "inspector" else (SECOND, FIRST)
    assert held == {"sid": held_sid, "profile": PROFILE}
    assert by_kind_only not in secrets, "a cookie not held any more: only its header reveals it"

    with zipfile.ZipFile(raw) as z:
        before = b"\n".join(z.read(n) for n in z.namelist())
    for value in (FIRST, SECOND, BEARER, PROFILE):
        assert value.encode() in before, "the raw trace should hold every credential (else this test proves nothing)"

    scrubbed = tmp_path / "trace.zip"
    shutil.copyfile(raw, scrubbed)
    assert scrub_trace(scrubbed, secrets) > 0
    assert by_kind_only in secrets and BEARER in secrets, "values found by kind are registered"

    # Checked with a registry of our own, so the test does not only trust the scrubber's.
    audit = SecretRegistry([FIRST, SECOND, BEARER, PROFILE, IDENTIFIER, PASSWORD])
    with zipfile.ZipFile(scrubbed) as z:
        assert z.testzip() is None
        members = {n: z.read(n) for n in z.namelist()}
    for name, data in members.items():
        assert audit.remaining(data) == [], name
        assert base64.b64encode(IDENTIFIER.encode())[:8] not in data  # the old cookie shape, by hand
    for line in members["trace.network"].splitlines():
        snapshot = json.loads(line).get("snapshot", {})
        for side in ("request", "response"):
            for header in snapshot.get(side, {}).get("headers", []):
                if header["name"].lower() in SECRET_HEADERS:
                    assert header["value"] == MASK, header["name"]
            for cookie in snapshot.get(side, {}).get("cookies", []):
                assert cookie["value"] == MASK

    listed_raw, listed = viewer_actions(playwright, raw), viewer_actions(playwright, scrubbed)
    assert listed and len(listed) == len(listed_raw), (listed_raw, listed)
    assert any(MASK in title for title in listed), "the fill of the password shows as masked in the viewer"
