"""The report's timings section: per step × browser durations and page-load figures, and which
browser is slower where (``monitor.stats.speed``), only when the data support it.

Two times per step, shown apart: the *browser time* (``fixtures.core.page_load.BrowserTime``: what
the browser measured for the person, from its own clocks) is what browsers are compared on; the
*prober time* (the step's wall clock in the driver, protocol round trips included) is shown beside
it and never compared: on an identical server it made Firefox over WebDriver BiDi read 2.8× slower
where the browsers' own figures differed 1.3× (issue 28).

Kept apart from ``monitor.report.history_model`` as the funnel is; the report calls
``timings_from`` with the first attempts it read, then ``timings_text`` / ``timings_html``.
A figure an engine does not expose is shown as "—" with the engine's reason, never as 0.
"""
from __future__ import annotations

import html
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from fixtures.core.contract import JourneyResult
from fixtures.core.engine_names import display_name as display
from fixtures.core.outcomes import JUDGED_OUTCOMES
from fixtures.core.page_load import FIGURE_IDS
from fixtures.core.steps import ETAPES, step_label
from monitor.stats.speed import SpeedComparison, StepTime, compare_browsers

HEADINGS = {"ttfb": "TTFB", "dom_content_loaded": "DCL", "load": "load", "lcp": "LCP", "cls": "CLS", "inp": "INP"}


@dataclass
class TimingRow:
    """One step in one browser: completed runs, median browser and prober times, median page-load figures."""

    step: str
    words: str
    browser: str
    runs: int
    median_prober: float  # the driver's wall clock (never compared)
    median_browser: float | None  # the browser's own clocks; None: no run measured it (``browser_missing`` says why)
    browser_runs: int = 0
    browser_missing: str = ""
    figures: dict[str, float] = field(default_factory=dict)  # figure -> median of the measured values
    missing: dict[str, str] = field(default_factory=dict)  # figure -> why no value (the commonest reason)


@dataclass
class TimingsData:
    rows: list[TimingRow]
    comparisons: list[SpeedComparison]

    @property
    def claims(self) -> list[SpeedComparison]:
        return [c for c in self.comparisons if c.claimed]


def _words(step: str, recorded: str) -> str:
    """The help page's words for the step (its recorded words when they carry a placeholder's value)."""
    known = ETAPES.get(step)
    return known.name if known is not None and "{" not in known.name else recorded


def timings_from(first_attempts: Iterable[tuple[int, JourneyResult]], browsers: Sequence[str],
                 alpha: float = 0.05) -> TimingsData:
    """Rows and comparisons from (cycle id, first attempt) pairs; completed steps of judged attempts only.

    The comparison pairs browser times only: a step without one (not exposed, not reached) is left out
    of it, never replaced by its prober time."""
    prober: dict[tuple[str, str], list[float]] = {}
    words: dict[str, str] = {}
    times: list[StepTime] = []
    unmeasured: dict[tuple[str, str], Counter[str]] = {}
    figures: dict[tuple[str, str], dict[str, list[float]]] = {}
    reasons: dict[tuple[str, str], dict[str, Counter[str]]] = {}
    for cycle, r in first_attempts:
        if r.outcome not in JUDGED_OUTCOMES:
            continue
        for s in r.steps:
            if not s.ok:
                continue
            step = step_label(s.id)
            words.setdefault(step, _words(step, s.name))
            prober.setdefault((step, r.browser), []).append(s.seconds)
            if s.browser is not None and s.browser.seconds is not None:
                times.append(StepTime(cycle, r.journey, r.browser, step, words[step], s.browser.seconds))
            else:
                why = (s.browser.text or s.browser.reason or "") if s.browser is not None else "not collected"
                unmeasured.setdefault((step, r.browser), Counter())[why] += 1
            if s.page_load is not None:
                for figure in FIGURE_IDS:
                    value = s.page_load.value(figure)
                    if value is not None:
                        figures.setdefault((step, r.browser), {}).setdefault(figure, []).append(value)
                for u in s.page_load.unmeasured:
                    reasons.setdefault((step, r.browser), {}).setdefault(u.figure, Counter())[u.text or u.reason] += 1
    measured: dict[tuple[str, str], list[float]] = {}
    for t in times:
        measured.setdefault((t.step, t.browser), []).append(t.seconds)
    rows = []
    for (step, browser), seconds in sorted(prober.items()):
        browser_seconds = measured.get((step, browser), [])
        loads = figures.get((step, browser), {})
        missing = unmeasured.get((step, browser))
        rows.append(TimingRow(step, words[step], browser, len(seconds), statistics.median(seconds),
                              statistics.median(browser_seconds) if browser_seconds else None, len(browser_seconds),
                              missing.most_common(1)[0][0] if missing and not browser_seconds else "",
                              {f: statistics.median(v) for f, v in loads.items()},
                              {f: c.most_common(1)[0][0] for f, c in reasons.get((step, browser), {}).items()
                               if f not in loads}))
    return TimingsData(rows, compare_browsers(times, browsers or sorted({b for _, b in prober}), alpha))


