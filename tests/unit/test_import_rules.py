"""The architecture's layers as rules (docs/ARCHITECTURE.md § Packages and layers), kept by a test.

Each first-party module belongs to a *part*: a top package (``extranet``, ``pages``, ``journeys``), a
subpackage of ``fixtures`` / ``monitor`` (``fixtures.core``, ``monitor.store``…), or a top-level module of
``monitor`` (``monitor.config``, ``monitor.classify``…). ``ALLOWED`` says which parts each part may import;
a part missing from it may import nothing, so a new part or a new edge is a decision: add it here and in
ARCHITECTURE.md in the same commit. Imports inside functions count too (``ast.walk``): a lazy import is
still a dependency. Beyond the edges: no cycle between parts, ``fixtures.core`` and ``monitor.stats`` are
pure, only the store opens SQLite, and the readers of the store (``report``, ``status``, ``verdicts``)
never write to it.
"""
from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("aparts_sentinel", "extranet", "fixtures", "pages", "journeys", "monitor")
FIXTURES = {"fixtures.core", "fixtures.secrets", "fixtures.services", "fixtures.engines", "fixtures.mail",
            "fixtures.target", "fixtures.plugin"}
#: What the monitor may use of the suite's library: never the pytest plugin, pages or journeys
#: (it runs the journeys, and the doctor's browser side, as pytest child processes).
SUITE_FOR_MONITOR = {"fixtures.core", "fixtures.services", "fixtures.engines", "fixtures.target", "fixtures.mail",
                     "fixtures.secrets"}

#: The monitor's layers, lowest first. Each part may import only what its line names (and ``fixtures.core``).
#: Layer 0, pure: the rules and vocabularies every other part shares, and the statistics.
BASE = {"monitor.classify", "monitor.budgets", "monitor.metrics", "monitor.stats"}
#: Layer 3, the store's readers: they read what the cycles wrote and never write it (checked below).
READERS = {"monitor.report", "monitor.status", "monitor.verdicts"}
MONITOR: dict[str, set[str]] = {
    # 0. pure, nothing of the monitor: outcomes → runs and exit codes; budgets; the metric catalogue; statistics
    "monitor.classify": set(),
    "monitor.budgets": set(),
    "monitor.metrics": set(),
    "monitor.stats": set(),
    # 1. the configuration, read from TOML and the environment
    "monitor.config": {"monitor.budgets", "monitor.classify"},
    # 2. the store: below everything that runs cycles, reads, exports or reports
    "monitor.store": BASE,
    # 3. what uses the store: the cycles write it; the verdicts, the report and the status page read it
    "monitor.cycle": {"monitor.config", "monitor.store", "monitor.classify"},
    "monitor.verdicts": {"monitor.store", "monitor.stats"},
    "monitor.report": {"monitor.config", "monitor.store", "monitor.stats", "monitor.budgets",
                       "monitor.cycle"},  # one cycle's summary reads the runner's CycleReport
    "monitor.status": {"monitor.config", "monitor.store", "monitor.verdicts", "monitor.metrics"},
    # 4. what the outside world reads: /metrics, the Pushgateway, the web door
    "monitor.export": BASE | {"monitor.config", "monitor.store", "monitor.cycle", "monitor.verdicts",
                              "monitor.status"},  # monitor serve also serves the status page
    # 5. the commands' helpers, then the commands
    "monitor.calibration": {"monitor.config", "monitor.cycle", "monitor.store", "monitor.stats"},
    "monitor.doctor": {"monitor.config", "monitor.classify"},
    "monitor.accounts_plan": {"monitor.config"},
    "monitor.commands": BASE | {"monitor.config", "monitor.store", "monitor.cycle", "monitor.report",
                                "monitor.export", "monitor.status", "monitor.verdicts", "monitor.calibration",
                                "monitor.doctor", "monitor.accounts_plan"},
    "monitor.__main__": {"monitor.commands", "monitor.config", "monitor.classify", "monitor.store"},
    "monitor.__init__": set(),
}
#: The parts of the suite's library a monitor part may use: the pure ones only ``fixtures.core``.
SUITE_PARTS = {part: ({"fixtures.core"} if part in BASE else SUITE_FOR_MONITOR) for part in MONITOR}

