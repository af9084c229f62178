"""What presenting the browser as a person's costs (``fixtures/plugin/presented.py``), per engine.

Measured directly, each figure the median of ``--reps`` runs:
- launch route (Chromium, Firefox): reading the engine's own user agent and brands from a blank page,
  once per browser and worker (``presented.real_identity``);
- Chromium: the CDP client-hints override each page gets (``presented.present_page``);
- WebKitGTK: the MiniBrowser restart once per session (``WebKitGTKLauncher`` learns WebKitGTK's user
  agent, then starts it with ``--user-agent``), as the first launch's extra time over a later one;
- the locale compiled once into the cache (``locales.compiled_locale``), cold, then cached.

    .venv/bin/python -m bench.presentation_cost [--reps 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench._common import banner
from fixtures.core.presentation import Presentation
from fixtures.engines import locales, webkit_nodelay, webkitgtk
from fixtures.engines.resolve import resolve_engine
from fixtures.plugin import presented


def _ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.0f} ms (n={len(seconds)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    reps = parser.parse_args().reps
    banner("presentation_cost")
    presentation = Presentation()
    with sync_playwright() as p:
        for name in ("chromium", "firefox"):
            engine = resolve_engine(name)
            reads: list[float] = []
            overrides: list[float] = []
            for _ in range(reps):
                browser = getattr(p, name).launch(**engine.launch_options())
                began = time.perf_counter()
                presented.real_identity(browser)
                reads.append(time.perf_counter() - began)
                if name == "chromium":
                    context = browser.new_context(**presented.context_options(browser, engine, presentation))
                    page = context.new_page()
                    began = time.perf_counter()
                    presented.present_page(page, browser, engine, presentation)
                    overrides.append(time.perf_counter() - began)
                browser.close()
            print(f"{name}: reading its own user agent, once per browser: {_ms(reads)}")
            if overrides:
                print(f"{name}: client hints without the headless brand, per page: {_ms(overrides)}")
        engine = resolve_engine("webkit")
        if engine.available and engine.executable_path:
            env, problem = locales.process_env(presentation.posix_locale(), presentation.timezone_id)
            first: list[float] = []
            later: list[float] = []
            for _ in range(reps):
                with tempfile.TemporaryDirectory() as work:
                    launcher = webkitgtk.WebKitGTKLauncher(engine.executable_path, Path(work), user_display=None,
                                                           preload=webkit_nodelay.ensure_shim().path, env=env,
                                                           user_agent=presentation.agent)
                    try:
                        launcher.display()  # Xvfb started outside the figures
                        for bucket in (first, later):
                            began = time.perf_counter()
                            launcher.release(launcher.launch(p))
                            bucket.append(time.perf_counter() - began)
                    finally:
                        launcher.close()
            print(f"webkit: first MiniBrowser of a session (learns the user agent, restarts): {_ms(first)}; "
                  f"a later one: {_ms(later)}" + (f"; {problem}" if problem else ""))
    with tempfile.TemporaryDirectory() as cache:
        original = locales.cache_dir
        locales.cache_dir = lambda: Path(cache)  # type: ignore[assignment]
        try:
            began = time.perf_counter()
            found = locales.compiled_locale(presentation.posix_locale())
            cold = time.perf_counter() - began
            began = time.perf_counter()
            locales.compiled_locale(presentation.posix_locale())
            warm = time.perf_counter() - began
        finally:
            locales.cache_dir = original  # type: ignore[assignment]
        size = sum(f.stat().st_size for f in Path(cache).rglob("*") if f.is_file())
        print(f"locale {presentation.posix_locale()} compiled once: {cold * 1000:.0f} ms cold, {warm * 1000:.1f} ms "
              f"cached ({size / 1e6:.1f} MB in the cache){'' if found else ' — NOT compiled here'}")
    banner("presentation_cost", "end")


if __name__ == "__main__":
    main()
