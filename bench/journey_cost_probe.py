"""pytest plugin for bench/journey_cost.py: where a journey's time goes, by kind of work.

Loaded as a top-level module (``-p journey_cost_probe``, the script puts a copy on PYTHONPATH) so the
same file measures an older tree (``git worktree add /tmp/old 1d99b41``) whose ``bench`` package differs.
Every kind is a set of the suite's own functions, wrapped when they exist in the tree measured (an
older tree lacks snapshots and timings: their kinds are then 0, not guessed). Time is given to the
*outermost* wrapped call only (a snapshot's Playwright call is the snapshot's, not the driver's).
"driver calls" is every other sync Playwright call the journey makes (its clicks, fills, checks,
navigations: the page's own loading time is inside them, split out by the script from the records'
browser time). Writes ``$BENCH_COST_OUT`` (JSON) at the end of the session.
"""
from __future__ import annotations

import functools
import importlib
import json
import os
import time
from collections import defaultdict
from typing import Any

import pytest

KINDS: dict[str, list[tuple[str, str, str]]] = {  # kind -> (module, class or "", function)
    "aria snapshots": [("fixtures.plugin.aria_snapshots", "AriaSnapshots", n)
                       for n in ("step_passed", "_on_load", "on_failure", "save", "attach_context")],
    "page timings": [("fixtures.plugin.page_timing", "PageTimings", n) for n in ("read_step", "attach_context")],
    "traces, screenshots": [("fixtures.plugin.recorder", "ArtifactsRecorder", n) for n in ("on_new_context", "finish")]
                           + [("fixtures.secrets.artifacts", "", n) for n in ("start_tracing", "stop_tracing",
                                                                              "masked_screenshot")],
    "cleaning, scrubbing": [("fixtures.secrets.artifacts", "SecretRegistry", "scrub_text"),
                            ("fixtures.secrets.artifacts", "", "scrub_tree"),
                            ("fixtures.core.untrusted", "", "clean"), ("fixtures.core.untrusted", "", "neutralize"),
                            ("fixtures.core.signature", "", "bounded")],
    "quota ledger": [("fixtures.target.quota", "QuotaLedger", n) for n in ("reserve", "release", "remaining",
                                                                           "note_refused", "shortfall")],
    "mail reading": [("fixtures.mail.mailpit", "MailWaiter", "wait"), ("fixtures.mail.path", "", "read_path"),
                     ("fixtures.mail.imap", "ImapWaiter", "wait")],
}
_depth = {"n": 0}
_seconds: defaultdict[str, float] = defaultdict(float)
_calls: defaultdict[str, int] = defaultdict(int)
_tests: defaultdict[str, float] = defaultdict(float)  # seconds of pytest setup + call + teardown, per test id
_wrapped: list[str] = []


def _timed(kind: str, original: Any) -> Any:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer = _depth["n"] == 0
        _depth["n"] += 1
        begin = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _depth["n"] -= 1
            if outer:
                _seconds[kind] += time.perf_counter() - begin
                _calls[kind] += 1
    return wrapper


def _wrap_kinds() -> None:
    for kind, places in KINDS.items():
        for module_name, owner_name, name in places:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            owner = getattr(module, owner_name, None) if owner_name else module
            original = getattr(owner, name, None) if owner is not None else None
            if original is None or getattr(original, "_cost_probe", False):
                continue
            wrapper = _timed(kind, original)
            wrapper._cost_probe = True  # type: ignore[attr-defined]
            setattr(owner, name, wrapper)
            _wrapped.append(f"{module_name}.{owner_name + '.' if owner_name else ''}{name}")
    from playwright._impl._sync_base import SyncBase  # every sync Playwright call: the driver's round trips

    SyncBase._sync = _timed("driver calls", SyncBase._sync)  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _wrap_kinds()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _tests[report.nodeid] += report.duration


def pytest_unconfigure(config: pytest.Config) -> None:
    out = os.environ.get("BENCH_COST_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"seconds": dict(_seconds), "calls": dict(_calls), "tests": dict(_tests),
                       "wrapped": _wrapped}, f, indent=1)
