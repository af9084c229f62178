"""pytest plugin for bench/matrix.py: count browser launches and contexts, per worker.

    pytest journeys -p bench.count_launches        (BENCH_COUNT_DIR=<dir> says where to write)

Wraps Playwright's sync ``BrowserType.launch``/``launch_persistent_context`` and
``Browser.new_context`` (the class methods, so every caller is counted: pytest-playwright's
``browser`` fixture and the suite's ``new_context``), and notes which test each context was made
for; also times those calls and ``Browser.close``, ``BrowserContext.close``, ``Tracing.start/stop``
(for bench/overhead.py). On unconfigure each process (the controller, or each xdist worker) writes
``<dir>/counts-<worker>.json``. Counting only: the wrapped calls are otherwise unchanged.
"""
from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

_state: dict[str, Any] = {"launches": Counter(), "contexts": Counter(), "per_test": Counter(), "current": None,
                          "tests": 0, "seconds": Counter(), "calls": Counter(), "by_api": Counter()}


def _wrap(cls: type, name: str, on_call: Any) -> None:
    original = getattr(cls, name)
    if getattr(original, "_bench_wrapped", False):
        return

    label = f"{cls.__name__}.{name}"

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        on_call(self)
        begin = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            _state["seconds"][label] += time.perf_counter() - begin
            _state["calls"][label] += 1

    wrapper._bench_wrapped = True  # type: ignore[attr-defined]
    setattr(cls, name, wrapper)


def pytest_configure(config: pytest.Config) -> None:
    from playwright.sync_api import Browser, BrowserContext, BrowserType
    from playwright.sync_api._generated import Tracing

    def launched(browser_type: Any) -> None:
        _state["launches"][browser_type.name] += 1

    def context_made(owner: Any) -> None:
        engine = owner.browser_type.name if hasattr(owner, "browser_type") else owner.name
        _state["contexts"][engine] += 1
        _state["per_test"][_state["current"] or "<outside a test>"] += 1

    _wrap(BrowserType, "launch", launched)
    def launched_with_context(owner: Any) -> None:  # a persistent context is a launch and a context
        launched(owner)
        context_made(owner)

    _wrap(BrowserType, "launch_persistent_context", launched_with_context)
    _wrap(Browser, "new_context", context_made)
    # WebKitGTK's inspector route: each journey attaches to a MiniBrowser of its own (= a launch
    # and its one context); start_minibrowser is the process start until the inspector answers.
    def attached(browser_type: Any) -> None:
        launched(browser_type)
        context_made(browser_type)

    _wrap(BrowserType, "connect_over_cdp", attached)
    _time_function("fixtures.engines.webkitgtk", "start_minibrowser")
    # timed only (for bench/overhead.py): closing, tracing
    _wrap(Browser, "close", lambda _: None)
    _wrap(BrowserContext, "close", lambda _: None)
    _wrap(Tracing, "start", lambda _: None)
    _wrap(Tracing, "stop", lambda _: None)
    from fixtures.mail.mailpit import MailWaiter  # the suite's blocking wait for a mail (search + fetch included)
    _wrap(MailWaiter, "wait", lambda _: None)
    _time_function("fixtures.services.processes", "start_mailpit")  # service start-up (module globals: reference_stack)
    _time_function("fixtures.services.processes", "start_extranet")
    _time_all_playwright_calls()
    from playwright.sync_api._context_manager import PlaywrightContextManager  # the node driver's start
    _wrap(PlaywrightContextManager, "__enter__", lambda _: None)


def _time_function(module_name: str, name: str) -> None:
    import importlib

    module = importlib.import_module(module_name)
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        begin = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _state["seconds"][f"{module_name}.{name}"] += time.perf_counter() - begin
            _state["calls"][f"{module_name}.{name}"] += 1

    setattr(module, name, wrapper)


def _time_all_playwright_calls() -> None:
    """Every sync Playwright API call goes through SyncBase._sync: total wall time spent inside them
    (outermost calls only), i.e. waiting on the browser, the driver, and the target through them."""
    from playwright._impl._sync_base import SyncBase

    original = SyncBase._sync
    depth = {"n": 0}

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        depth["n"] += 1
        begin = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            depth["n"] -= 1
            if depth["n"] == 0:
                spent = time.perf_counter() - begin
                _state["seconds"]["playwright (all sync calls)"] += spent
                _state["calls"]["playwright (all sync calls)"] += 1
                caller = sys._getframe(1)  # the generated API method: Locator.click, Page.goto…
                owner = type(caller.f_locals.get("self")).__name__
                _state["by_api"][f"{owner}.{caller.f_code.co_name}"] += spent

    setattr(SyncBase, "_sync", wrapper)  # noqa: B010 - patching a method: mypy refuses plain assignment


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _state["current"] = item.nodeid
    _state["tests"] += 1


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = os.environ.get("BENCH_COUNT_DIR")
    if not folder:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if worker == "main" and hasattr(config, "workerinput"):
        worker = config.workerinput.get("workerid", "worker")
    Path(folder).mkdir(parents=True, exist_ok=True)
    Path(folder, f"counts-{worker}.json").write_text(json.dumps({
        "worker": worker, "pid": os.getpid(), "tests_set_up": _state["tests"],
        "launches": dict(_state["launches"]), "contexts": dict(_state["contexts"]),
        "contexts_per_test": dict(_state["per_test"]),
        "seconds_in": dict(_state["seconds"]), "calls": dict(_state["calls"]),
        "playwright_by_api": dict(_state["by_api"].most_common(12))}, indent=1))
