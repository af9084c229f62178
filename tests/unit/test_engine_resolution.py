"""Engine resolution without launching anything: which binary plays chromium/firefox/webkit, given
injected ``playwright_browser_type_paths`` and ``env`` so the tests hold on any machine.
Resolution through the real driver, and real launches: tests/integration/test_engine_launch.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from support.fake_browsers import NO_PLAYWRIGHT_BUILDS, make_executable

from fixtures.core.outcomes import EngineUnavailable, Outcome
from fixtures.engines import resolve as engines
from fixtures.engines.resolve import CHROMIUM_ARGS, Engine, check_launch, resolve_engine


def test_webkit_without_playwright_build_nor_webkitgtk_is_unavailable_with_the_install_hint(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(engines.webkitgtk, "MINIBROWSER_CANDIDATES", (str(tmp_path / "MiniBrowser"),))
    engine = resolve_engine("webkit", playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS, env={})
    assert not engine.available
    assert engine.reason is not None and engine.install_hint is not None  # unavailable: says why and how
    assert engine.build is None and engine.executable_path is None
    assert "WebKit build is not installed" in engine.reason and "no WebKitGTK MiniBrowser" in engine.reason
    assert "python -m playwright install webkit" in engine.install_hint
    assert "apt-get install libwebkit2gtk-4.1-0" in engine.install_hint
    assert "python -m playwright install-deps webkit" in engine.install_hint
    assert engine.description.startswith("webkit: unavailable")
    # Unavailable is its own outcome: launching it raises EngineUnavailable, never a crash.
    with pytest.raises(EngineUnavailable) as caught:
        engine.launch_options()
    assert caught.value.outcome is Outcome.UNAVAILABLE
    problem = check_launch(engine)
    assert problem is not None and problem.startswith("unavailable: ")  # and launches nothing


# --------------------------------------------------------------------------- order of resolution


def test_a_playwright_build_is_preferred_over_the_system_browser(tmp_path: Path) -> None:
    fake = make_executable(tmp_path / "ms-playwright" / "chromium-9999" / "chrome-linux64" / "chrome")
    engine = resolve_engine("chromium", playwright_browser_type_paths={"chromium": str(fake)}, env={})
    assert engine.available and engine.build == "playwright"
    assert engine.executable_path == str(fake)
    assert engine.channel is None
    assert engine.args == CHROMIUM_ARGS
    assert "Playwright's build 9999" in engine.description


def test_a_playwright_firefox_build_needs_no_bidi_channel(tmp_path: Path) -> None:
    fake = make_executable(tmp_path / "ms-playwright" / "firefox-1555" / "firefox" / "firefox")
    engine = resolve_engine("firefox", playwright_browser_type_paths={"firefox": str(fake)}, env={})
    assert engine.build == "playwright" and engine.channel is None  # Juggler, not BiDi
    assert engine.launch_options() == {"headless": True, "executable_path": str(fake)}


def test_a_playwright_webkit_build_makes_webkit_available(tmp_path: Path) -> None:
    fake = make_executable(tmp_path / "ms-playwright" / "webkit-2370" / "pw_run.sh")
    engine = resolve_engine("webkit", playwright_browser_type_paths={"webkit": str(fake)}, env={})
    assert engine.available and engine.build == "playwright" and engine.executable_path == str(fake)


def test_no_build_and_no_system_browser_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engines.SYSTEM_CANDIDATES, "chromium", ())
    engine = resolve_engine("chromium", playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS, env={})
    assert not engine.available
    assert engine.reason is not None and engine.install_hint is not None  # unavailable: says why and how
    assert "Chromium build is not installed" in engine.reason
    assert "python -m playwright install chromium" in engine.install_hint


# --------------------------------------------------------------------------- env override


def test_env_override_pointing_at_a_playwright_build_is_labelled_as_such(tmp_path: Path) -> None:
    build = make_executable(tmp_path / "ms-playwright" / "firefox-1555" / "firefox" / "firefox")
    engine = resolve_engine(
        "firefox", playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS, env={"SENTINEL_FIREFOX_EXECUTABLE": str(build)}
    )
    assert engine.build == "playwright" and engine.channel is None


def test_env_override_to_a_missing_path_is_unavailable_and_names_the_variable(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "chromium"
    engine = resolve_engine(
        "chromium",
        playwright_browser_type_paths=NO_PLAYWRIGHT_BUILDS,
        env={"SENTINEL_CHROMIUM_EXECUTABLE": str(missing)},
    )
    assert not engine.available
    assert engine.reason is not None and engine.install_hint is not None  # unavailable: says why and how
    assert "SENTINEL_CHROMIUM_EXECUTABLE" in engine.reason and str(missing) in engine.reason
    assert "does not exist" in engine.reason
    assert "SENTINEL_CHROMIUM_EXECUTABLE" in engine.install_hint
    with pytest.raises(EngineUnavailable, match="SENTINEL_CHROMIUM_EXECUTABLE"):
        engine.launch_options()


def test_env_override_to_a_non_executable_file_is_unavailable(tmp_path: Path) -> None:
    plain = tmp_path / "firefox"
    plain.write_text("not a browser")
    plain.chmod(0o644)
    engine = resolve_engine("firefox", env={"SENTINEL_FIREFOX_EXECUTABLE": str(plain)})
    assert not engine.available
    assert engine.reason is not None and engine.install_hint is not None  # unavailable: says why and how
    assert "SENTINEL_FIREFOX_EXECUTABLE" in engine.reason and "not an executable" in engine.reason


def test_an_empty_override_is_ignored(tmp_path: Path) -> None:
    fake = make_executable(tmp_path / "ms-playwright" / "chromium-9999" / "chrome")
    engine = resolve_engine(
        "chromium", playwright_browser_type_paths={"chromium": str(fake)}, env={"SENTINEL_CHROMIUM_EXECUTABLE": " "}
    )
    assert engine.build == "playwright"


# --------------------------------------------------------------------------- names and options


def test_launch_options_default_headless_and_append_args() -> None:
    engine = Engine(
        name="chromium",
        available=True,
        build="system",
        executable_path="/usr/bin/chromium",
        channel=None,
        args=("--no-sandbox",),
        description="chromium: test",
    )
    assert engine.launch_options() == {
        "headless": True,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox"],
    }
    options = engine.launch_options(headless=False, args=["--lang=fr-FR", "--no-sandbox"], slow_mo=10)
    assert options["headless"] is False and options["slow_mo"] == 10
    assert options["args"] == ["--no-sandbox", "--lang=fr-FR"]


# --------------------------------------------------------------------------- real launches


