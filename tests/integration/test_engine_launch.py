"""Engine resolution through the real Playwright driver, and that the resolved engine really launches.

The ones describing *this* machine (system Chromium, firefox-esr over BiDi, no WebKit) skip where
Playwright's own builds are installed. The resolution rules alone: tests/unit/test_engine_resolution.py.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.fake_browsers import NO_PLAYWRIGHT_BUILDS, make_executable

from fixtures.engines import resolve as engines
from fixtures.engines.resolve import (
    CHROMIUM_ARGS,
    ENGINE_NAMES,
    FIREFOX_BIDI_CHANNEL,
    Engine,
    check_launch,
    resolve_all,
    resolve_engine,
)

# --------------------------------------------------------------------------- this machine


def test_resolution_asks_the_driver_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolution runs per worker and per ``--check-engines``: the driver and the ``--version``
    calls happen once, then the cache answers (counted, not timed: timings belong to bench/)."""
    engines.clear_caches()
    first = resolve_all(env={})

    started: list[str] = []

    def no_process(*args, **kwargs):
        started.append(repr(args[:1]))
        raise AssertionError("a cached resolution must not start a process")

    monkeypatch.setattr(engines.subprocess, "run", no_process)  # the --version calls
    monkeypatch.setattr("playwright.sync_api.sync_playwright", no_process)  # the driver
    second = resolve_all(env={})
    assert started == []
    assert list(first) == list(ENGINE_NAMES)
    assert first == second


def test_resolution_works_inside_a_running_sync_playwright(playwright) -> None:
    """pytest-playwright's session fixture keeps a sync Playwright alive in the main thread;
    a second ``sync_playwright().start()`` there would raise, so resolution must not do that."""
    engines.clear_caches()
    paths = engines.playwright_build_paths()
    assert set(paths) == set(ENGINE_NAMES)
    assert all(path for path in paths.values()), paths


# --------------------------------------------------------------------------- order of resolution


def test_a_missing_playwright_build_falls_back_to_the_system_browser(tmp_path: Path) -> None:
    if engines._find_system("chromium") is None:
        pytest.skip("no system Chromium on this machine")
    engine = resolve_engine(
        "chromium", playwright_browser_type_paths={"chromium": str(tmp_path / "absent" / "chrome")}, env={}
    )
    assert engine.build == "system"


