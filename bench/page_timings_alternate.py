"""pytest plugin for ``bench/timing_cost.py``: page-load collection on and off in turn, in one session.

Why in one session and not one session per mode: on a shared machine the load changes from one
session to the next by more than the cost measured (seen: a whole session's medians 40 % apart
with collection off both times), so the two modes must alternate run by run and be compared in
pairs. Per engine (the test's parametrisation id), the first run is a warm-up (it pays the
browser's launch; collection on) and the next ones follow on, off, off, on, … (ABBA: a steady
drift favours neither mode within two pairs). The mode is set where the context fixture reads it
(``--page-timings``), before the test's fixtures are set up; the bench tells the modes apart from
the records themselves (collection on gives the first step, a page load, its figures).

    .venv/bin/python -m pytest -p bench.page_timings_alternate …
"""
from __future__ import annotations

from collections import Counter

import pytest

ABBA = ("on", "off", "off", "on")
_runs: Counter[str] = Counter()


def mode_for(index: int) -> str:
    """The ``--page-timings`` mode of an engine's ``index``-th run (0: the warm-up)."""
    return "on" if index == 0 else ABBA[(index - 1) % len(ABBA)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    engine = item.name.rpartition("[")[2].rstrip("]")
    item.config.option.page_timings = mode_for(_runs[engine])
    _runs[engine] += 1
