"""The public status page (issue 33) rendered in the three engines, from stores of the synthetic history.

Five stores (``support.status_stores``): a WebKit incident, a stale store, a target outage, mail in
spam, a monitor blocked by a bot defence — each rendered by the real command (``python -m monitor status-page --out DIR``) and served
from its folder on loopback. In Chromium, Firefox and WebKit (WebKitGTK on its inspector route) each
page must: show the scenario's words per browser; pass axe-core's WCAG 2.0/2.1 A and AA rules with 0
violations (``node_modules/axe-core/axe.min.js``, installed by scripts/setup.sh from npm, injected at
run time); be walked by the keyboard in reading order with a visible focus; keep its headings in
the order they are read. Chromium and Firefox also read it with JavaScript off. The Nu Html Checker
(``vnu.jar`` from npm, needs java) validates the HTML and the badges. ``monitor serve`` answers the
same page at ``/status/`` with its cache headers.
"""
from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.status_stores import STALE_BY, build

from fixtures.engines.resolve import resolve_engine
from fixtures.engines.webkit_nodelay import ensure_shim
from fixtures.engines.webkitgtk import WebKitGTKLauncher, open_context
from fixtures.services.ports import free_port

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=150)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BROWSERS = ("firefox", "chromium", "webkit")
#: What each scenario must show, per browser card (the words of monitor.status.decide), and a notice.
EXPECTED = {
    "webkit_incident": ({"Firefox": "fonctionne", "Chrome / Edge": "fonctionne", "Safari": "ne fonctionne pas"}, None),  # 15 %: the incident state
    "stale": (dict.fromkeys(("Firefox", "Chrome / Edge", "Safari"), "état inconnu"), "ne sont plus à jour"),
    "target_outage": (dict.fromkeys(("Firefox", "Chrome / Edge", "Safari"), "ne fonctionne pas"),
                      "le problème vient du site lui-même"),
    "mail_in_spam": (dict.fromkeys(("Firefox", "Chrome / Edge", "Safari"), "fonctionne"), None),
    # the monitor refused by a bot defence (failure class blocked): it cannot see, no browser fails
    "blocked": (dict.fromkeys(("Firefox", "Chrome / Edge", "Safari"), "état inconnu"), "Le moniteur est actuellement bloqué"),
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def config(folder: Path, db: Path, port: int = 9464) -> Path:
    path = folder / f"{db.stem}.toml"
    path.write_text(f'[run]\nbrowsers = {json.dumps(list(BROWSERS))}\n[store]\npath = "{db}"\n'
                    f'[exporter]\nlisten = "127.0.0.1:{port}"\n')
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, folder): each scenario's page written by the command into <folder>/<scenario>/, served."""
    folder = tmp_path_factory.mktemp("status-page")
    now = time.time()
    for scenario in EXPECTED:
        # stale: a quiet store whose last cycle ended three hours before the page is written
        db, _ = build(folder, "calm", now - STALE_BY) if scenario == "stale" else build(folder, scenario, now)
        db = db.rename(folder / f"{scenario}.db") if scenario == "stale" else db
        done = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config(folder, db)), "status-page",
                               "--out", str(folder / "site" / scenario)], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    if AXE.exists():  # served beside the pages: WebKitGTK's inspector closes the page on a 650 kB script sent inline
        shutil.copyfile(AXE, folder / "site" / AXE.name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module", params=BROWSERS)
def open_page(request: pytest.FixtureRequest, playwright: Any,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    """A function giving a fresh page of the engine (WebKitGTK: the one page of a MiniBrowser attached)."""
    engine = resolve_engine(request.param)
    if not engine.available:
        pytest.skip(f"{engine.name} unavailable: {engine.reason}")
    if engine.route == "inspector":
        assert engine.executable_path is not None
        launcher = WebKitGTKLauncher(engine.executable_path, tmp_path_factory.mktemp("webkitgtk"),
                                     user_display=engine.display, preload=ensure_shim().path)
        browser = launcher.launch(playwright)
        yield lambda **options: open_context(browser, options).pages[0]
        launcher.close()
        return
    browser = getattr(playwright, engine.name).launch(**engine.launch_options())
    contexts: list[Any] = []

    def fresh(**options: Any) -> Any:
        contexts.append(browser.new_context(**options))
        return contexts[-1].new_page()

    yield fresh
    browser.close()


def axe_violations(page: Any) -> list[dict]:
    page.add_script_tag(url=f"/{AXE.name}")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                           AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:200] for n in v["nodes"]]}
            for v in result["violations"]]