ALLOWED: dict[str, set[str]] = {
    "aparts_sentinel": {"monitor.__main__", "extranet"},  # the console script: dispatches, nothing else
    "extranet": set(),  # the reference is a web app of its own: never the suite
    "fixtures.__init__": set(),
    "fixtures.core": set(),  # stdlib only (checked below): the contract and the vocabularies
    "fixtures.secrets": {"fixtures.core"},
    "fixtures.services": {"fixtures.core", "extranet"},  # starts `python -m extranet`
    "fixtures.engines": {"fixtures.core", "fixtures.services"},
    "fixtures.mail": {"fixtures.core", "fixtures.secrets"},  # never fixtures.target: it reads mail for it
    "fixtures.target": {"fixtures.core", "fixtures.mail", "fixtures.secrets", "fixtures.services", "extranet"},
    "fixtures.plugin": FIXTURES | {"pages", "extranet"},
    # the target doctor's browser side: examines the page objects' screens (run by `monitor doctor` as a child)
    "fixtures.doctor": {"fixtures.core", "pages"},
    "pages": {"fixtures.core"},
    "journeys": FIXTURES | {"pages", "extranet"},
    **{part: MONITOR[part] | SUITE_PARTS[part] for part in MONITOR},
}
#: Cycles known and not yet broken, each with its reason; the test fails on any other cycle, and on
#: one listed here that no longer exists (so the list only shrinks). Empty: keep it so.
KNOWN_CYCLES: set[frozenset[str]] = set()
#: Modules that pure parts may not import: files, processes, sockets, databases.
IO_MODULES = {"sqlite3", "os", "io", "pathlib", "shutil", "tempfile", "subprocess", "socket", "urllib", "http",
              "httpx", "requests", "asyncio", "threading"}
PURE = {"monitor.stats", "monitor.classify", "monitor.budgets", "monitor.metrics"}
#: The store's writing API (``monitor.store.writes.StoreWrites`` and the writer's open), which readers never use.
WRITE_MODULES = {"monitor.store.writes", "monitor.store.writer_lock", "monitor.store.accounting",
                 "monitor.store.schema", "monitor.store.artifact_files"}


def part_of(module: str) -> str:
    """``monitor.store.reads`` → ``monitor.store``; ``monitor.config`` → itself; ``pages.base`` → ``pages``."""
    parts = module.split(".")
    if parts[0] == "monitor" and len(parts) == 1:
        return "monitor.__init__"
    return ".".join(parts[:2]) if parts[0] in ("fixtures", "monitor") and len(parts) > 1 else parts[0]


def allowed(source: str, target: str) -> bool:
    return source == target or target in ALLOWED.get(source, set())


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


@functools.cache
def parsed(path: Path) -> ast.Module:
    """Each module parsed once for every check of the run (parsing the tree is most of this test's time)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def imports(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import; relative ones resolved against ``module``.

    ``from monitor import metrics`` is an import of ``monitor.metrics`` (a module), not of ``monitor``.
    """
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                yield node.lineno, f"{name}.{alias.name}" if _is_module(f"{name}.{alias.name}") else name


