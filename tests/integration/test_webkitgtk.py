"""Debian's WebKitGTK on the inspector route, with real processes: Xvfb, MiniBrowser, Playwright.

Covers the route's parts and its faults: MiniBrowser missing, no display and no Xvfb, an inspector
port that never answers, a browser that dies mid-journey, a test run that is SIGKILLed (nothing
may stay behind), and that the TCP_NODELAY shim reaches MiniBrowser only, not the processes that
talk to the target. Every wait is bounded; none of these may hang.
"""
from __future__ import annotations

import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.waiting import alive, wait_for

from fixtures.core.outcomes import Outcome, ProbeError, ServiceStartError, classify
from fixtures.engines import resolve as engines
from fixtures.engines import webkit_nodelay, webkitgtk, xvfb

MINIBROWSER = webkitgtk.find_minibrowser()
needs_webkitgtk = pytest.mark.skipif(not (MINIBROWSER and xvfb.find_xvfb()),
                                     reason=f"needs WebKitGTK's MiniBrowser and Xvfb ({webkitgtk.WEBKITGTK_INSTALL_HINT})")
ROOT = Path(__file__).resolve().parents[2]


def fake_executable(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A two-page site on a loopback port (stdlib server in a thread)."""
    root = tmp_path / "site"
    (root / "espace").mkdir(parents=True)
    (root / "index.html").write_text("<title>Accueil</title><h1>Accueil</h1><a href='/espace/page.html'>Suite</a>")
    (root / "espace" / "page.html").write_text("<title>Suite</title><h1>Suite</h1>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[webkitgtk.WebKitGTKLauncher]:
    assert MINIBROWSER
    launch = webkitgtk.WebKitGTKLauncher(MINIBROWSER, tmp_path / "wk", user_display=None,
                                         preload=webkit_nodelay.ensure_shim().path)
    yield launch
    launch.close()


# --------------------------------------------------------------------------- pure parts


# --------------------------------------------------------------------------- resolution and faults


def test_minibrowser_is_the_webkit_engine_here_on_the_inspector_route() -> None:
    if not MINIBROWSER:
        pytest.skip("no WebKitGTK MiniBrowser here")
    engine = engines.resolve_engine("webkit", playwright_browser_type_paths={"webkit": None}, env={})
    assert engine.available and engine.route == "inspector" and engine.executable_path == MINIBROWSER
    assert "WebKitGTK" in engine.description and "remote inspector" in engine.description
    assert "one browser per journey" in engine.description
    with pytest.raises(ValueError, match="inspector route"):
        engine.launch_options()


def test_xvfb_that_exits_at_once_is_a_probe_error_with_its_log(tmp_path: Path) -> None:
    broken = fake_executable(tmp_path / "Xvfb", "echo 'Fatal server error: no screens'; exit 1")
    started = time.monotonic()
    with pytest.raises(ProbeError, match="(?s)Xvfb exited with code 1.*no screens") as caught:
        xvfb.start_xvfb(tmp_path, binary=broken)
    assert caught.value.failure_class == "display_failed" and caught.value.outcome is Outcome.PROBE_ERROR
    assert time.monotonic() - started < 10


def test_an_inspector_port_that_never_answers_is_a_bounded_probe_error(tmp_path: Path) -> None:
    silent = fake_executable(tmp_path / "MiniBrowser", "exec sleep 600")
    started = time.monotonic()
    with pytest.raises(ServiceStartError, match="not ready after 1 s") as caught:
        webkitgtk.start_minibrowser(tmp_path, display=":0", executable=silent, timeout=1)
    assert classify(caught.value).outcome is Outcome.PROBE_ERROR
    assert time.monotonic() - started < 20  # three attempts of one second, each process stopped
    assert "sleep 600" not in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout


def test_a_minibrowser_that_exits_at_start_is_a_probe_error_with_its_log(tmp_path: Path) -> None:
    crashing = fake_executable(tmp_path / "MiniBrowser", "echo 'cannot open display: :0'; exit 1")
    with pytest.raises(ServiceStartError, match="(?s)exited with code 1.*cannot open display"):
        webkitgtk.start_minibrowser(tmp_path, display=":0", executable=crashing)


# --------------------------------------------------------------------------- real WebKitGTK


@needs_webkitgtk
def test_xvfb_announces_its_display_and_stops(tmp_path: Path) -> None:
    display = xvfb.start_xvfb(tmp_path)
    try:
        assert display.display.startswith(":") and display.process.alive()
    finally:
        display.stop()
    assert not display.process.alive()


@needs_webkitgtk
@pytest.mark.integration
def test_a_fresh_minibrowser_is_a_playwright_page_with_relative_urls(playwright, launcher, site: str) -> None:
    from playwright.sync_api import expect

    browser = launcher.launch(playwright)
    context = webkitgtk.open_context(browser, {"base_url": site + "/espace/", "extra_http_headers": {"X-Probe": "1"}})
    page = context.pages[0]
    page.goto("/index.html")  # root-relative, as the page objects write them
    assert page.url == site + "/index.html"
    page.get_by_role("link", name="Suite").click()
    expect(page.get_by_role("heading", name="Suite")).to_be_visible()
    page.go_back()  # needs --enable-page-cache=false to report its load
    expect(page).to_have_url(site + "/index.html")
    minibrowser = launcher.minibrowser(browser)
    assert minibrowser is not None
    launcher.release(browser)
    wait_for(lambda: not minibrowser.alive(), 10, "MiniBrowser to stop")


@needs_webkitgtk
@pytest.mark.integration
def test_the_nodelay_shim_reaches_minibrowser_only(playwright, launcher) -> None:
    shim = webkit_nodelay.ensure_shim()
    if shim.path is None:
        pytest.skip(shim.problem or "no shim")
    browser = launcher.launch(playwright)
    pid = launcher.minibrowser(browser).process.popen.pid
    assert str(shim.path) in Path(f"/proc/{pid}/maps").read_text()
    children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    assert children, "MiniBrowser started no web or network process"
    for child in children:  # they talk to the target: their sockets keep WebKit's own settings
        assert b"LD_PRELOAD=" not in Path(f"/proc/{child}/environ").read_bytes()
        assert str(shim.path) not in Path(f"/proc/{child}/maps").read_text()


@needs_webkitgtk
@pytest.mark.integration
def test_minibrowser_killed_mid_journey_is_a_browser_crash_not_a_hang(playwright, launcher, site: str) -> None:
    browser = launcher.launch(playwright)
    page = webkitgtk.open_context(browser, {"base_url": site}).pages[0]
    page.goto("/index.html")
    minibrowser = launcher.minibrowser(browser)
    minibrowser.process.kill()
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        page.get_by_role("link", name="Suite").click(timeout=15_000)
    assert time.monotonic() - started < 15
    assert (classify(caught.value).outcome, classify(caught.value).failure_class) == (Outcome.PROBE_ERROR,
                                                                                      "browser_crashed"), caught.value
    # The /json list now says what is wrong instead of hanging.
    import httpx

    answer = httpx.get(minibrowser.endpoint_url + "/json", timeout=10)
    assert answer.status_code == 502 and "WebKit inspector" in answer.json()["error"]


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from playwright.sync_api import sync_playwright
    from fixtures.engines import webkitgtk
    launcher = webkitgtk.WebKitGTKLauncher(sys.argv[1], Path(sys.argv[2]), user_display=None)
    with sync_playwright() as p:
        browser = launcher.launch(p)
        print(launcher.minibrowser(browser).process.popen.pid, launcher._xvfb.process.popen.pid, flush=True)
        time.sleep(600)
""")


@needs_webkitgtk
@pytest.mark.integration
def test_a_sigkilled_run_leaves_no_minibrowser_or_xvfb_behind(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(MINIBROWSER), str(tmp_path)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 90)  # bounded: the child prints once started
        line = child.stdout.readline() if ready else ""
        assert line, "the child did not start its MiniBrowser within 90 s"
        minibrowser, xvfb_pid = (int(x) for x in line.split())
        assert alive(minibrowser) and alive(xvfb_pid)
        child.send_signal(signal.SIGKILL)  # no handler, no fixture teardown runs
        child.wait(timeout=10)
        wait_for(lambda: not alive(minibrowser) and not alive(xvfb_pid), 15, "MiniBrowser and Xvfb to die with the run")
    finally:
        if child.poll() is None:
            child.kill()