def cards(page: Any) -> dict[str, str]:
    """{browser's name: its state's words} as shown, read through the accessibility tree (heading, then text)."""
    out = {}
    for item in page.locator("ul.cards > li").all():
        name = item.get_by_role("heading", level=3).inner_text().split(" (")[0].strip()
        out[name] = item.locator(".state").inner_text().split(" ", 1)[1].strip()
    return out


@pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core missing: run make setup (needs npm)")
@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_each_page_says_its_scenario_and_passes_axe(open_page: Callable[..., Any], pages: tuple[str, Path],
                                                   scenario: str) -> None:
    base, _ = pages
    page = open_page()
    page.goto(f"{base}/{scenario}/")
    words, notice = EXPECTED[scenario]
    assert cards(page) == words
    if notice:
        assert notice in page.get_by_role("region", name="Avis importants").inner_text()
    if scenario == "mail_in_spam":
        mail = page.get_by_role("region", name="Le courriel de récupération").inner_text()
        assert re.search(r"\d+\s%.*courriers indésirables", mail), mail
    if scenario == "webkit_incident":
        safari = page.locator("ul.cards > li", has=page.get_by_role("heading", name=re.compile("^Safari")))
        assert "WebKitGTK" in safari.inner_text() and "non avec Safari lui-même" in safari.inner_text()
        assert "Safari : ne fonctionne pas" in page.get_by_role("region", name="Incidents en cours").inner_text()
    assert axe_violations(page) == []


@pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core missing: run make setup (needs npm)")
def test_axe_finds_what_it_should_in_this_engine(open_page: Callable[..., Any], pages: tuple[str, Path]) -> None:
    """Test the test: the same injection flags a page made inaccessible on purpose (contrast, lang, alt)."""
    page = open_page()
    base, _ = pages
    page.goto(f"{base}/webkit_incident/")
    page.evaluate("""() => { document.documentElement.removeAttribute('lang');
        document.querySelector('.state').style.color = '#bbb';
        document.body.insertAdjacentHTML('beforeend', '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'); }""")
    assert {"html-has-lang", "color-contrast", "image-alt"} <= {v["id"] for v in axe_violations(page)}


