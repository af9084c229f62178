"""The plugin as pytest loads it from its entry point: its fixtures win, and the driver gets its own TMPDIR.

No browser, no service: the order in which this very session registered its plugins, and an in-process
pytest session (pytester) whose ``playwright`` fixture is a stand-in recording what a driver would inherit.
"""
from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def test_the_entry_point_names_the_plugin() -> None:
    assert [ep.value for ep in entry_points(group="pytest11", name="aparts_sentinel")] == ["fixtures.plugin"]


@pytest.mark.parametrize("theirs, ours", [("base_url", "fixtures.plugin.target"),  # base_url, _verify_url
                                         ("playwright", "fixtures.plugin.recorder"),  # new_context, page
                                         ("playwright", "fixtures.plugin.browsers")])  # browser, launch args
def test_the_plugins_whose_fixtures_the_suite_replaces_are_registered_before_it(
        pytestconfig: pytest.Config, theirs: str, ours: str) -> None:
    """Of two plugins' fixtures of one name pytest uses the later registered: ours must come after theirs.
    This session loaded the suite by its entry point (the root conftest does not)."""
    names = [name for name, _ in pytestconfig.pluginmanager.list_name_plugin()]
    assert names.index(theirs) < names.index(ours), names


def test_the_driver_starts_with_a_tmpdir_of_its_own_removed_after_it_stops(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    pytester.makeconftest(f"""
import os, pytest
@pytest.fixture(scope="session")
def playwright():  # a stand-in for pytest-playwright's: what a driver started here would inherit
    folder = os.environ["TMPDIR"]
    open({str(seen)!r}, "w").write(folder)
    assert os.path.isdir(folder)
    yield folder
    assert os.path.isdir(folder)  # still there while the driver stops
""")
    pytester.makepyfile(f"""
import os
def test_body(playwright):
    assert os.environ.get("TMPDIR") == {os.environ.get("TMPDIR")!r}  # the test process keeps its own
""")
    # Only the module under test: the whole plugin would probe the engines (processes) at session start, and
    # pytest-playwright nests its soft-assertion scope in the outer one.
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:aparts_sentinel", "-p", "no:playwright", "-p", "no:base_url",
                                "-p", "no:xdist", "-p", "no:hypothesispytest", "-p", "no:anyio",
                                "-p", "fixtures.plugin.playwright_driver")
    result.assert_outcomes(passed=1)
    folder = Path(seen.read_text())
    assert folder.name.startswith("aparts-playwright-") and not folder.exists()
