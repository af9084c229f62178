"""The report's mail-path sections: verdicts per journey × browser, and the help page's Cas n°3.

Why: Cas n°3 of the help page is « vos serveurs d'entreprise bloquent les messages ». A mail that
did not come, came late or came in junk needs its likely cause next to it, from the evidence the
mails themselves carry (``fixtures.core.mail_path``: SPF/DKIM/DMARC verdicts, the relay that held
it, a link to another host). A mail that never came has no headers: its cause is inferred from the
other mails of the same journey in the window, and said to be an inference.
"""
from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from fixtures.core.contract import JourneyResult
from fixtures.core.engine_names import display_name as display
from fixtures.core.mail_path import HELD_SECONDS, MECHANISMS, AuthResult, MailPath, Verdict
from fixtures.core.outcomes import Outcome
from fixtures.core.placement import Placement

DID_NOT_COME, CAME_LATE, CAME_IN_JUNK = "did not come", "came late", "came in junk"
NO_EVIDENCE = ("no mail of this journey shows a cause in its headers: the site may not have sent it, or a gateway "
               "dropped it without a trace; ask the recipient's mail administrator to search the gateway's logs")


@dataclass
class MailPathRow:
    journey: str
    browser: str
    mails: int = 0
    results: dict[str, Counter] = field(default_factory=lambda: {m: Counter() for m in MECHANISMS})
    warnings: int = 0
    failures: int = 0

    def cells(self) -> str:
        """« spf pass 3 · dkim pass 2, fail 1 · dmarc pass 2, fail 1 »"""
        return " · ".join(f"{m} " + ", ".join(f"{r} {n}" for r, n in sorted(self.results[m].items()))
                          for m in MECHANISMS)


@dataclass(frozen=True)
class Case3Line:
    """Mails of one journey × browser in one trouble (did not come, late, junk) and their likely cause."""

    journey: str
    browser: str
    trouble: str
    count: int
    cause: str


def mail_path_rows(results: Iterable[JourneyResult]) -> list[MailPathRow]:
    rows: dict[tuple[str, str], MailPathRow] = {}
    for r in results:
        for path in r.mail_paths:
            row = rows.setdefault((r.journey, r.browser), MailPathRow(r.journey, r.browser))
            row.mails += 1
            for m in MECHANISMS:
                row.results[m][getattr(path, m)] += 1
            row.warnings += path.verdict == Verdict.WARNING.value
            row.failures += path.verdict == Verdict.FAILURE.value
    return [rows[k] for k in sorted(rows)]


def _is_late(path: MailPath, delivery: float | None) -> bool:
    return path.held is not None or (delivery is not None and delivery >= HELD_SECONDS)


def _late_cause(path: MailPath, delivery: float | None) -> str:
    held = path.held
    if held is not None:
        relay, seconds = held
        return f"held {seconds:.0f} s " + (f"at relay {relay}" if relay else "before the first relay (at the sender)")
    if not path.hops:
        return f"delivered after {delivery or 0:.0f} s; no Received chain says where (a source without relays)"
    return f"delivered after {delivery or 0:.0f} s; no relay stamped a hold (clocks or the sender's queue)"


def _inferred(paths: Sequence[MailPath]) -> str:
    """The cause of a mail that never came, from the journey's mails that did."""
    blocking = [p for p in paths if p.dmarc in (AuthResult.FAIL.value,) or p.failing_mechanisms]
    if blocking:
        last = blocking[-1]
        policy = last.dmarc_policy if last.dmarc == AuthResult.FAIL.value else None
        act = {"reject": "likely rejected by the recipient's gateway",
               "quarantine": "likely quarantined by the recipient's gateway (check its quarantine)"}.get(
            policy or "", "likely blocked or junked by the recipient's gateway")
        return f"{act}: this journey's mails that came show {last.explanation.removeprefix('in Junk: ')}"
    held = [p for p in paths if p.held is not None]
    if held:
        return f"likely still on the way: this journey's mails that came were {held[-1].explanation}"
    return NO_EVIDENCE


