"""PageWatch and the page objects' messages, in real browsers against a tiny local HTTP server.

Fast and independent of the extranet: a page answers 422 with an alert, throws a TypeError when
its form is submitted, logs a console error and loads a missing image. The full journey (with
WebKit too) is tests/integration/test_signature_capture.py.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from fixtures.engines.resolve import resolve_engine
from fixtures.plugin.page_watch import PageWatch
from pages import MotDePasseModifiePage

pytestmark = pytest.mark.integration

TOKEN = "Zq8r3kP1xYvB7nM2cD5fG9hJ0kL4mN6p"
PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>x</title>
<link rel="icon" href="data:,"></head><body><main>
<h1>Nouveau mot de passe</h1>
<div role="alert">La vérification de sécurité de votre navigateur a échoué.</div>
<div role="alert" hidden>jamais affichée</div>
<form method="post"><button type="submit">Valider</button></form>
<img src="/manquante.png" alt="">
<script>
console.error("page %d");
document.forms[0].addEventListener("submit", function () { var data = undefined; data.platform; });
</script></main></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def _page(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        body = (PAGE % status).encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/reinitialisation/"):
            self._page(200)
        else:
            self.send_error(404)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._page(422)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("name", ["chromium", "firefox"])
def test_the_watch_signs_status_alert_js_and_console_errors_and_failed_requests(server: str, name: str,
                                                                                 playwright: Any) -> None:
    engine = resolve_engine(name)
    if not engine.available:
        pytest.skip(f"{name} unavailable: {engine.reason}")
    # The session's Playwright (pytest-playwright's fixture): a second sync_playwright() in the same
    # thread fails once that one has started, as it has whenever a journey ran earlier in the session.
    browser = getattr(playwright, name).launch(**engine.launch_options(headless=True))
    try:
        context = browser.new_context()
        watch = PageWatch()
        watch.attach_context(context)
        page = context.new_page()
        page.goto(f"{server}/reinitialisation/{TOKEN}?x=1")
        since = time.monotonic()  # the step begins: what the first page logged is before it
        with page.expect_navigation():
            page.get_by_role("button", name="Valider").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau mot de passe")
        expect.set_options(timeout=300)
        try:
            with pytest.raises(AssertionError) as seen:
                MotDePasseModifiePage(page).expect_confirmation()
        finally:
            expect.set_options(timeout=5000)
        sig = watch.capture(step_id="open_reset_link_new_password", step="Ouvrir le lien", since=since)
    finally:
        browser.close()
    assert str(seen.value) == ("expected the heading « Mot de passe modifié »; the page shows « Nouveau mot de "
                               "passe » with the alert « La vérification de sécurité de votre navigateur a échoué. »")
    assert (sig.status, sig.path, sig.heading) == (422, "/reinitialisation/…", "Nouveau mot de passe")
    assert sig.alerts == ("La vérification de sécurité de votre navigateur a échoué.",), "hidden alerts are not shown"
    assert len(sig.js_errors) == 1 and sig.js_errors[0].startswith("TypeError"), sig.js_errors
    assert any(r.startswith("GET /manquante.png: 404") for r in sig.failed_requests), sig.failed_requests
    # "page 200" was logged before the step began: left out; the 422 page's own log is in.
    assert [c for c in sig.console_errors if c.startswith("page ")] == ["page 422"], sig.console_errors
