"""Secrets stay out of real artifacts: a real Playwright trace, then masked screenshots in a browser.

The real-trace test first proves that a raw Playwright trace *does* hold the typed password,
the identifier and the mailed token (so it would fail if scrubbing did nothing), then that
no known form of any of them is left in any member after ``scrub_trace``. The scrubber's logic
without a browser: tests/unit/test_secret_scrubbing.py.
"""
from __future__ import annotations

import html
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote_plus

import pytest
from PIL import Image
from support.secret_samples import BROWSER_FORM_PASSWORD, IDENTIFIER, PASSWORD, TOKEN, registry

from fixtures.engines.resolve import resolve_engine
from fixtures.secrets.capture import FULL_PAGE_CAP, masked_screenshot, start_tracing, stop_tracing
from fixtures.secrets.registry import MASK, SecretRegistry
from fixtures.secrets.scrubber import scrub_trace

# --------------------------------------------------------------------------- registry and variants


# --------------------------------------------------------------------------- files and zips


# --------------------------------------------------------------------------- real browsers


class FormSite(BaseHTTPRequestHandler):
    """Home with a login form and a reset link carrying the token; POST echoes the identifier."""

    posted: list[bytes] = []

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, body: str, status: int = 200) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/":
            self._send(
                "<!doctype html><title>Accueil</title><form method=post action=/connexion>"
                "<label>Identifiant <input name=identifiant></label>"
                "<label>Mot de passe <input type=password name=mot_de_passe></label>"
                "<button>Se connecter</button></form>"
            )
        elif self.path.startswith("/reinitialisation/"):
            token = self.path.rsplit("/", 1)[1]
            self._send(
                f"<!doctype html><title>Nouveau mot de passe</title><h1>Nouveau mot de passe</h1>"
                f"<form method=post action=/reinitialisation/{token}><input type=password name=p></form>"
            )
        else:
            self._send("<title>404</title>", 404)

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        FormSite.posted.append(body)
        identifiant = parse_qs(body.decode()).get("identifiant", [""])[0]
        self._send(
            f"<!doctype html><title>Connexion</title><div role=alert>Identifiant ou mot de passe incorrect.</div>"
            f'<input name=identifiant value="{html.escape(identifiant)}">'
            f'<a href="/reinitialisation/{TOKEN}">Réinitialiser mon mot de passe</a>'
        )


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FormSite)  # port 0: the kernel picks a free one
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module", params=["chromium", "firefox"])
def engine_browser(request: pytest.FixtureRequest, playwright) -> Iterator[tuple[str, object]]:
    """One browser per engine for this module, launched from the resolved engine."""
    engine = resolve_engine(request.param)
    if not engine.available:
        pytest.skip(f"{engine.name} unavailable: {engine.reason} (install: {engine.install_hint})")
    browser = getattr(playwright, engine.name).launch(**engine.launch_options())
    yield engine.name, browser
    browser.close()


