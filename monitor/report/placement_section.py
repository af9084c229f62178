"""The report's "where the mail landed" section: inbox or junk, per journey and browser.

Why its own section: the help page tells users to look in their spam folder, so a mail that
arrives in junk is a success with a warning, not a failure, and must be visible apart from the
rates. Only mails read from an IMAP mailbox have a placement (Mailpit has no folders).
"""
from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from fixtures.core.contract import JourneyResult
from fixtures.core.engine_names import display_name as display
from fixtures.core.placement import Placement


@dataclass
class PlacementRow:
    journey: str
    browser: str
    folders: Counter = field(default_factory=Counter)  # Placement value -> mails

    @property
    def in_junk(self) -> int:
        return self.folders.get(Placement.JUNK.value, 0)

    def cells(self) -> str:
        """« inbox 10, junk 2 » in the vocabulary's order."""
        return ", ".join(f"{p.value} {self.folders[p.value]}" for p in Placement if self.folders.get(p.value))


def placement_rows(results: Iterable[JourneyResult]) -> list[PlacementRow]:
    """Mails per folder for each journey × browser (every attempt: each mail is a fact of the mailbox)."""
    rows: dict[tuple[str, str], PlacementRow] = {}
    for r in results:
        for mail in r.mail_latencies:
            folder = mail.placement
            if folder:
                rows.setdefault((r.journey, r.browser), PlacementRow(r.journey, r.browser)).folders[folder] += 1
    return [rows[k] for k in sorted(rows)]


def placement_text(rows: Sequence[PlacementRow], window: str) -> list[str]:
    if not rows:
        return []
    out = ["", f"Mail placement (IMAP mailbox), last {window}: a mail in junk is a success with a warning"]
    for row in rows:
        warning = f"  WARNING: {row.in_junk} in junk" if row.in_junk else ""
        out.append(f"  {row.journey:<6} {display(row.browser):<9} {row.cells()}{warning}")
    return out


def placement_html(rows: Sequence[PlacementRow], window: str) -> str:
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{html.escape(r.journey)}</td><td>{html.escape(display(r.browser))}</td>"
        + "".join(f"<td>{r.folders.get(p.value, 0)}</td>" for p in Placement)
        + f"<td>{'⚠ filed as junk' if r.in_junk else 'ok'}</td></tr>" for r in rows)
    heads = "".join(f"<th>{p.value}</th>" for p in Placement)
    return (f"<h2>Mail placement (IMAP mailbox), last {html.escape(window)}</h2>"
            "<p>A mail found only in the junk folder is a success with a warning: the help page tells users "
            "to look there too.</p>"
            f"<table><tr><th>journey</th><th>browser</th>{heads}<th></th></tr>{body}</table>")
