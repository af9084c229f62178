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

from prometheus_client.parser import text_string_to_metric_families

from fixtures.core.mail_path import AUTH_RESULTS, HOP_LABELS, MECHANISMS, hop_label
from fixtures.secrets.registry import SecretRegistry
from fixtures.secrets.scrubber import unmasked_credentials


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


#: The label values the mail path's metric families may take (issue 20; a counter's family drops ``_total``).
MAIL_LABELS: dict[str, dict[str, frozenset[str]]] = {
    "extranet_mail_auth": {"mechanism": frozenset(MECHANISMS), "result": frozenset(AUTH_RESULTS)},
    "extranet_mail_hop_delay_seconds": {"hop": frozenset(hop_label(i) for i in range(1, HOP_LABELS + 2))},
}


def unbounded_labels(metrics_text: str) -> list[str]:
    """Every metric label that could carry a person or a secret: a value holding an address (``@``) or
    a link (``://``) in any series, and a mail-path label outside its vocabulary (``MAIL_LABELS``).
    Findings name the series and the label, never the value."""
    findings: list[str] = []
    for family in text_string_to_metric_families(metrics_text):
        allowed = MAIL_LABELS.get(family.name, {})
        for sample in family.samples:
            for name, value in sample.labels.items():
                if name == "le":
                    continue
                if "@" in value or "://" in value:
                    findings.append(f"{sample.name} label {name}: an address or a link")
                elif name in allowed and value not in allowed[name]:
                    findings.append(f"{sample.name} label {name}: outside its vocabulary")
    return findings
