"""The leak audit's scan: every file a run leaves, zip members opened, for every secret in every form.

Why not the scrubber's own verifier: it checks the files it scrubbed, with the secrets it was
told about. This scan walks *everything* under the folders it is given (reports, terminal
output, logs, databases, metrics), opens zips (traces) down to their members, and searches
the secrets the audit gathered itself (``leak_capture``, the mailbox, the operator key) in
every form of ``fixtures.secrets.forms`` (raw, percent, JSON, HTML, base64 at any alignment),
plus any cookie or authorization value left unmasked in HAR-shaped JSON or header lines.
Stored accessibility snapshots (the last good screen of each step) are scanned as files and,
decoded, screen by screen.
Findings name the file and the form, never the secret.
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from fixtures.secrets.artifacts import SecretRegistry, unmasked_credentials


def _aria_screens(data: bytes) -> list[tuple[str, bytes]]:
    """The decoded screens of a stored accessibility snapshot (``fixtures.core.aria_store``), else [].

    Why decode: each snapshot is a string inside JSON that itself quotes names, so a secret there
    is escaped twice; scanning the decoded text too does not rely on the forms covering that.
    """
    if not data.lstrip().startswith(b"{") or b'"screens"' not in data:
        return []
    try:
        document = json.loads(data)
        return [(f"screen[{i}] {s['path']}", f"{s['path']}\n{s['snapshot']}".encode())
                for i, s in enumerate(document["screens"])]
    except (ValueError, KeyError, TypeError):
        return []


def _members(label: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    for name, screen in _aria_screens(data):
        yield f"{label}!{name}", screen
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    yield from _members(f"{label}!{name}", archive.read(name))
            return
        except zipfile.BadZipFile:
            pass
    yield label, data


def files(roots: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) of every file under ``roots`` and of every member of every zip in them."""
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            yield from _members(str(path), path.read_bytes())


def scan(roots: Iterable[Path], secrets: SecretRegistry) -> list[str]:
    """Every finding: ``<file>[!member]: <form>``. Empty when the run left no secret behind."""
    findings: list[str] = []
    for label, data in files(roots):
        findings.extend(f"{label}: {form}" for form in secrets.remaining(data))
        if b"\x00" not in data[:8192]:  # text: databases and images hold no HAR records
            findings.extend(f"{label}: {form}" for form in unmasked_credentials(label.rsplit("!", 1)[-1], data))
    return findings