@pytest.mark.integration
def test_real_trace_holds_the_secrets_and_scrub_trace_removes_every_form(
    engine_browser, site: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    name, browser = engine_browser
    link = f"{site}/reinitialisation/{TOKEN}"
    secrets = registry(PASSWORD, IDENTIFIER, link)
    FormSite.posted.clear()
    context = browser.new_context()
    try:
        start_tracing(context)
        page = context.new_page()
        page.goto(site + "/")
        page.get_by_label("Identifiant").fill(IDENTIFIER)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/connexion")):
            page.get_by_role("button", name="Se connecter").click()
        expect(page).to_have_title("Connexion")
        page.get_by_role("link", name="Réinitialiser mon mot de passe").click()
        expect(page.get_by_role("heading", name="Nouveau mot de passe")).to_be_visible()
        assert page.url == link
        raw = tmp_path / "raw.zip"
        context.tracing.stop(path=str(raw))
    finally:
        context.close()

    # The browser posted the form encoding that quote_plus does not produce.
    assert FormSite.posted == [f"identifiant={IDENTIFIER}&mot_de_passe={BROWSER_FORM_PASSWORD}".encode()]

    # Before: the raw trace holds them all (so this test fails if scrubbing does nothing).
    with zipfile.ZipFile(raw) as z:
        before = {n: z.read(n) for n in z.namelist()}
    everything = b"\n".join(before.values())
    assert IDENTIFIER.encode() in everything
    assert TOKEN.encode() in everything and link.encode() in everything
    assert json.dumps(PASSWORD, ensure_ascii=False)[1:-1].encode() in before["trace.trace"]  # fill params
    if name == "chromium":  # Chromium's trace also keeps the POST body as a resource
        assert any(BROWSER_FORM_PASSWORD.encode() in data for n, data in before.items() if n.startswith("resources/"))

    scrubbed = tmp_path / "trace.zip"
    shutil.copyfile(raw, scrubbed)
    count = scrub_trace(scrubbed, secrets)
    assert count >= 4

    # After: no form of any secret in any member, and the trace is still well formed.
    all_variants = {v for value in (PASSWORD, IDENTIFIER, TOKEN, link) for v in SecretRegistry.variants(value)}
    # Spelled out here too, so the test does not only trust variants() (the code under test).
    all_variants |= {
        s.encode()
        for s in (PASSWORD, IDENTIFIER, TOKEN, link, BROWSER_FORM_PASSWORD, quote_plus(PASSWORD),
                  json.dumps(PASSWORD)[1:-1], json.dumps(PASSWORD, ensure_ascii=False)[1:-1], html.escape(PASSWORD))
    }
    with zipfile.ZipFile(scrubbed) as z:
        assert z.testzip() is None
        after = {n: z.read(n) for n in z.namelist()}
    assert set(before) - set(after) <= {n for n in before if n.startswith("resources/")}
    for member, data in after.items():
        for variant in all_variants:
            assert variant not in data, f"{member} still holds a form of a secret"
            assert variant not in member.encode()
    for member in ("trace.trace", "trace.network"):
        for line in after[member].splitlines():
            json.loads(line)
    for line in after["trace.network"].splitlines():
        entry = json.loads(line)
        snapshot = entry.get("snapshot", {})
        for file_ref in (
            snapshot.get("request", {}).get("postData", {}).get("_file"),
            snapshot.get("response", {}).get("content", {}).get("_file"),
        ):
            assert file_ref is None or file_ref in after, f"dangling resource reference {file_ref}"
    assert MASK.encode() in after["trace.trace"]


@pytest.mark.integration
def test_masked_screenshot_paints_password_and_given_locators_black(
    engine_browser, tmp_path: Path
) -> None:
    _, browser = engine_browser
    context = browser.new_context(viewport={"width": 400, "height": 300})
    try:
        start_tracing(context)
        page = context.new_page()
        page.set_content(
            "<!doctype html><body style='margin:0;background:#fff'>"
            "<input type=password id=pw style='position:absolute;left:10px;top:10px;width:200px;height:30px;"
            "background:#f00;border:0'>"
            f"<div id=ident style='position:absolute;left:10px;top:80px;width:200px;height:30px;"
            f"background:#0f0'>{IDENTIFIER}</div>"
            "<div id=plain style='position:absolute;left:10px;top:150px;width:200px;height:30px;"
            "background:#00f'>visible</div>"
            f"<div id=deep style='position:absolute;left:10px;top:900px;width:200px;height:30px;"
            f"background:#0f0'>{IDENTIFIER}</div>"
            "</body>"
        )
        page.locator("#pw").fill(PASSWORD)
        shot = tmp_path / "shots" / "masked.png"
        masked_screenshot(page, shot, [page.locator("#ident"), page.locator("#deep")])
        boxes = {sel: page.locator(sel).bounding_box() for sel in ("#pw", "#ident", "#plain", "#deep")}
        trace = tmp_path / "trace.zip"
        count = stop_tracing(context, trace, registry(PASSWORD, IDENTIFIER))
    finally:
        context.close()

    image = Image.open(shot).convert("RGB")
    assert image.height >= 930  # full page, below the 300 px viewport

    def pixels(box: dict[str, float]) -> set[float | tuple[int, ...] | None]:
        inner = (int(box["x"]) + 2, int(box["y"]) + 2, int(box["x"] + box["width"]) - 2, int(box["y"] + box["height"]) - 2)
        return {image.getpixel((x, y)) for x in range(inner[0], inner[2]) for y in range(inner[1], inner[3])}

    for selector in ("#pw", "#ident", "#deep"):
        assert pixels(boxes[selector]) == {(0, 0, 0)}, f"{selector} is not fully masked"
    assert (0, 0, 255) in pixels(boxes["#plain"])  # the rest of the page is really there

    # The helper traced without screencast frames and scrubbed what the fill put in the trace.
    assert count >= 1
    with zipfile.ZipFile(trace) as z:
        for member in z.namelist():
            data = z.read(member)
            assert not data.startswith(b"\xff\xd8\xff"), f"{member}: a screencast frame in the trace"
            for value in (PASSWORD, IDENTIFIER):
                for variant in SecretRegistry.variants(value):
                    assert variant not in data


@pytest.mark.integration
def test_masked_screenshot_still_captures_a_page_the_engine_cannot_measure(engine_browser, tmp_path: Path) -> None:
    """No doctype and only absolute content: Firefox over BiDi measures 0 px and refuses a
    full-page capture; the viewport is captured instead, still masked."""
    _, browser = engine_browser
    page = browser.new_page(viewport={"width": 300, "height": 200})
    try:
        page.set_content(
            "<body style='margin:0;background:#fff'><input type=password id=pw "
            "style='position:absolute;left:10px;top:10px;width:150px;height:30px;background:#f00;border:0'></body>"
        )
        page.locator("#pw").fill(PASSWORD)
        shot = tmp_path / "quirks.png"
        masked_screenshot(page, shot, [])
        box = page.locator("#pw").bounding_box()
    finally:
        page.close()
    image = Image.open(shot).convert("RGB")
    inner = {image.getpixel((x, y)) for x in range(int(box["x"]) + 2, int(box["x"] + box["width"]) - 2)
             for y in range(int(box["y"]) + 2, int(box["y"] + box["height"]) - 2)}
    assert inner == {(0, 0, 0)}


@pytest.mark.integration
def test_masked_screenshot_of_a_page_wider_than_any_capture_keeps_its_full_height_up_to_the_cap(
        engine_browser, tmp_path: Path) -> None:
    """A hostile unbroken word makes a page 2 000 000 px wide: the full-page capture is clipped to
    ``FULL_PAGE_CAP`` (a page of 3 000 px height is kept whole in height), not refused after seconds
    of work and replaced by the viewport."""
    _, browser = engine_browser
    page = browser.new_page(viewport={"width": 300, "height": 200})
    try:
        page.set_content("<!doctype html><body style='margin:0'><div style='width:2000000px;height:3000px;"
                         "background:#00f'></div><input type=password id=pw style='position:absolute;left:10px;"
                         "top:2500px;width:150px;height:30px;background:#f00;border:0'></body>")
        page.locator("#pw").fill(PASSWORD)
        shot = tmp_path / "wide.png"
        masked_screenshot(page, shot, [])
    finally:
        page.close()
    image = Image.open(shot).convert("RGB")
    assert image.size == (FULL_PAGE_CAP["width"], 3000), image.size
    field = {image.getpixel((x, y)) for x in range(12, 158) for y in range(2502, 2528)}  # in page coordinates
    assert field == {(0, 0, 0)}, "the password field, far below the viewport, is masked"
    assert image.getpixel((FULL_PAGE_CAP["width"] - 1, 10)) == (0, 0, 255)  # the page is there, to the cap