def modules() -> Iterator[tuple[str, Path]]:
    for package in FIRST_PARTY:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def edges() -> dict[str, set[str]]:
    """Part → the other first-party parts it imports."""
    graph: dict[str, set[str]] = {}
    for module, path in modules():
        source = part_of(module)
        graph.setdefault(source, set())
        for _line, name in imports(module, path):
            if name.split(".")[0] in FIRST_PARTY and part_of(name) != source:
                graph[source].add(part_of(name))
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one part (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.add(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def violations() -> list[str]:
    found = []
    for module, path in modules():
        source = part_of(module)
        tree = parsed(path)
        for line, name in imports(module, path):
            top = name.split(".")[0]
            where = f"{path.relative_to(ROOT)}:{line}"
            if source == "fixtures.core" and top not in sys.stdlib_module_names and top not in FIRST_PARTY \
                    and top != "__future__":
                found.append(f"{where}: fixtures.core is stdlib only, imports {name}")
            if source in PURE and top in IO_MODULES:
                found.append(f"{where}: {source} is pure (numbers and records in, numbers out), imports {name}")
            if top == "sqlite3" and source not in ("monitor.store", "extranet"):
                found.append(f"{where}: {source} opens SQLite; SQL lives in monitor/store/ (or the extranet's own)")
            if source in READERS and any(name == w or name.startswith(w + ".") for w in WRITE_MODULES):
                found.append(f"{where}: {source} reads the store and never writes it, imports {name}")
            if top in FIRST_PARTY and not allowed(source, part_of(name)):
                found.append(f"{where}: {source} may not import {part_of(name)} ({name})")
        if source in READERS:
            writes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} & store_write_api()
            found += [f"{path.relative_to(ROOT)}: {source} reads the store and never writes it, calls {w}"
                      for w in sorted(writes)]
    return found


def store_write_api() -> set[str]:
    """The public methods of ``StoreWrites`` and the connection's ``transaction``, plus ``open_writer``."""
    names = {"open_writer", "transaction"}
    tree = parsed(ROOT / "monitor" / "store" / "writes.py")
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "StoreWrites":
            names |= {f.name for f in node.body if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")}
    return names


def test_every_import_follows_the_layers() -> None:
    assert violations() == []


def test_no_cycle_between_parts() -> None:
    assert cycles(edges()) == KNOWN_CYCLES


def test_the_rules_themselves_have_no_cycle_in_the_monitor() -> None:
    """The monitor's table is a stack of layers: no two parts may be allowed to import each other."""
    assert cycles({part: targets - {part} for part, targets in MONITOR.items()}) == set()


def test_every_part_of_the_tree_has_its_rule() -> None:
    """A new package or top-level monitor module is a decision: it has a line in ``ALLOWED``."""
    parts = {part_of(module) for module, _path in modules()}
    assert parts - set(ALLOWED) == set()


def test_the_rules_catch_a_forbidden_edge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Test the test: the monitor reaching for page objects, a core module importing a library, the store
    reaching up to the cycles, statistics opening files, the report writing the store, and a cycle."""
    assert not allowed("monitor.report", "pages") and not allowed("monitor.cycle", "fixtures.plugin")
    assert not allowed("fixtures.core", "fixtures.mail") and not allowed("extranet", "fixtures.core")
    assert not allowed("monitor.store", "monitor.cycle") and not allowed("monitor.store", "monitor.export")
    assert not allowed("monitor.config", "monitor.cycle") and not allowed("monitor.stats", "monitor.store")
    assert not allowed("monitor.stats", "fixtures.services")
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset({"a", "b", "c"})}
    for package in ("extranet", "pages", "journeys", "fixtures/core", "monitor/report", "monitor/stats",
                    "monitor/store"):
        (tmp_path / package).mkdir(parents=True)
    (tmp_path / "monitor" / "report" / "bad.py").write_text(
        "import sqlite3\nfrom pages.base import BasePage\nfrom monitor.store.writes import StoreWrites\n"
        "def f(store):\n    store.record_attempt(1, 1, [])\n")
    (tmp_path / "monitor" / "stats" / "bad.py").write_text("from pathlib import Path\n")
    (tmp_path / "monitor" / "store" / "writes.py").write_text(
        "class StoreWrites:\n    def record_attempt(self): ...\n")
    (tmp_path / "monitor" / "store" / "bad.py").write_text("from monitor.cycle.runner import CycleReport\n")
    (tmp_path / "fixtures" / "core" / "bad.py").write_text("def f():\n    import httpx\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = "\n".join(violations())
    for expected in ("may not import pages", "SQL lives in monitor/store/", "stdlib only, imports httpx",
                     "never writes it, imports monitor.store.writes", "never writes it, calls record_attempt",
                     "monitor.stats is pure", "monitor.store may not import monitor.cycle"):
        assert expected in found, found
