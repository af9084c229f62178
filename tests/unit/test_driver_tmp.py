"""A Playwright driver gets a TMPDIR of its own; the test process keeps its own (fixtures/engines/driver_tmp.py)."""
from __future__ import annotations

import os

import pytest

from fixtures.engines.driver_tmp import driver_tmpdir, remove


@pytest.mark.parametrize("before", [None, "/var/tmp"])
def test_a_driver_started_inside_sees_its_own_folder_and_the_process_gets_its_tmpdir_back(
        monkeypatch: pytest.MonkeyPatch, before: str | None) -> None:
    if before is None:
        monkeypatch.delenv("TMPDIR", raising=False)
    else:
        monkeypatch.setenv("TMPDIR", before)
    with driver_tmpdir() as folder:
        assert os.environ["TMPDIR"] == str(folder) and folder.is_dir()  # what a driver started here inherits
    assert os.environ.get("TMPDIR") == before
    with driver_tmpdir() as other:
        assert other != folder  # two drivers, two folders: WebKit's fixed artifacts folder is no longer shared
    remove(folder)
    remove(other)
    assert not folder.exists() and not other.exists()