def test_a_system_chromium_runs_headless_on_the_headless_shell_when_installed(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    chromium = make_executable(tmp_path / "usr" / "bin" / "chromium")
    shell = make_executable(tmp_path / "usr" / "bin" / "chromium-headless-shell")
    monkeypatch.setitem(engines.SYSTEM_CANDIDATES, "chromium", (str(chromium),))
    monkeypatch.setattr(engines, "HEADLESS_SHELL_CANDIDATES", (str(shell),))
    engine = resolve_engine("chromium", playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS, env={})
    assert engine.executable_path == str(chromium) and engine.headless_executable_path == str(shell)
    assert engine.launch_options()["executable_path"] == str(shell)
    assert engine.launch_options(headless=False)["executable_path"] == str(chromium), "--headed needs the full browser"
    assert f"headless: system chromium-headless-shell 1.2.3 ({shell})" in engine.description

    mine = resolve_engine("chromium", playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS,
                          env={"SENTINEL_CHROMIUM_EXECUTABLE": str(chromium)})
    assert mine.headless_executable_path is None, "an explicit binary is used as given"

    monkeypatch.setattr(engines, "HEADLESS_SHELL_CANDIDATES", (str(tmp_path / "absent"),))
    without = resolve_engine("chromium", playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS, env={})
    assert without.headless_executable_path is None
    assert without.launch_options()["executable_path"] == str(chromium)


# --------------------------------------------------------------------------- env override


def test_env_override_wins_over_a_playwright_build(tmp_path: Path) -> None:
    build = make_executable(tmp_path / "ms-playwright" / "chromium-9999" / "chrome-linux64" / "chrome")
    mine = make_executable(tmp_path / "opt" / "my-chromium")
    engine = resolve_engine(
        "chromium",
        playwright_browser_type_paths={"chromium": str(build)},
        env={"SENTINEL_CHROMIUM_EXECUTABLE": str(mine)},
    )
    assert engine.available and engine.build == "system"
    assert engine.executable_path == str(mine)
    assert "SENTINEL_CHROMIUM_EXECUTABLE" in engine.description
    assert engine.launch_options()["executable_path"] == str(mine)


def test_env_override_with_a_stock_firefox_uses_the_bidi_channel(tmp_path: Path) -> None:
    mine = make_executable(tmp_path / "opt" / "firefox")
    engine = resolve_engine(
        "firefox", playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS, env={"SENTINEL_FIREFOX_EXECUTABLE": str(mine)}
    )
    assert engine.channel == "moz-firefox" and engine.executable_path == str(mine)


# --------------------------------------------------------------------------- names and options


def test_unknown_engine_name_raises_with_the_allowed_names() -> None:
    with pytest.raises(ValueError) as caught:
        resolve_engine("safari", env={})
    assert "safari" in str(caught.value)
    for name in ENGINE_NAMES:
        assert name in str(caught.value)
    with pytest.raises(ValueError):
        resolve_all(["chromium", "edge"], playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS, env={})


# --------------------------------------------------------------------------- real launches


@pytest.mark.integration
@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_real_launch_with_launch_options_reads_a_data_url_title(playwright, name: str) -> None:
    engine = resolve_engine(name)
    if not engine.available:
        pytest.skip(f"{engine.name} unavailable: {engine.reason} (install: {engine.install_hint})")
    if engine.route == "inspector":
        pytest.skip("WebKitGTK is not launched by Playwright: tests/integration/test_webkitgtk.py drives it")
    browser = getattr(playwright, name).launch(**engine.launch_options())
    try:
        page = browser.new_page()
        page.goto("data:text/html;charset=utf-8,<title>Extranet activit%C3%A9 partielle</title><h1>ok</h1>")
        assert page.title() == "Extranet activité partielle"
    finally:
        browser.close()


@pytest.mark.integration
def test_check_launch_reports_success_and_failure(tmp_path: Path) -> None:
    engine = resolve_engine("chromium")
    if not engine.available:
        pytest.skip(f"chromium unavailable: {engine.reason}")
    assert check_launch(engine) is None
    broken = Engine(
        name="chromium",
        available=True,
        build="system",
        executable_path=str(make_executable(tmp_path / "chromium", "#!/bin/sh\nexit 3\n")),
        channel=None,
        args=CHROMIUM_ARGS,
        description="chromium: broken",
    )
    error = check_launch(broken, timeout_s=20)
    assert error and "\n" not in error


def test_chromium_resolves_to_the_system_chromium_here() -> None:
    if real_build_installed("chromium"):
        pytest.skip("Playwright's Chromium build is installed: it is preferred over the system one")
    if not os.access("/usr/bin/chromium", os.X_OK):
        pytest.skip("no /usr/bin/chromium on this machine")
    engine = resolve_engine("chromium", env={})
    assert engine.available and engine.build == "system"
    assert engine.executable_path == "/usr/bin/chromium"
    if os.access("/usr/lib/chromium/chromium-headless-shell", os.X_OK):  # Debian's chromium-headless-shell
        assert engine.launch_options()["executable_path"] == "/usr/lib/chromium/chromium-headless-shell"
    assert engine.channel is None
    assert "--no-sandbox" in engine.args and "--disable-background-networking" in engine.args
    assert engine.description.startswith("chromium: ") and "/usr/bin/chromium" in engine.description
    assert "\n" not in engine.description
    assert engine.reason is None and engine.install_hint is None


def test_firefox_resolves_to_firefox_esr_through_the_bidi_channel_here() -> None:
    if real_build_installed("firefox"):
        pytest.skip("Playwright's Firefox build is installed: it is preferred over the system one")
    if not os.access("/usr/bin/firefox-esr", os.X_OK):
        pytest.skip("no /usr/bin/firefox-esr on this machine")
    engine = resolve_engine("firefox", env={})
    assert engine.available and engine.build == "system"
    assert engine.executable_path == "/usr/bin/firefox-esr"
    assert engine.channel == FIREFOX_BIDI_CHANNEL == "moz-firefox"
    # One line naming the binary, its version and how it is driven.
    assert "firefox-esr" in engine.description and "WebDriver BiDi" in engine.description
    assert "moz-firefox" in engine.description
    version = engines.binary_version("/usr/bin/firefox-esr")
    assert version and version in engine.description


def real_build_installed(name: str) -> bool:
    expected = engines.playwright_build_paths().get(name)
    return expected is not None and expected != "" and os.access(expected, os.X_OK)
