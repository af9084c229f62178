"""Debian's WebKitGTK on the inspector route, without starting it: the inspector's HTML listing
turned into the JSON Playwright asks for, context options the route cannot honour refused by name,
and which of WebKitGTK or Playwright's build is chosen or unavailable. With real Xvfb and
MiniBrowser processes: tests/integration/test_webkitgtk.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.core.outcomes import EngineUnavailable, Outcome
from fixtures.engines import resolve as engines
from fixtures.engines import webkitgtk, xvfb


def fake_executable(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


# --------------------------------------------------------------------------- pure parts


LISTING = ('<html><body><h1>Inspectable targets</h1><div id=\'targetlist\'><table><tbody><tr><td class="data">'
           '<div class="targetname">Accueil &amp; suite</div><div class="targeturl">http://x/?a=1&amp;b=2</div></td>'
           '<td class="input"><input type="button" value="Inspect" onclick="window.open(\'Main.html?ws=\' + '
           'window.location.host + \'/socket/1/1/WebPage\', \'_blank\')"></td></tr></tbody></table></div></body></html>')


def test_the_html_listing_becomes_ios_webkit_debug_proxy_json() -> None:
    targets = webkitgtk.parse_target_list(LISTING)
    assert [(t.id, t.title, t.url, t.kind) for t in targets] == [("1-1", "Accueil & suite", "http://x/?a=1&b=2", "WebPage")]
    assert webkitgtk.json_listing(targets, 4242) == [{
        "id": "1-1", "type": "page", "title": "Accueil & suite", "url": "http://x/?a=1&b=2",
        "webSocketDebuggerUrl": "ws://127.0.0.1:4242/socket/1/1/WebPage"}]
    assert webkitgtk.parse_target_list("<h1>Inspectable targets</h1>") == []


def test_context_options_the_route_cannot_honour_are_refused_by_name() -> None:
    with pytest.raises(EngineUnavailable) as caught:
        webkitgtk.open_context(object(), {"base_url": "http://x", "viewport": {"width": 1, "height": 1},
                                          "locale": "fr-FR", "user_agent": None})
    assert caught.value.outcome is Outcome.UNAVAILABLE
    assert "locale, viewport" in str(caught.value) and "base_url" not in str(caught.value).split("option(s)")[1]


# --------------------------------------------------------------------------- resolution and faults


def test_a_playwright_webkit_build_is_preferred_over_webkitgtk(tmp_path: Path) -> None:
    fake = tmp_path / "ms-playwright" / "webkit-2370" / "pw_run.sh"
    fake.parent.mkdir(parents=True)
    fake_executable(fake, "exit 0")
    engine = engines.resolve_engine("webkit", playwright_browser_type_paths={"webkit": str(fake)}, env={})
    assert engine.route == "launch" and engine.build == "playwright"


def test_minibrowser_missing_is_unavailable_with_the_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    monkeypatch.setattr(webkitgtk, "MINIBROWSER_CANDIDATES", (str(tmp_path / "nowhere" / "MiniBrowser"),))
    engine = engines.resolve_engine("webkit", playwright_browser_type_paths={"webkit": None}, env={})
    assert not engine.available and engine.reason is not None and engine.install_hint is not None
    assert "no WebKitGTK MiniBrowser" in engine.reason
    assert "apt-get install libwebkit2gtk-4.1-0" in engine.install_hint
    with pytest.raises(EngineUnavailable, match="apt-get install libwebkit2gtk-4.1-0"):
        webkitgtk.start_minibrowser(tmp_path, display=None)


def test_no_display_and_no_xvfb_is_unavailable_with_the_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no Xvfb on it
    fake = fake_executable(tmp_path / "MiniBrowser", "exit 0")
    engine = engines.resolve_engine("webkit", env={"SENTINEL_WEBKIT_EXECUTABLE": fake})
    assert not engine.available and engine.reason is not None
    assert "DISPLAY is not set and Xvfb is not installed" in engine.reason
    assert engine.install_hint == xvfb.XVFB_INSTALL_HINT
    with pytest.raises(EngineUnavailable, match="apt-get install xvfb") as caught:
        webkitgtk.WebKitGTKLauncher(fake, tmp_path, user_display=None).display()
    assert caught.value.outcome is Outcome.UNAVAILABLE


# --------------------------------------------------------------------------- real WebKitGTK