def case3_lines(results: Iterable[JourneyResult]) -> list[Case3Line]:
    """Per journey × browser and trouble, how many mails and the most frequent likely cause."""
    results = list(results)
    by_journey: dict[str, list[MailPath]] = {}
    for r in results:
        by_journey.setdefault(r.journey, []).extend(r.mail_paths)
    causes: dict[tuple[str, str, str], Counter] = {}
    for r in results:
        found: list[tuple[str, str]] = []
        if r.outcome == Outcome.MAIL_NOT_RECEIVED.value:
            found.append((DID_NOT_COME, _inferred(by_journey.get(r.journey, []))))
        delays = [m.delivery_seconds for m in r.mail_latencies]
        for i, path in enumerate(r.mail_paths):
            delivery = delays[i] if i < len(delays) else None
            if path.placement == Placement.JUNK.value:
                found.append((CAME_IN_JUNK, path.explanation))
            if _is_late(path, delivery):
                found.append((CAME_LATE, _late_cause(path, delivery)))
        for trouble, cause in found:
            causes.setdefault((r.journey, r.browser, trouble), Counter())[cause] += 1
    return [Case3Line(j, b, t, sum(c.values()), c.most_common(1)[0][0]) for (j, b, t), c in sorted(causes.items())]


def mail_path_text(rows: Sequence[MailPathRow], lines: Sequence[Case3Line], window: str) -> list[str]:
    out: list[str] = []
    if rows:
        out += ["", f"Mail path (Authentication-Results, Received chain, links), last {window}"]
        for row in rows:
            notes = ", ".join(x for x in (f"{row.warnings} warning(s)" if row.warnings else "",
                                          f"{row.failures} FAILURE(S)" if row.failures else "") if x)
            out.append(f"  {row.journey:<6} {display(row.browser):<9} {row.mails} mails: {row.cells()}"
                       + (f"  {notes}" if notes else ""))
    if lines:
        out += ["", f"Cas n°3 « vos serveurs d'entreprise bloquent les messages », last {window}: likely causes"]
        for line in lines:
            out.append(f"  {line.journey:<6} {display(line.browser):<9} {line.count} {line.trouble}: {line.cause}")
    return out


def mail_path_html(rows: Sequence[MailPathRow], lines: Sequence[Case3Line], window: str) -> str:
    parts = []
    if rows:
        body = "".join(f"<tr><td>{html.escape(r.journey)}</td><td>{html.escape(display(r.browser))}</td>"
                       f"<td>{r.mails}</td>" + "".join(
                           f"<td>{html.escape(', '.join(f'{k} {n}' for k, n in sorted(r.results[m].items())))}</td>"
                           for m in MECHANISMS) + f"<td>{r.warnings}</td><td>{r.failures}</td></tr>" for r in rows)
        heads = "".join(f"<th>{m}</th>" for m in MECHANISMS)
        parts.append(f"<h2>Mail path, last {html.escape(window)}</h2><table><tr><th>journey</th><th>browser</th>"
                     f"<th>mails</th>{heads}<th>warnings</th><th>failures</th></tr>{body}</table>")
    if lines:
        body = "".join(f"<tr><td>{html.escape(x.journey)}</td><td>{html.escape(display(x.browser))}</td>"
                       f"<td>{x.count} {html.escape(x.trouble)}</td><td>{html.escape(x.cause)}</td></tr>" for x in lines)
        parts.append(f"<h2>Cas n°3 « vos serveurs d'entreprise bloquent les messages », last {html.escape(window)}</h2>"
                     "<p>For mails that did not come, came late or came in junk: the likely cause, from the mails' "
                     "own headers (a mail that never came: from the journey's mails that did).</p>"
                     f"<table><tr><th>journey</th><th>browser</th><th>mails</th><th>likely cause</th></tr>{body}</table>")
    return "".join(parts)
