"""Root conftest: what the repository's own tests need — the tiers marked by folder, the long modules first.

The suite's plugin (``fixtures.plugin``) is not loaded here: its ``pytest11`` entry point registers it
wherever the package is installed (``make setup`` installs this checkout in editable mode), and a second
registration under another name would be refused by pluggy.

Tiers (docs/ARCHITECTURE.md § Tests): tests/unit/ is the fast tier (`make check`, `-m "not integration"`);
tests/integration/ and journeys/ need real processes and carry the `integration` marker, set here from
the folder so that no file can forget it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

# The monitor's results file (--results-json), which tests of the monitor's child pass (the monitor
# itself loads it with -p, as an installed suite has no conftest).
pytest_plugins = ["fixtures.plugin.results_output"]

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

