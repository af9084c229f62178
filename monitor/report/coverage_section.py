"""The report's coverage section: per engine, the help page's steps the target lets the suite
exercise (the newest run of each journey in the window) and why the others are not.

Why in the report: on a black box most of the procedure is *not run* on purpose, never a failure,
so rates alone look healthy while half of the help page goes unwatched; the operator should see at
a glance how much of the procedure is watched, and what would widen it (a captcha bypass, writes,
more test accounts). The arithmetic is ``fixtures.core.coverage`` (shared with the cycle summary
and the ``extranet_help_page_steps`` gauge).
"""
from __future__ import annotations

import html
from typing import Iterable

from fixtures.core import coverage
from fixtures.core.outcomes import Outcome
from monitor.store.results_db import StoredResult

#: What would let the suite exercise the steps a reason leaves out (said once per reason).
WHAT_WOULD_WIDEN = {
    "captcha": 'captcha = "bypass" with a header or cookie the portal\'s operators grant',
    "write_guard": "allow_writes = true (real requests and mails on the target)",
    "needs_operator": "the reference extranet's operator key (never on a real portal)",
    "account_quota": "more test accounts or a longer interval",
    "needs_test_account": "test accounts in the credentials file",
}


def coverage_rows(rows: Iterable[StoredResult]) -> list[coverage.EngineCoverage]:
    """Per engine, over the newest stored attempt of each journey (probe errors left out)."""
    ordered = sorted((r for r in rows if r.outcome != Outcome.PROBE_ERROR.value), key=lambda r: (r.ts, r.attempt))
    return coverage.by_engine(r.record for r in ordered)


def coverage_text(found: list[coverage.EngineCoverage]) -> list[str]:
    if not found:
        return []
    out = ["", "Help-page steps this target lets the suite exercise (newest run of each journey):"]
    out += [f"  {c.line()}" for c in found]
    reasons = dict.fromkeys(r for c in found for r in c.not_exercised)
    out += [f"  {r}: {WHAT_WOULD_WIDEN[r]}" for r in reasons if r in WHAT_WOULD_WIDEN]
    return out


def coverage_html(found: list[coverage.EngineCoverage]) -> str:
    if not found:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(c.browser)}</td><td>{c.exercised} / {c.declared}</td><td>"
        + "; ".join(f"{html.escape(reason)}: {html.escape(', '.join(where))}" for reason, where in c.not_exercised.items())
        + "</td></tr>" for c in found)
    return ('<section id="coverage"><h2>Help-page steps exercised on this target</h2><table>'
            "<tr><th>engine</th><th>exercised</th><th>not exercised, by why</th></tr>" + rows + "</table></section>")
