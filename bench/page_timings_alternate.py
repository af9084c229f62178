"""pytest plugin for ``bench/timing_cost.py``: page-load collection on and off in turn, in one session.

Why in one session and not one session per mode: on a shared machine the load changes from one
session to the next by more than the cost measured (seen: a whole session's medians 40 % apart
with collection off both times), so the two modes must alternate run by run and be compared in
pairs. Per engine (the test's parametrisation id), the first run is a warm-up (it pays the
browser's launch; collection on) and the next ones follow on, off, off, on, … (ABBA: a steady
drift favours neither mode within two pairs). The mode is set where the context fixture reads it
(``--page-timings``), before the test's fixtures are set up; the bench tells the modes apart from
the records themselves (collection on gives the first step, a page load, its figures).

The plugin also times the collection's own calls from Python (``PageTimings.attach_context``: the
init script's installation, and ``PageTimings.read_step``: the reads at the steps' ends) per run, and
writes them to ``$BENCH_PAGE_TIMINGS_OUT`` (JSON, per engine, in run order): a direct figure
that the machine's load blurs less than a journey's whole duration (the script's own run time in
each document is not in it: it is in the paired difference).

    BENCH_PAGE_TIMINGS_OUT=calls.json .venv/bin/python -m pytest -p bench.page_timings_alternate …
"""
from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter, defaultdict
from typing import Any, Callable

import pytest

from fixtures.plugin.page_timing import PageTimings

ABBA = ("on", "off", "off", "on")
_runs: Counter[str] = Counter()
_spent: dict[str, list[float]] = defaultdict(list)  # engine -> seconds in collection calls, per run
_current: list[float] = [0.0]


def _timed(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _current[0] += time.perf_counter() - began
    return wrapper


PageTimings.attach_context = _timed(PageTimings.attach_context)  # type: ignore[method-assign]
PageTimings.read_step = _timed(PageTimings.read_step)  # type: ignore[method-assign]


def mode_for(index: int) -> str:
    """The ``--page-timings`` mode of an engine's ``index``-th run (0: the warm-up)."""
    return "on" if index == 0 else ABBA[(index - 1) % len(ABBA)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    engine = item.name.rpartition("[")[2].rstrip("]")
    item.config.option.page_timings = mode_for(_runs[engine])
    _runs[engine] += 1
    _current[0] = 0.0


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _spent[nodeid.rpartition("[")[2].rstrip("]")].append(_current[0])


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("BENCH_PAGE_TIMINGS_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(_spent, f)
