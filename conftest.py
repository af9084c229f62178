"""Root conftest: load the suite's pytest plugins, and mark the test tiers by folder.

Tiers (docs/ARCHITECTURE.md § Tests): tests/unit/ is the fast tier (`make check`, `-m "not integration"`);
tests/integration/ and journeys/ need real processes and carry the `integration` marker, set here from
the folder so that no file can forget it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import Playwright, sync_playwright

from fixtures.engines.driver_tmp import driver_tmpdir, remove

pytest_plugins = ["fixtures.plugin", "fixtures.plugin.results_output"]

_ROOT = Path(__file__).resolve().parent
_INTEGRATION = (_ROOT / "tests" / "integration", _ROOT / "journeys")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.path.is_relative_to(folder) for folder in _INTEGRATION):
            item.add_marker(pytest.mark.integration)
    # The long poles first, longest first (a stable sort): with --no-loadscope-reorder pytest-xdist hands
    # out whole files (--dist loadfile) in this order, so the workers start the long modules at once and
    # the short tests fill in behind; in alphabetical order the leak audit started 8 minutes into
    # `make test` and ended it alone.
    items.sort(key=_expected_seconds, reverse=True)


def _expected_seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("long_running")
    return float(marker.kwargs.get("seconds", 30)) if marker else 0.0


@pytest.fixture(scope="session")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Playwright]:
    """pytest-playwright's fixture, with a driver that has a TMPDIR of its own (why:
    ``fixtures/engines/driver_tmp.py``: WebKit sessions on one machine deleted each other's traces)."""
    with driver_tmpdir() as folder:
        pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()
    remove(folder)
