"""The report's timings section: per step × browser durations and page-load figures, and which
browser is slower where (``monitor.stats.speed``), only when the data support it.

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
    """One step in one browser: completed runs, median seconds, median page-load figures."""

    step: str
    words: str
    browser: str
    runs: int
    median_seconds: float
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
    """Rows and comparisons from (cycle id, first attempt) pairs; completed steps of judged attempts only."""
    times: list[StepTime] = []
    figures: dict[tuple[str, str], dict[str, list[float]]] = {}
    reasons: dict[tuple[str, str], dict[str, Counter[str]]] = {}
    for cycle, r in first_attempts:
        if r.outcome not in JUDGED_OUTCOMES:
            continue
        for s in r.steps:
            if not s.ok:
                continue
            step = step_label(s.id)
            times.append(StepTime(cycle, r.journey, r.browser, step, _words(step, s.name), s.seconds))
            if s.page_load is not None:
                for figure in FIGURE_IDS:
                    value = s.page_load.value(figure)
                    if value is not None:
                        figures.setdefault((step, r.browser), {}).setdefault(figure, []).append(value)
                for u in s.page_load.unmeasured:
                    reasons.setdefault((step, r.browser), {}).setdefault(u.figure, Counter())[u.text or u.reason] += 1
    by_cell: dict[tuple[str, str], list[StepTime]] = {}
    for t in times:
        by_cell.setdefault((t.step, t.browser), []).append(t)
    rows = []
    for (step, browser), cell in sorted(by_cell.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        measured = figures.get((step, browser), {})
        rows.append(TimingRow(step, cell[0].words, browser, len(cell), statistics.median(t.seconds for t in cell),
                              {f: statistics.median(v) for f, v in measured.items()},
                              {f: c.most_common(1)[0][0] for f, c in reasons.get((step, browser), {}).items()
                               if f not in measured}))
    return TimingsData(rows, compare_browsers(times, browsers or sorted({t.browser for t in times}), alpha))


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


def _missing_notes(rows: Sequence[TimingRow]) -> list[str]:
    """One line per browser × reason: which figures it lacks and why (never shown as 0)."""
    notes: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        for figure, why in row.missing.items():
            notes.setdefault((row.browser, why), set()).add(HEADINGS[figure])
    return [f"{display(b)}: {', '.join(sorted(f))} — {why}" for (b, why), f in sorted(notes.items())]


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
    out = ["", f"Timings, last {window} (first attempts, completed steps: median seconds, runs, page-load medians)"]
    out += [f"  {line}" for line in _comparison_lines(data)]
    width = min(60, max(len(r.words) for r in data.rows))
    out.append(f"  {'step':<{width}} {'browser':<9} {'median':>7} {'n':>4} "
               + " ".join(f"{HEADINGS[f]:>6}" for f in FIGURE_IDS))
    for row in data.rows:
        words = row.words if len(row.words) <= width else row.words[:width - 1] + "…"
        out.append(f"  {words:<{width}} {display(row.browser):<9} {row.median_seconds:>6.2f}s {row.runs:>4} "
                   + " ".join(f"{_figure(row, f):>6}" for f in FIGURE_IDS))
    out += [f"  — {note}" for note in _missing_notes(data.rows)]
    return out


def timings_html(data: TimingsData, window: str) -> str:
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    if not data.rows:
        return ""
    parts = [f"<h2>Timings, last {e(window)}</h2>",
             "<p>" + "<br>".join(e(line) for line in _comparison_lines(data)) + "</p>",
             '<p class="muted">Paired by cycle and journey: Hodges–Lehmann ratio of durations with its Wilcoxon '
             "signed-rank interval, Bonferroni over every step × browser pair compared; a claim only when the "
             "interval excludes 1. Page-load figures: medians of the documents each step loaded; — = not measured "
             "(why below), never 0.</p>",
             "<table><tr><th>step</th><th>browser</th><th>median</th><th>n</th>"
             + "".join(f"<th>{e(HEADINGS[f])}</th>" for f in FIGURE_IDS) + "</tr>"]
    for row in data.rows:
        parts.append(f"<tr><td>{e(row.words)}</td><td>{e(display(row.browser))}</td>"
                     f"<td>{row.median_seconds:.2f}s</td><td>{row.runs}</td>"
                     + "".join(f"<td title=\"{e(row.missing.get(f, ''))}\">{e(_figure(row, f))}</td>"
                               for f in FIGURE_IDS) + "</tr>")
    parts.append("</table>")
    notes = _missing_notes(data.rows)
    if notes:
        parts.append('<ul class="muted">' + "".join(f"<li>— {e(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(parts)