def test_keyboard_walks_the_links_in_reading_order_with_a_visible_focus(open_page: Callable[..., Any],
                                                                        pages: tuple[str, Path],
                                                                        request: pytest.FixtureRequest) -> None:
    """Tab reaches every link in the document's order, each with a visible outline. On WebKitGTK's inspector
    route a key sent to the page moves no focus at all (not even to a text field: measured), so there the
    link is focused by script and only its outline and the headings' order are checked."""
    base, _ = pages
    by_keyboard = request.node.callspec.params["open_page"] != "webkit"
    page = open_page()
    page.goto(f"{base}/target_outage/")
    links = page.evaluate("() => [...document.querySelectorAll('a[href], button, input, select, textarea')]"
                          ".map(e => e.getAttribute('href'))")
    assert links == ["status.json"]
    page.locator("body").click(position={"x": 1, "y": 1})
    seen = []
    for href in links:
        if by_keyboard:
            page.keyboard.press("Tab")
        else:
            page.locator(f'a[href="{href}"]').focus()
        seen.append(page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return [e.getAttribute('href'), s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0]; }"""))
    assert seen == [["status.json", True]]
    tops = page.evaluate("() => [...document.querySelectorAll('h1, h2, h3')].map(h => h.getBoundingClientRect().top)")
    assert tops == sorted(tops) and len(tops) >= 7  # read top to bottom, in the order of the document


@pytest.mark.parametrize("scenario", ["target_outage"])
def test_readable_without_javascript(open_page: Callable[..., Any], pages: tuple[str, Path], scenario: str,
                                     request: pytest.FixtureRequest) -> None:
    base, folder = pages
    assert "<script" not in (folder / "site" / scenario / "index.html").read_text(encoding="utf-8")
    if request.node.callspec.params["open_page"] == "webkit":
        pytest.skip("the WebKitGTK inspector route cannot switch JavaScript off; the page holds no script (above)")
    page = open_page(java_script_enabled=False)
    page.goto(f"{base}/{scenario}/")
    assert cards(page) == EXPECTED[scenario][0]


def test_the_nu_html_checker_finds_no_error(pages: tuple[str, Path]) -> None:
    """Valid HTML and SVG by the W3C's checker (not only a parse): vnu.jar from npm, run with java."""
    if not VNU.exists() or not shutil.which("java"):
        pytest.skip("vnu.jar (npm, make setup) or java missing; the unit tier's strict parse still runs")
    _, folder = pages
    pages_and_badges = sorted((folder / "site").glob("*/*.html")) + sorted((folder / "site").glob("*/*.svg"))
    done = subprocess.run(["java", "-jar", str(VNU), "--also-check-svg", "--format", "json",
                           *map(str, pages_and_badges)], capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    assert [m for m in messages if m.get("type") != "info" or m.get("subType") == "warning"] == [], messages
    assert done.returncode == 0 and len(pages_and_badges) == len(EXPECTED) * 4
    broken = folder / "broken.html"
    broken.write_text('<!DOCTYPE html><html lang="fr"><head><title>x</title></head><body><p><div></p></body></html>')
    assert subprocess.run(["java", "-jar", str(VNU), str(broken)], capture_output=True, timeout=300).returncode != 0


def test_the_page_is_light(pages: tuple[str, Path]) -> None:
    _, folder = pages
    for scenario in EXPECTED:
        sizes = {p.name: p.stat().st_size for p in (folder / "site" / scenario).iterdir()}
        assert sum(sizes.values()) < 40_000, sizes  # « a few tens of kB » at most, everything included


def test_serve_answers_the_page_at_status_with_cache_headers(pages: tuple[str, Path]) -> None:
    _, folder = pages
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "monitor", "--config",
                              str(config(folder, folder / "webkit_incident.db", port)), "serve"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=30) as http:
            for _ in range(200):  # until it listens (its log says so, but the port answering is the event)
                try:
                    first = http.get(f"{url}/status")
                    break
                except httpx.ConnectError:
                    assert serve.poll() is None, serve.stderr.read() if serve.stderr else ""
                    time.sleep(0.05)
            assert first.status_code == 308 and first.headers["location"] == "/status/"
            page = http.get(f"{url}/status/")
            assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
            assert page.headers["cache-control"] == "public, max-age=60" and page.headers["etag"]
            assert "Safari" in page.text and "ne fonctionne pas" in page.text
            again = http.get(f"{url}/status/", headers={"If-None-Match": page.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
            doc = http.get(f"{url}/status/status.json")
            assert doc.headers["access-control-allow-origin"] == "*"
            assert [b["state"] for b in doc.json()["browsers"]] == ["ok", "ok", "down"]
            badge = http.get(f"{url}/status/badge-webkit.svg")
            assert badge.headers["content-type"] == "image/svg+xml" and "Safari : ne fonctionne pas".encode() in badge.content
            assert http.get(f"{url}/status/../monitor.db").status_code == 404
            assert http.get(f"{url}/status/nothing.css").status_code == 404
    finally:
        serve.terminate()
        serve.wait(timeout=30)