def seconds_text(value: float) -> str:
    """A measured time that never reads as 0: "1.51s", "240ms", "3ms", "0.4ms" (a local TTFB is a few ms,
    and "0.00s" would say "instant", a claim nobody measured)."""
    if value >= 1.0:
        return f"{value:.2f}s"
    return f"{value * 1000:.0f}ms" if value >= 0.0095 else f"{value * 1000:.1f}ms"


def _figure(row: TimingRow, figure: str) -> str:
    if figure not in row.figures:
        return "—"
    value = row.figures[figure]
    return f"{value:.3f}" if figure == "cls" else seconds_text(value)


def _browser_time(row: TimingRow) -> str:
    return seconds_text(row.median_browser) if row.median_browser is not None else "—"


def _missing_notes(rows: Sequence[TimingRow]) -> list[str]:
    """One line per browser × reason: which figures it lacks and why (never shown as 0)."""
    notes: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        if row.median_browser is None and row.browser_missing:
            notes.setdefault((row.browser, row.browser_missing), set()).add("browser time")
        for figure, why in row.missing.items():
            notes.setdefault((row.browser, why), set()).add(HEADINGS[figure])
    return [f"{display(b)}: {', '.join(sorted(f))} — {why}" for (b, why), f in sorted(notes.items())]


#: What the two times are, said once for the text and the HTML.
METHOD = ("Browser time: the browser's own clocks for the person (Navigation Timing: navigation start → load "
          "event, summed over the documents a step loaded; else Event Timing: input → next paint of its "
          "interactions); browsers are compared on it only. Prober time: the step's wall clock in the driver "
          "(protocol round trips included), shown apart, never compared.")


def _comparison_lines(data: TimingsData) -> list[str]:
    if not data.comparisons:
        return ["No step has enough paired runs in two browsers to compare them yet."]
    if not data.claims:
        return [f"No browser is slower than another at any step beyond chance ({data.comparisons[0].comparisons} "
                "comparisons, Bonferroni)."]
    return [c.sentence(display) + "." for c in data.claims]


def timings_text(data: TimingsData, window: str) -> list[str]:
    if not data.rows:
        return []
    out = ["", f"Timings, last {window} (first attempts, completed steps: median browser time, runs, median "
                "prober time, page-load medians)"]
    out += [f"  {line}" for line in _comparison_lines(data)]
    out.append(f"  {METHOD}")
    width = min(60, max(len(r.words) for r in data.rows))
    out.append(f"  {'step':<{width}} {'browser':<9} {'browser':>7} {'n':>4} {'prober':>7} "
               + " ".join(f"{HEADINGS[f]:>6}" for f in FIGURE_IDS))
    for row in data.rows:
        words = row.words if len(row.words) <= width else row.words[:width - 1] + "…"
        out.append(f"  {words:<{width}} {display(row.browser):<9} {_browser_time(row):>7} {row.runs:>4} "
                   f"{row.median_prober:>6.2f}s " + " ".join(f"{_figure(row, f):>6}" for f in FIGURE_IDS))
    out += [f"  — {note}" for note in _missing_notes(data.rows)]
    return out


def timings_html(data: TimingsData, window: str) -> str:
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    if not data.rows:
        return ""
    parts = [f"<h2>Timings, last {e(window)}</h2>",
             "<p>" + "<br>".join(e(line) for line in _comparison_lines(data)) + "</p>",
             f'<p class="muted">{e(METHOD)} Paired by cycle and journey: Hodges–Lehmann ratio of browser times with its '
             "Wilcoxon signed-rank interval, Bonferroni over every step × browser pair compared; a claim only when "
             "the interval excludes 1. Page-load figures: medians of the documents each step loaded; — = not "
             "measured (why below), never 0.</p>",
             "<table><tr><th>step</th><th>browser</th><th>browser time</th><th>n</th><th>prober time</th>"
             + "".join(f"<th>{e(HEADINGS[f])}</th>" for f in FIGURE_IDS) + "</tr>"]
    for row in data.rows:
        parts.append(f"<tr><td>{e(row.words)}</td><td>{e(display(row.browser))}</td>"
                     f"<td title=\"{e(row.browser_missing)}\">{e(_browser_time(row))}</td><td>{row.runs}</td>"
                     f"<td>{row.median_prober:.2f}s</td>"
                     + "".join(f"<td title=\"{e(row.missing.get(f, ''))}\">{e(_figure(row, f))}</td>"
                               for f in FIGURE_IDS) + "</tr>")
    parts.append("</table>")
    notes = _missing_notes(data.rows)
    if notes:
        parts.append('<ul class="muted">' + "".join(f"<li>— {e(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(parts)
