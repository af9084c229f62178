"""Executables that stand in for a browser binary, for the engine-resolution tests of both tiers."""
from __future__ import annotations

import stat
from pathlib import Path

from fixtures.engines.resolve import ENGINE_NAMES

NO_PLAYWRIGHT_BUILDS: dict[str, str | None] = {name: None for name in ENGINE_NAMES}


def make_executable(path: Path, body: str = "#!/bin/sh\necho 'Fake Browser 1.2.3'\n") -> Path:
    """An executable script at ``path`` (a fake browser that prints its version)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path
