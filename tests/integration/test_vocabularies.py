"""One word for each thing: each vocabulary is defined in one module and the others derive from it.

Two kinds of checks: the places that use a vocabulary take it from its home (imported objects
are the same, a config accepts exactly its words), and no module of the product spells a copy
of it (an AST scan for literal lists of engine ids, display names or journey ids).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from support.child_pytest import ROOT, run_pytest  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.core import engine_names
from fixtures.core.outcomes import EngineUnavailable, NotRun
from fixtures.engines import resolve as engines
from fixtures.plugin.markers import MARKERS

PRODUCT = ("fixtures", "monitor", "pages", "journeys", "extranet")


def product_modules() -> list[Path]:
    return sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py"))


def literal_strings(node: ast.AST, *, dict_values: bool = False) -> list[str]:
    """The string elements of a literal tuple, list or set, or a dict's values when asked.

    A dict keyed by engine (install hints, colours) holds one fact per engine, not a copy of
    the vocabulary; a dict whose values are display names is a copy.
    """
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and not dict_values:
        elements = node.elts
    elif isinstance(node, ast.Dict) and dict_values:
        elements = node.values
    else:
        return []
    return [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def copies_of(words: set[str], at_least: int, home: Path, *, dict_values: bool = False) -> list[str]:
    """Literal collections outside ``home`` that spell ``at_least`` of ``words``: copies of a vocabulary.

    A shorter list (``("chromium", "firefox")`` as a default) is a choice made with the words, not a copy.
    """
    found = []
    for path in product_modules():
        if path == home:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if len(words.intersection(literal_strings(node, dict_values=dict_values))) >= at_least:
                found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")
    return found


# -- engines ------------------------------------------------------------------------------
def test_engine_ids_and_display_names_have_one_home() -> None:
    assert engines.ENGINE_NAMES is engine_names.ENGINE_NAMES
    assert set(engine_names.DISPLAY_NAMES) == set(engine_names.ENGINE_NAMES)
    home = ROOT / "fixtures" / "engine_names.py"
    ids = set(engine_names.ENGINE_NAMES)
    # The reference extranet stands in for the real portal and never imports the suite
    # (docs/ARCHITECTURE.md): its list of engines may only equal the vocabulary.
    from extranet import faults
    assert tuple(faults.ENGINES) == engine_names.ENGINE_NAMES
    assert [c for c in copies_of(ids, len(ids), home) if not c.startswith("extranet/")] == []
    assert copies_of(set(engine_names.DISPLAY_NAMES.values()), 2, home, dict_values=True) == []


# -- journeys -----------------------------------------------------------------------------


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
