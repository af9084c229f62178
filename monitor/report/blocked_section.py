"""The report's "the monitor is being blocked" callout: runs a bot defence, WAF, CDN challenge or rate
limit refused, by browser and product, with the newest reference id and what the refusal follows.

Why a callout of its own: these runs are ``probe_error`` (class ``blocked``: the prober's problem), out
of every rate; without a line of their own an operator would see fewer runs and not that the portal's
defence is refusing the monitor, nor the reference id its operators need to allowlist it
(``fixtures.core.blocking``). The same sentence serves a cycle's summary (``cycle_summary``).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterable

from fixtures.core.blocking import Block
from fixtures.core.contract import JourneyResult
from fixtures.core.engine_names import display_name
from fixtures.core.untrusted import clean


@dataclass(frozen=True)
class BlockedRuns:
    """One browser × product refused the monitor in a window (first attempts)."""

    browser: str
    product: str
    runs: int
    journeys: tuple[str, ...]
    newest: Block  # the newest refusal: its reference id and what it follows

    def sentence(self) -> str:
        return (f"{display_name(self.browser)}: {self.runs} run{'s' if self.runs != 1 else ''} of "
                f"{', '.join(self.journeys)} {clean(self.newest.line())}"
                + (f" ({clean(self.newest.resend)})" if self.newest.resend else ""))


def blocked_runs(records: Iterable[JourneyResult]) -> list[BlockedRuns]:
    """The refused records grouped by browser and product, in the records' order (the newest last)."""
    groups: dict[tuple[str, str], list[JourneyResult]] = {}
    for r in records:
        if r.blocked is not None:
            groups.setdefault((r.browser, r.blocked.product), []).append(r)
    return [BlockedRuns(browser, product, len(rows), tuple(sorted({r.journey for r in rows})),
                        rows[-1].blocked)  # type: ignore[arg-type]  # grouped on blocked is not None
            for (browser, product), rows in sorted(groups.items())]


HEADLINE = ("THE MONITOR IS BEING BLOCKED by a bot defence (the prober's problem, not the portal's nor a "
            "browser's; left out of every rate): ask the portal's operators to allowlist it")


def blocked_text(found: list[BlockedRuns], window: str = "") -> list[str]:
    if not found:
        return []
    where = f" in the last {window}" if window else ""
    return ["", f"{HEADLINE}{where}:"] + [f"  {b.sentence()}" for b in found]


def blocked_html(found: list[BlockedRuns], window: str) -> str:
    if not found:
        return ""
    items = "".join(f"<li>{html.escape(b.sentence())}</li>" for b in found)
    return (f'<div class="callout" id="monitor-blocked"><p>{html.escape(HEADLINE)} in the last {html.escape(window)}:'
            f"</p><ul>{items}</ul></div>")
