"""Two facts only a real pytest run shows: each journey marker is registered once (``pytest --markers``),
and an unavailable engine is known by its exception while a look-alike skip stays a plain skip.
The vocabularies' one home, checked on the source: tests/unit/test_vocabularies.py.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.child_pytest import ROOT, run_pytest  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.core.outcomes import EngineUnavailable, NotRun
from fixtures.plugin.markers import MARKERS


# -- markers ------------------------------------------------------------------------------
def test_each_journey_marker_is_registered_once() -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--markers", "-p", "no:randomly"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("@pytest.mark.")]
    for name in (*MARKERS, "integration"):
        registered = [line for line in lines if line.startswith((f"@pytest.mark.{name}:", f"@pytest.mark.{name}("))]
        assert len(registered) == 1, (name, registered)


# -- an unavailable engine is known by its exception, not by a message's first word -----------
SKIPS = '''
import pytest

@pytest.fixture
def skips_in_setup():
    pytest.skip("unavailable: a word that only looks like an engine's skip")

@pytest.mark.journey("X1")
def test_skipped_for_its_own_reason(browser_name, skips_in_setup):
    pass

@pytest.mark.journey("X2")
def test_needs_a_browser(page):
    pass
'''


@pytest.mark.integration
def test_unavailable_is_the_engine_exception_and_a_look_alike_skip_is_skipped(tmp_path: Path) -> None:
    test_file = tmp_path / "journey" / "test_skips.py"
    test_file.parent.mkdir()
    test_file.write_text(SKIPS)
    (test_file.parent / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    proc, results = run_pytest(tmp_path, str(test_file), "--browser", "chromium",
                               env={"SENTINEL_CHROMIUM_EXECUTABLE": str(tmp_path / "no-such-chromium")})
    assert proc.returncode == 0, proc.stdout[-3000:]
    by_journey = {r["journey"]: r for r in results}
    x1, x2 = by_journey["X1"], by_journey["X2"]
    assert (x1["outcome"], x1["failure_class"]) == (NotRun.outcome.value, NotRun.failure_class), by_journey
    assert (x2["outcome"], x2["failure_class"]) == (EngineUnavailable.outcome.value, EngineUnavailable.failure_class)
    assert EngineUnavailable.outcome.value == "unavailable"
    assert "SENTINEL_CHROMIUM_EXECUTABLE" in x2["message"]
