"""pytest plugin for bench/aria_snapshot_cost.py: time spent taking and storing accessibility snapshots, per test.

    pytest journeys -p bench.aria_timing        (BENCH_ARIA_TIMING=<file> says where to write)

Wraps ``AriaSnapshots._take`` (every snapshot: at page loads, step ends, failures) and
``AriaSnapshots.save`` (the store written at teardown); on unconfigure writes ``{test: seconds}``.
Timing only: the wrapped calls are otherwise unchanged. A paired figure, immune to the drift of a
shared machine's load between the runs with and without snapshots.
"""
from __future__ import annotations

import functools
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

_seconds: defaultdict[str, float] = defaultdict(float)
_current: dict[str, str] = {"test": ""}


def pytest_configure(config: pytest.Config) -> None:
    from fixtures.plugin.aria_snapshots import AriaSnapshots

    for name in ("_take", "save"):
        original = getattr(AriaSnapshots, name)

        def wrapper(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return _original(self, *args, **kwargs)
            finally:
                _seconds[_current["test"]] += time.perf_counter() - begin

        setattr(AriaSnapshots, name, functools.wraps(original)(wrapper))


def pytest_runtest_setup(item: pytest.Item) -> None:
    _current["test"] = item.nodeid


def pytest_unconfigure(config: pytest.Config) -> None:
    target = os.environ.get("BENCH_ARIA_TIMING")
    if target:
        Path(target).write_text(json.dumps(dict(_seconds)), encoding="utf-8")
