"""docs/ARCHITECTURE.md § Packages and layers names every module of the tree, and only modules that exist.

Why a test: the map drifted before (six modules left out, a store module said to hold SQL it no longer
held). A module counts as named when its path is written out (``monitor/config.py``), or when its name
stands in backticks in a table row that names its folder (``| `monitor/store/` | … `reads` … |``), or in
the subsection whose heading names its folder (``### Page objects: `pages/```).
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
FIRST_PARTY = ("aparts_sentinel", "extranet", "fixtures", "pages", "journeys", "monitor")
PATH = re.compile(r"\b((?:%s)/[\w/]*\.py)\b" % "|".join(FIRST_PARTY))


def packages_section(text: str) -> str:
    """The text from ``## Packages and layers`` to the next ``## `` heading."""
    start = text.index("## Packages and layers")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def tree_modules(root: Path) -> list[Path]:
    """Every first-party module but the packages' ``__init__.py`` (a package is named by its folder)."""
    return sorted(p.relative_to(root) for package in FIRST_PARTY for p in (root / package).rglob("*.py")
                  if p.name != "__init__.py")


def is_named(module: Path, section: str) -> bool:
    if str(module) in section:
        return True
    folder, name = f"`{module.parent.as_posix()}/`", f"`{module.stem}`"
    if any(folder in line and name in line for line in section.splitlines() if line.startswith("|")):
        return True
    subsections = re.split(r"\n(?=### )", section)
    return any(folder in sub.splitlines()[0] and name in sub for sub in subsections)


def missing(root: Path, text: str) -> list[str]:
    section = packages_section(text)
    return [str(m) for m in tree_modules(root) if not is_named(m, section)]


def not_in_tree(root: Path, text: str) -> list[str]:
    """Module paths the whole file mentions that do not exist (moved or deleted without the map)."""
    return sorted({p for p in PATH.findall(text) if not (root / p).is_file()})


def test_every_module_of_the_tree_is_in_the_architecture() -> None:
    assert missing(ROOT, ARCHITECTURE.read_text(encoding="utf-8")) == []


def test_every_module_path_the_architecture_names_exists() -> None:
    assert not_in_tree(ROOT, ARCHITECTURE.read_text(encoding="utf-8")) == []


def test_the_checks_catch_a_module_left_out_and_a_path_that_moved(tmp_path: Path) -> None:
    """Test the test, on a tree and a map of its own."""
    for path in ("monitor/store/reads.py", "monitor/store/writes.py", "monitor/config.py", "pages/base.py",
                 "monitor/store/__init__.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    text = ("## Packages and layers\n\n| part | modules |\n|---|---|\n| `monitor/store/` | `reads` |\n"
            "| `monitor/config.py` | the TOML |\n\n### Page objects: `pages/`\n\nModules: `base`.\n\n"
            "## Tests\n\n`writes` is not named here: outside the section. See monitor/cycle/classify.py.\n")
    assert missing(tmp_path, text) == ["monitor/store/writes.py"]
    assert not_in_tree(tmp_path, text) == ["monitor/cycle/classify.py"]
