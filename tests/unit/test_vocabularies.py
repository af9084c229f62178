"""One word for each thing: each vocabulary is defined in one module and the others derive from it.

Two kinds of checks: the places that use a vocabulary take it from its home (imported objects
are the same, a config accepts exactly its words), and no module of the product spells a copy
of it (an AST scan for literal lists of engine ids, display names or journey ids).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support.child_pytest import ROOT  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.core import engine_names, procedure
from fixtures.engines import resolve as engines
from monitor import config as monitor_config

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
    home = ROOT / "fixtures" / "core" / "engine_names.py"
    ids = set(engine_names.ENGINE_NAMES)
    # The reference extranet stands in for the real portal and never imports the suite
    # (docs/ARCHITECTURE.md): its list of engines may only equal the vocabulary.
    from extranet import faults
    assert tuple(faults.ENGINES) == engine_names.ENGINE_NAMES
    assert [c for c in copies_of(ids, len(ids), home) if not c.startswith("extranet/")] == []
    assert copies_of(set(engine_names.DISPLAY_NAMES.values()), 2, home, dict_values=True) == []


def test_the_monitor_accepts_exactly_the_engines_of_the_vocabulary(tmp_path: Path) -> None:
    for name in engine_names.ENGINE_NAMES:
        cfg = tmp_path / f"{name}.toml"
        cfg.write_text(f'[run]\nbrowsers = ["{name}"]\n')
        assert monitor_config.load_config(cfg, env={}).browsers == (name,)
    cfg = tmp_path / "other.toml"
    cfg.write_text('[run]\nbrowsers = ["netscape"]\n')
    with pytest.raises(monitor_config.ConfigError, match=", ".join(engine_names.ENGINE_NAMES)):
        monitor_config.load_config(cfg, env={})


def test_reports_name_engines_as_the_vocabulary_does() -> None:
    from monitor.stats import rates as stats
    rate = stats.Rate("webkit", successes=1)
    assert rate.text().startswith(engine_names.DISPLAY_NAMES["webkit"] + " ")


# -- journeys -----------------------------------------------------------------------------
def journey_markers() -> dict[str, set[str]]:
    """journey id → the journeys/ files whose ``journey(...)`` marker names it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "journeys").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "journey"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, set()).add(path.name)
    return found


def test_every_journey_test_names_a_known_id_and_every_id_has_tests() -> None:
    assert {"R1", "S1"} <= set(procedure.JOURNEY_IDS)
    assert set(journey_markers()) == set(procedure.JOURNEY_IDS)


def test_journey_ids_have_one_home_and_the_monitor_derives_from_it(tmp_path: Path) -> None:
    assert copies_of(set(procedure.JOURNEY_IDS), len(procedure.JOURNEY_IDS) // 2, ROOT / "fixtures" / "core" / "procedure.py") == []
    assert monitor_config.Config().journeys == procedure.PROCEDURE_JOURNEY_IDS
    cfg = tmp_path / "m.toml"
    cfg.write_text('[run]\njourneys = ["R1", "S1"]\n')
    assert monitor_config.load_config(cfg, env={}).journeys == ("R1", "S1")
    assert procedure.journey("S1").procedure_row is False


# -- markers ------------------------------------------------------------------------------


# -- an unavailable engine is known by its exception, not by a message's first word -----------


