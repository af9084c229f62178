"""The report's "test accounts exhausted" callout: runs not run because the schedule spent
every test account's recovery quota, and how many more accounts it needs.

Why a callout of its own: these runs are *not run* (``account_quota``), never failures, so
they are out of every rate; without a line of their own an operator would see fewer runs and
not why. The number is the newest run's (``JourneyResult.accounts_short``, measured by the
suite over the target's window: ``fixtures.target.quota.Shortfall``).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterable

from fixtures.core.outcomes import AccountQuota
from monitor.store.results_db import StoredResult


@dataclass(frozen=True)
class AccountsExhausted:
    runs: int  # journey runs not run for account_quota in the window
    more_accounts: int  # the newest such run's count
    journeys: tuple[str, ...]
    newest_ts: float

    def sentence(self, window: str) -> str:
        n = self.more_accounts
        return (f"test accounts exhausted: {n} more account{'s' if n != 1 else ''} or a longer interval — "
                f"{self.runs} run{'s' if self.runs != 1 else ''} of {', '.join(self.journeys)} not run "
                f"({AccountQuota.failure_class}) in the last {window}; never counted as failures")


def accounts_exhausted(rows: Iterable[StoredResult]) -> AccountsExhausted | None:
    """What the window's first attempts not run for ``account_quota`` say, or None when there are none."""
    rows = sorted((r for r in rows if r.attempt == 1 and r.failure_class == AccountQuota.failure_class),
                  key=lambda r: r.ts)
    if not rows:
        return None
    newest = rows[-1]
    short = newest.record.accounts_short
    return AccountsExhausted(len(rows), short if short is not None and short > 0 else 1,
                             tuple(sorted({r.journey for r in rows})), newest.ts)


def accounts_text(found: AccountsExhausted | None, window: str) -> list[str]:
    return ["", found.sentence(window)[0].upper() + found.sentence(window)[1:]] if found else []


def accounts_html(found: AccountsExhausted | None, window: str) -> str:
    if not found:
        return ""
    return f'<p class="callout" id="accounts-exhausted">{html.escape(found.sentence(window))}</p>'
