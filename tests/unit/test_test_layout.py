"""One test module per thing, and marks that match the folder (docs/ARCHITECTURE.md § Tests).

Kept by a test because each rule was broken before: 16 module names lived in both tiers with helpers
copied between them, integration modules imported helpers from one another, and two unit modules
carried the ``integration`` mark (which ``-m "not integration"`` then skipped from the fast tier).
"""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def twins(tests: Path) -> list[str]:
    """Module names present in both ``unit/`` and ``integration/`` (package files aside)."""
    unit = {p.name for p in (tests / "unit").glob("test_*.py")}
    return sorted(unit & {p.name for p in (tests / "integration").glob("test_*.py")})


def cross_imports(tests: Path) -> list[str]:
    """Test modules importing another tier's or another test module: shared helpers go in ``support/``."""
    found = []
    for path in sorted([*(tests / "unit").glob("*.py"), *(tests / "integration").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found += [f"{path.relative_to(tests)}:{node.lineno}: {n}" for n in names
                      if n.split(".")[0] in ("unit", "integration") or n.split(".")[-1].startswith("test_")]
    return found


def integration_marks_in_unit(tests: Path) -> list[str]:
    """Unit modules that mark themselves ``integration``: what needs a process belongs in integration/."""
    def marked(path: Path) -> bool:
        return any(isinstance(n, ast.Attribute) and n.attr == "integration" and isinstance(n.value, ast.Attribute)
                   and n.value.attr == "mark" for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    return sorted(str(p.relative_to(tests)) for p in (tests / "unit").glob("test_*.py") if marked(p))


def test_no_module_name_in_both_tiers() -> None:
    assert twins(TESTS) == []


def test_no_test_module_imports_another() -> None:
    assert cross_imports(TESTS) == []


def test_no_unit_module_carries_the_integration_mark() -> None:
    assert integration_marks_in_unit(TESTS) == []


def test_the_checks_catch_each_break(tmp_path: Path) -> None:
    """Test the test on a tree of its own: a twin, a cross import, a mark in the wrong folder."""
    for tier in ("unit", "integration"):
        (tmp_path / tier).mkdir()
        (tmp_path / tier / "test_store.py").write_text("")
    (tmp_path / "integration" / "test_cli.py").write_text("from integration.test_store import helper\n")
    (tmp_path / "unit" / "test_black_box.py").write_text("import pytest\npytestmark = pytest.mark.integration\n")
    assert twins(tmp_path) == ["test_store.py"]
    assert cross_imports(tmp_path) == ["integration/test_cli.py:1: integration.test_store"]
    assert integration_marks_in_unit(tmp_path) == ["unit/test_black_box.py"]
