"""Artifact clean-up: delete the files of rows past retention, then old files and the oldest past a size cap.

Why so careful: artifact paths come from stored records, so only files inside the configured
artifacts folder are ever deleted (a path elsewhere, or the folder itself, is left alone), and
symbolic links are never followed.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable, Iterator


def delete_listed(paths: Iterable[str], root: Path | None, done: dict[str, int]) -> None:
    """Delete the artifacts of deleted rows (those inside ``root`` only)."""
    for p in paths:
        done["artifact_bytes"] += _delete_inside(Path(p), root, done)


def sweep(root: Path | None, *, max_age: float, max_bytes: int, now: float, done: dict[str, int]) -> None:
    """Delete files of ``root`` older than ``max_age``, then the oldest while the folder is over ``max_bytes``."""
    if root is None or not root.is_dir():
        return
    files = []
    for f in _walk_files(root):
        try:
            st = f.lstat()
        except OSError:
            continue
        files.append((st.st_mtime, st.st_size, f))
    files.sort()
    total = sum(s for _, s, _ in files)
    for mtime, _size, f in files:
        too_old = max_age > 0 and mtime < now - max_age
        too_big = max_bytes > 0 and total > max_bytes
        if not (too_old or too_big):
            continue
        freed = _delete_inside(f, root, done)
        total -= freed
        done["artifact_bytes"] += freed
    _prune_empty_dirs(root)


def _walk_files(root: Path) -> Iterator[Path]:
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            yield Path(dirpath) / name


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _delete_inside(path: Path, root: Path | None, done: dict[str, int]) -> int:
    """Delete ``path`` (file or directory) only if it lies inside ``root``; return bytes freed."""
    if root is None or not _inside(path, root) or path.resolve() == root.resolve():
        return 0
    try:
        if path.is_dir() and not path.is_symlink():
            size = sum(f.lstat().st_size for f in _walk_files(path))
            shutil.rmtree(path, ignore_errors=True)
        else:
            size = path.lstat().st_size
            path.unlink()
    except FileNotFoundError:
        return 0
    except OSError:
        return 0
    done["artifact_files"] += 1
    return size


def _prune_empty_dirs(root: Path) -> None:
    for dirpath, _dirs, _files in os.walk(root, topdown=False):
        p = Path(dirpath)
        if p != root and not any(p.iterdir()):
            try:
                p.rmdir()
            except OSError:
                pass
