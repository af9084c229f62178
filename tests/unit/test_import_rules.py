"""The architecture's import rules (docs/ARCHITECTURE.md § Packages), kept by a test.

Each first-party module belongs to a *part*: a top package (``extranet``, ``pages``, ``journeys``) or a
subpackage of ``fixtures`` / ``monitor`` (``fixtures.core``, ``monitor.store``…; a top-level module of
``monitor`` such as ``monitor.config`` is its own part). ``ALLOWED`` says which parts each part may import;
a new edge is a decision: add it here and in ARCHITECTURE.md in the same commit. Imports inside
functions count too (``ast.walk``): a lazy import is still a dependency.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("aparts_sentinel", "extranet", "fixtures", "pages", "journeys", "monitor")
FIXTURES = {"fixtures.core", "fixtures.secrets", "fixtures.services", "fixtures.engines", "fixtures.mail",
            "fixtures.target", "fixtures.plugin"}
#: What the monitor may use of the suite's library: never the pytest plugin, pages or journeys
#: (it runs the journeys as a pytest child process).
MONITOR_MAY_USE = {"fixtures.core", "fixtures.services", "fixtures.engines", "fixtures.target", "fixtures.mail",
                   "fixtures.secrets"}
ALLOWED: dict[str, set[str]] = {
    "aparts_sentinel": {"monitor.__main__", "extranet"},  # the console script: dispatches, nothing else
    "extranet": set(),  # the reference is a web app of its own: never the suite
    "fixtures.core": set(),  # stdlib only (checked below): the contract and the vocabularies
    "fixtures.secrets": {"fixtures.core"},
    "fixtures.services": {"fixtures.core", "extranet"},  # starts `python -m extranet`
    "fixtures.engines": {"fixtures.core", "fixtures.services"},
    "fixtures.mail": {"fixtures.core", "fixtures.target", "fixtures.secrets"},
    "fixtures.target": {"fixtures.core", "fixtures.mail", "fixtures.secrets", "fixtures.services", "extranet"},
    "fixtures.plugin": FIXTURES | {"pages", "extranet"},
    # the target doctor's browser side: examines the page objects' screens (run by `monitor doctor` as a child)
    "fixtures.doctor": {"fixtures.core", "pages"},
    "pages": {"fixtures.core"},
    "journeys": FIXTURES | {"pages", "extranet"},
}


def part_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in ("fixtures", "monitor") and len(parts) > 1 else parts[0]


def allowed(source: str, target: str) -> bool:
    if source == target:
        return True
    if source.startswith("monitor"):
        return target.startswith("monitor") or target in MONITOR_MAY_USE
    if source not in ALLOWED:
        return False
    return target in ALLOWED[source]


def imports(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import; relative ones resolved against ``module``."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])


def modules() -> Iterator[tuple[str, Path]]:
    for package in FIRST_PARTY:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def violations() -> list[str]:
    found = []
    for module, path in modules():
        source = part_of(module)
        for line, name in imports(module, path):
            top = name.split(".")[0]
            where = f"{path.relative_to(ROOT)}:{line}"
            if source == "fixtures.core" and top not in sys.stdlib_module_names and top not in FIRST_PARTY \
                    and top != "__future__":
                found.append(f"{where}: fixtures.core is stdlib only, imports {name}")
            if top == "sqlite3" and source not in ("monitor.store", "extranet"):
                found.append(f"{where}: {source} opens SQLite; SQL lives in monitor/store/ (or the extranet's own)")
            if top in FIRST_PARTY and not allowed(source, part_of(name)):
                found.append(f"{where}: {source} may not import {part_of(name)} ({name})")
    return found


def test_every_import_follows_the_architecture() -> None:
    assert violations() == []


def test_the_rules_catch_a_forbidden_edge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Test the test: the monitor reaching for page objects, and a core module importing a library."""
    assert not allowed("monitor.report", "pages") and not allowed("monitor.cycle", "fixtures.plugin")
    assert not allowed("fixtures.core", "fixtures.mail") and not allowed("extranet", "fixtures.core")
    fake = tmp_path / "monitor" / "report"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("import sqlite3\nfrom pages.base import BasePage\n")
    (tmp_path / "fixtures" / "core").mkdir(parents=True)
    (tmp_path / "fixtures" / "core" / "bad.py").write_text("def f():\n    import httpx\n")
    for package in ("extranet", "pages", "journeys"):
        (tmp_path / package).mkdir()
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = violations()
    assert any("may not import pages" in f for f in found), found
    assert any("SQL lives in monitor/store/" in f for f in found), found
    assert any("stdlib only, imports httpx" in f for f in found), found
