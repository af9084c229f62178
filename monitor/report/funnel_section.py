"""The report's "where each browser drops out" section: the per-step funnel and the top signatures.

Kept apart from ``monitor.report.history_model`` (rates, intervals, verdicts) so each reads alone; the report
calls ``funnel_text`` and ``funnel_html`` with what ``monitor.stats.funnel`` computed.
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Callable, Sequence

from fixtures.core.engine_names import display_name as display
from fixtures.core.signature import change_lines
from fixtures.core.untrusted import cap_items, clean
from monitor.stats.funnel import JourneyFunnel, SignatureGroup, StepRow

TOP_SIGNATURES = 3


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _cell(row: StepRow, browser: str) -> str:
    """« 3/3 » passed/reached, « 0/3 ✗3 » when runs dropped there, « – » when none reached it."""
    reached = row.reached.get(browser, 0)
    if not reached:
        return "–"
    dropped = row.dropped(browser)
    return f"{row.passed.get(browser, 0)}/{reached}" + (f" ✗{dropped}" if dropped else "")


def _seen(g: SignatureGroup) -> str:
    outcomes = ", ".join(f"{n} {o}" for o, n in sorted(g.outcomes.items()))
    return f"×{g.count} ({outcomes}), first {_when(g.first_seen)}, last {_when(g.last_seen)}"


def _details(g: SignatureGroup) -> list[tuple[str, str]]:
    """The latest signature's fields in full (the line shortens the alert and keeps one error).

    The target's text, from the store: cleaned and capped again (``fixtures.core.untrusted``), so a
    row written before the cap or by another writer cannot reach the terminal or the page raw.
    """
    sig = g.example
    out = [(k, clean(sig[k])) for k in ("path", "status", "heading") if sig.get(k) not in (None, "")]
    for key, label in (("alerts", "alert"), ("js_errors", "JavaScript error"), ("console_errors", "console error"),
                       ("failed_requests", "failed request")):
        out += [(label, clean(v)) for v in cap_items(sig.get(key) or [])]
    changes = change_lines(sig)  # what changed on the screen since the step last passed (aria diff)
    if changes:
        out.append(("screen compared with", clean(sig.get("screen_baseline") or "the last good run")))
        out += [("screen changed", clean(line)) for line in changes[1:]]
    return out


def funnel_text(funnels: Sequence[JourneyFunnel], window: str) -> list[str]:
    """Terminal lines: per journey a step × browser table (passed/reached), then top signatures."""
    if not funnels:
        return []
    out = ["", f"Where each browser drops out, last {window} (first attempts: passed/reached, ✗ = dropped there)"]
    for f in funnels:
        if not f.steps and not f.signatures:
            continue
        runs = ", ".join(f"{display(b)} {f.succeeded.get(b, 0)}/{f.runs.get(b, 0)} succeeded" for b in f.browsers)
        out.append(f"  {f.journey}: {runs}")
        width = max([len(r.name) for r in f.steps] + [10])
        width = min(width, 70)
        out.append(f"    {'step':<{width}}" + "".join(f"{display(b):>14}" for b in f.browsers))
        for row in f.steps:
            name = row.name if len(row.name) <= width else row.name[:width - 1] + "…"
            out.append(f"    {name:<{width}}" + "".join(f"{_cell(row, b):>14}" for b in f.browsers))
        for b in f.browsers:
            for g in f.top_signatures(b, TOP_SIGNATURES):
                files = ", ".join(p for p in (g.screenshot, g.trace) if p)
                out.append(f"    {display(b)} {_seen(g)}: {clean(g.line)}" + (f"  [{files}]" if files else ""))
                out += [f"        {k}: {v}" for k, v in _details(g)]
    return out


def funnel_html(funnels: Sequence[JourneyFunnel], window: str, link: Callable[[str], str]) -> str:
    """HTML tables; ``link`` renders an artifact path (the report's relative link, or « removed »)."""
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    if not any(f.steps or f.signatures for f in funnels):
        return ""
    parts = [f"<h2>Where each browser drops out, last {e(window)}</h2>",
             '<p class="muted">First attempts: passed/reached per step; ✗ = runs that dropped out at that step. '
             "Signatures: the failed step, the HTTP status, the alert on screen, the page's first error.</p>"]
    for f in funnels:
        if not f.steps and not f.signatures:
            continue
        parts.append(f"<h3>{e(f.journey)}</h3><table><tr><th>step</th>"
                     + "".join(f"<th>{e(display(b))}<br><span class=\"muted\">{f.succeeded.get(b, 0)}/"
                               f"{f.runs.get(b, 0)} succeeded</span></th>" for b in f.browsers) + "</tr>")
        for row in f.steps:
            cells = []
            for b in f.browsers:
                style = ' style="background:#f8d7da"' if row.dropped(b) else ""
                cells.append(f"<td{style}>{e(_cell(row, b))}</td>")
            parts.append(f"<tr><td>{e(row.name)}</td>{''.join(cells)}</tr>")
        parts.append("</table>")
        groups = [g for b in f.browsers for g in f.top_signatures(b, TOP_SIGNATURES)]
        if groups:
            parts.append('<table style="margin-top:.6em"><tr><th>browser</th><th>signature</th><th>details (latest)</th>'
                         "<th>seen</th>"
                         "<th>screenshot / trace</th></tr>")
            for g in groups:
                files = " ".join(link(p) for p in (g.screenshot, g.trace) if p) or "–"
                details = "<br>".join(f"<b>{e(k)}</b>: {e(v)}" for k, v in _details(g))
                parts.append(f"<tr><td>{e(display(g.browser))}</td><td>{e(clean(g.line))}</td><td>{details}</td>"
                             f"<td>{e(_seen(g))}</td><td>{files}</td></tr>")
            parts.append("</table>")
    return "\n".join(parts)
