"""Success-rate reports: a terminal table and a static HTML page with inline SVG charts.

Why static HTML with inline SVG: the report must open from a CI artifact or a mail
attachment with no server and no JavaScript library, and the Firefox/Chromium gap must be
visible at a glance: each browser is a bar with its 95 % Wilson interval as a whisker,
so intervals that do not overlap read as "really different" without reading a number.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from fixtures.core.engine_names import display_name
from fixtures.core.outcomes import JUDGED_OUTCOMES, NOT_RUN_OUTCOMES, RATE_RULE, Outcome
from fixtures.core.untrusted import clean
from monitor.config import format_duration
from monitor.report.accounts_section import AccountsExhausted, accounts_exhausted, accounts_html, accounts_text
from monitor.report.funnel_section import funnel_html, funnel_text
from monitor.report.mail_path_section import (
    Case3Line,
    MailPathRow,
    case3_lines,
    mail_path_html,
    mail_path_rows,
    mail_path_text,
)
from monitor.report.placement_section import PlacementRow, placement_html, placement_rows, placement_text
from monitor.report.timings_section import TimingsData, timings_from, timings_html, timings_text
from monitor.stats.browser_difference import PairVerdict, cycles_from_runs, design_for, history_seconds
from monitor.stats.degradation import sentence as degradation_sentence
from monitor.stats.funnel import FunnelRun, JourneyFunnel, build, drop_clause, drop_sentences
from monitor.stats.power import report_lines as power_lines
from monitor.stats.rates import Rate, compare, format_p, pct, verdict
from monitor.stats.verdicts import sentence as alert_sentence
from monitor.stats.verdicts import verdicts_from_cycles
from monitor.store.results_db import Store, StoredResult

BROWSER_COLOURS = {"chromium": "#1a73e8", "firefox": "#e66000", "webkit": "#6f42c1"}
DEFINITION = (f"{RATE_RULE[0].upper()}{RATE_RULE[1:]}; both are shown apart. Flaky = failed first, passed on retry "
              "(counted as a failure in the rate). Intervals: 95 % Wilson. Browsers compared continuously by an "
              "always-valid sequential test (paired by journey and cycle; false alarms under α per week however "
              "often the report is read; see docs/statistics.md). Fisher's exact test per window (two-sided; with "
              "more than two browsers each against the best, Holm-adjusted) is shown as a descriptive figure only.")


@dataclass
class WindowStats:
    label: str
    seconds: float
    browsers: list[Rate]
    journeys: dict[str, list[Rate]]  # journey -> one Rate per browser
    sentences: list[str]
    significant: bool


@dataclass
class ReportData:
    generated_at: float
    db_path: str
    windows: list[WindowStats]
    daily: list[tuple[str, dict[str, Rate]]]
    failures: list[StoredResult]
    cycles: dict[str, int] = field(default_factory=dict)
    last_cycle_at: float | None = None
    journey_alerts: list[str] = field(default_factory=list)
    location: str = ""  # [monitor] location; "" = not configured
    not_run: list[StoredResult] = field(default_factory=list)  # newest per journey × browser, with its reason
    funnels: list[JourneyFunnel] = field(default_factory=list)  # per-step funnel, longest window
    drops: list[str] = field(default_factory=list)  # where each browser fails, per journey (longest window)
    placements: list[PlacementRow] = field(default_factory=list)  # inbox/junk per journey × browser (IMAP)
    sequential: list[PairVerdict] = field(default_factory=list)  # the verdict: one per browser pair, strongest first
    timings: TimingsData | None = None  # per step × browser durations, page-load figures, slower browsers
    mail_paths: list[MailPathRow] = field(default_factory=list)  # SPF/DKIM/DMARC per journey × browser
    case3: list[Case3Line] = field(default_factory=list)  # Cas n°3: mails missing, late or in junk, and why
    accounts: AccountsExhausted | None = None  # runs not run because the test accounts' quota was spent
    degradation: list[str] = field(default_factory=list)  # each browser against its own past, and the target
    alerts: list[str] = field(default_factory=list)  # per browser and the target: the alert states /metrics exports
    power: list[str] = field(default_factory=list)  # what the schedule in use detects, and how fast (computed)

    @property
    def headline(self) -> str:
        """The verdict people read first: the browser pair with the most evidence."""
        return self.verdict(self.sequential[0]) if self.sequential else "No browser pair has paired runs yet."

    def verdict(self, pair: PairVerdict) -> str:
        """The pair's statistics clause, then where its worse browser fails (step, count, signature).

        Without an alarm the pair's order says nothing, so both browsers' drops are named.
        """
        browsers = [pair.worse] if pair.claimed else [pair.worse, pair.better]
        where = [f"on {f.journey}, {clause}" for b in browsers for f in self.funnels
                 if (clause := drop_clause(f, b, display_name(b)))]
        return pair.sentence() + (f" Where: {'; '.join(where[:2])}." if where else "")

    @property
    def alarm(self) -> bool:
        return any(v.claimed for v in self.sequential)


def _rates_for(runs: Sequence[tuple[float, int, object]], browsers: Sequence[str]) -> tuple[list[Rate], dict[str, list[Rate]]]:
    by_browser = {b: Rate(b) for b in browsers}
    by_journey: dict[str, dict[str, Rate]] = {}
    for _ts, _cid, run in runs:
        b, j = run.browser, run.journey  # type: ignore[attr-defined]
        by_browser.setdefault(b, Rate(b)).add(run.first, run.flaky)  # type: ignore[attr-defined]
        by_journey.setdefault(j, {}).setdefault(b, Rate(b)).add(run.first, run.flaky)  # type: ignore[attr-defined]
    all_browsers = list(by_browser)
    journeys = {j: [d.get(b, Rate(b)) for b in all_browsers] for j, d in sorted(by_journey.items())}
    return list(by_browser.values()), journeys


def compute(store: Store, windows: Sequence[float], *, browsers: Sequence[str] = (), alpha: float = 0.05,
            days: int = 14, failures: int = 20, now: float | None = None, location: str = "",
            interval: float = 900.0) -> ReportData:
    """Everything both renderers show, read once from the store (``interval``: seconds per cycle)."""
    now = now or time.time()
    longest = max(windows)
    design = design_for(interval, alpha, len(browsers) or 2)
    all_runs = store.runs(since=min(now - longest, now - days * 86400, now - history_seconds(design)))
    ws = []
    for seconds in sorted(windows):
        runs = [r for r in all_runs if r[0] >= now - seconds]
        rates, journeys = _rates_for(runs, browsers)
        label = format_duration(seconds)
        comps = compare(rates, alpha)
        ws.append(WindowStats(label, seconds, rates, journeys, verdict(rates, alpha, descriptive=True),
                              any(c.significant for c in comps)))
    # Every attempt of the longest window, each record parsed once: the funnel, mails, timings and not-run rows read it.
    window = store.results(since=now - longest)
    funnels = {f.journey: f for f in build(_funnel_runs(window), browsers)}
    # Per-journey differences worth acting on, in the longest window, with the step the worse browser drops at.
    alerts = []
    for journey, rates in ws[-1].journeys.items():
        for c in compare(rates, alpha):
            if c.significant:
                clause = drop_clause(funnels[journey], c.worse.label, display_name(c.worse.label)) \
                    if journey in funnels else None
                alerts.append(f"[{ws[-1].label}] {journey}: {c.worse.text()} vs {c.better.text()}: Fisher "
                              f"{format_p(c.p_adjusted)} (descriptive, one look)" + (f"; {clause}" if clause else "") + ".")
    recent = cycles_from_runs(r for r in all_runs if r[0] >= now - history_seconds(design))
    watched = list(browsers) or sorted({b for c in recent for _j, b in c.outcomes})
    verdicts = verdicts_from_cycles(recent, watched, interval=interval, alpha=alpha)  # what /metrics says
    sequential, own = verdicts.pairs, verdicts.own
    alert_lines = [alert_sentence(v) for v in verdicts.alerts] if recent else []
    degradation = ([f"Every browser fails more often than it used to since {_when(own.target_since)}: the extranet "
                    "itself degraded (per-browser alerts held back)."] if own.target else []) + \
        [degradation_sentence(r) for r in own.browsers]
    per_cycle = [sum(1 for (_j, b), o in c.outcomes.items() if b == watched[0] and o in JUDGED_OUTCOMES)
                 for c in recent[-96:]] if watched and recent else []
    journeys_per_cycle = int(np.median(per_cycle)) if per_cycle else 0
    power = power_lines(interval=interval, journeys=journeys_per_cycle, design=design) if journeys_per_cycle else []
    daily: dict[str, dict[str, Rate]] = {}
    for ts, _cid, run in all_runs:
        if ts < now - days * 86400:
            continue
        day = dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d")
        daily.setdefault(day, {}).setdefault(run.browser, Rate(run.browser)).add(run.first, run.flaky)
    fails = store.recent_non_successes(failures)
    newest: dict[tuple[str, str], StoredResult] = {}
    for r in reversed(window):
        if r.outcome in NOT_RUN_OUTCOMES:
            newest.setdefault((r.journey, r.browser), r)
    # Every attempt's mails (each is a fact of the mail path) and the mails that never came.
    mail_results = [r.record for r in window if r.record.mail_paths or r.outcome == Outcome.MAIL_NOT_RECEIVED.value]
    data = ReportData(now, str(store.path), ws, sorted(daily.items()), fails, store.cycle_counts(since=now - longest),
                      store.last_completed_cycle_ts(), alerts, location,
                      sorted(newest.values(), key=lambda r: (r.journey, r.browser)), list(funnels.values()),
                      [s for f in funnels.values() for s in drop_sentences(f, display_name)],
                      placement_rows(r.record for r in window), sequential,
                      timings_from(((r.cycle_id, r.record) for r in window if r.attempt == 1), browsers, alpha))
    data.mail_paths, data.case3 = mail_path_rows(mail_results), case3_lines(mail_results)
    data.accounts = accounts_exhausted(window)
    data.degradation, data.power, data.alerts = degradation, power, alert_lines
    return data


def _funnel_runs(window: Sequence[StoredResult]) -> list[FunnelRun]:
    """The first attempts, with their steps, signatures and artifacts."""
    return [FunnelRun(row.ts, row.journey, row.browser, row.outcome, [s.__dict__ for s in row.record.steps],
                      [s.to_dict() for s in row.record.signatures], list(row.record.artifacts))
            for row in window if row.attempt == 1]


def signature_line(row: StoredResult) -> str | None:
    """The first failure signature's line of a stored result (None for rows without one)."""
    return row.record.signatures[0].line if row.record.signatures else None


# --- terminal ----------------------------------------------------------------------
def render_text(data: ReportData) -> str:
    where = f" — location {data.location}" if data.location else ""
    out = [f"Extranet monitor report{where} — {_when(data.generated_at)} — {data.db_path}"]
    out.append(f"Last completed cycle: {_when(data.last_cycle_at) if data.last_cycle_at else 'none yet'}; "
               f"cycles in the last {data.windows[-1].label}: "
               + (", ".join(f"{n} {s}" for s, n in sorted(data.cycles.items())) or "none"))
    out += accounts_text(data.accounts, data.windows[-1].label)
    out.append("")
    head = (f"{'window':<7} {'browser':<9} {'rate':>6}  {'95 % CI':<11} {'n':>5} {'flaky':>6} {'probe_err':>9} "
            f"{'unavail':>8} {'not_run':>8}")
    out += ["Success rate per browser (first attempts)", head, "-" * len(head)]
    for w in data.windows:
        for r in w.browsers:
            lo, hi = r.interval
            rate = f"{pct(r.ratio)} %" if r.trials else "–"
            ci = f"[{pct(lo)}–{pct(hi)}]" if r.trials else ""
            out.append(f"{w.label:<7} {display_name(r.label):<9} {rate:>6}  {ci:<11} {r.trials:>5} {r.flaky:>6} "
                       f"{r.excluded.get('probe_error', 0):>9} {r.excluded.get('unavailable', 0):>8} "
                       f"{r.excluded.get('not_run', 0):>8}")
    longest = data.windows[-1]
    if longest.journeys:
        browsers = [r.label for r in longest.browsers]
        out += ["", f"Per journey, last {longest.label} (rate [95 % CI] n)"]
        out.append(f"{'journey':<8}" + "".join(f"{display_name(b):>24}" for b in browsers))
        for j, rates in longest.journeys.items():
            cells = []
            for r in rates:
                lo, hi = r.interval
                cells.append(f"{pct(r.ratio)} % [{pct(lo)}–{pct(hi)}] {r.trials}" if r.trials else "–")
            out.append(f"{j:<8}" + "".join(f"{c:>24}" for c in cells))
    if data.alerts:
        out += ["", "Alerts (what /metrics exports: failing now, or persistently worse)"]
        out += [f"  {line}" for line in data.alerts]
    out += ["", "Verdict (always-valid, read after every cycle: false alarms under α per week)"]
    out += [f"  {data.verdict(v)}" for v in data.sequential] or ["  No browser pair has paired runs yet."]
    if data.degradation:
        out += ["", "Each browser against its own past (always-valid change detector)"]
        out += [f"  {line}" for line in data.degradation]
    if data.power:
        out += [""] + data.power
    out += ["", "Per window (descriptive: Fisher's exact test for one look, not a verdict)"]
    for w in data.windows:
        out += [f"  [{w.label}] {s}" for s in w.sentences]
    out += [f"  {a}" for a in data.journey_alerts]
    out += [f"  [{data.windows[-1].label}] {d}" for d in data.drops]
    out += funnel_text(data.funnels, data.windows[-1].label)
    out += placement_text(data.placements, data.windows[-1].label)
    out += mail_path_text(data.mail_paths, data.case3, data.windows[-1].label)
    out += timings_text(data.timings, data.windows[-1].label) if data.timings else []
    if data.failures:
        out += ["", f"Recent non-successes (newest first, {len(data.failures)})"]
        for f in data.failures:
            arts = ", ".join(f.artifacts[:2]) + (" …" if len(f.artifacts) > 2 else "")
            out.append(f"  {_when(f.ts)}  {f.journey:<6} {f.browser:<9} #{f.attempt} {f.outcome:<17} "
                       f"{(f.failure_class or '-'):<22} {clean(signature_line(f) or f.message or '', 240)}"
                       + (f"  [{arts}]" if arts else ""))
    if data.not_run:
        out += ["", "Not run on purpose (latest, with the reason; never counted in a rate)"]
        out += [f"  {f.journey:<6} {f.browser:<9} not run ({f.failure_class}): {clean(f.message or '', 120)}"
                for f in data.not_run]
    out += ["", DEFINITION]
    return "\n".join(out) + "\n"


def _when(ts: float | None) -> str:
    if ts is None:
        return "–"
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --- HTML --------------------------------------------------------------------------
def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def _colour(browser: str) -> str:
    return BROWSER_COLOURS.get(browser, "#555")


def svg_rates(rates: Sequence[Rate], title: str) -> str:
    """Horizontal bars 0–100 % with the Wilson interval as a whisker, one row per browser."""
    rows = [r for r in rates]
    left, width, row_h, top = 110, 520, 34, 26
    height = top + row_h * max(1, len(rows)) + 28
    x = lambda v: left + width * v  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 190}" height="{height}" '
             f'viewBox="0 0 {left + width + 190} {height}" font-family="sans-serif" font-size="13">',
             f"<title>{_e(title)}</title>",
             f'<text x="{left}" y="16" font-weight="bold">{_e(title)}</text>']
    for tick in range(0, 101, 20):
        tx = x(tick / 100)
        parts.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 24}" stroke="#ddd"/>')
        parts.append(f'<text x="{tx:.1f}" y="{height - 8}" text-anchor="middle" fill="#666">{tick} %</text>')
    for i, r in enumerate(rows):
        y = top + i * row_h
        c = _colour(r.label)
        parts.append(f'<text x="{left - 8}" y="{y + 20}" text-anchor="end">{_e(display_name(r.label))}</text>')
        if r.ratio is None:
            parts.append(f'<text x="{left + 4}" y="{y + 20}" fill="#666">no counted runs</text>')
            continue
        lo, hi = r.interval
        parts.append(f'<rect x="{left}" y="{y + 6}" width="{width * r.ratio:.1f}" height="20" fill="{c}" opacity="0.35">'
                     f"<title>{_e(r.text())} n={r.trials}</title></rect>")
        parts.append(f'<line x1="{x(lo):.1f}" y1="{y + 16}" x2="{x(hi):.1f}" y2="{y + 16}" stroke="{c}" stroke-width="3"/>')
        for v in (lo, hi):
            parts.append(f'<line x1="{x(v):.1f}" y1="{y + 8}" x2="{x(v):.1f}" y2="{y + 24}" stroke="{c}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(r.ratio):.1f}" cy="{y + 16}" r="5" fill="{c}"/>')
        parts.append(f'<text x="{left + width + 10}" y="{y + 20}">{pct(r.ratio)} % [{pct(lo)}–{pct(hi)}] n={r.trials}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_trend(daily: Sequence[tuple[str, dict[str, Rate]]], browsers: Sequence[str]) -> str:
    """One line per browser: first-attempt success rate per UTC day."""
    if not daily:
        return "<p>No runs in the period.</p>"
    left, width, top, height = 50, 640, 20, 200
    n = len(daily)
    x = lambda i: left + (width * i / max(1, n - 1) if n > 1 else width / 2)  # noqa: E731
    y = lambda v: top + height * (1 - v)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 120}" height="{top + height + 40}" '
             f'font-family="sans-serif" font-size="12"><title>Success rate per day</title>']
    for tick in range(0, 101, 25):
        parts.append(f'<line x1="{left}" y1="{y(tick / 100):.1f}" x2="{left + width}" y2="{y(tick / 100):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick / 100) + 4:.1f}" text-anchor="end" fill="#666">{tick} %</text>')
    step = max(1, n // 7)
    for i, (day, _) in enumerate(daily):
        if i % step == 0 or i == n - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{top + height + 16}" text-anchor="middle" fill="#666">{_e(day[5:])}</text>')
    for k, b in enumerate(browsers):
        c = _colour(b)
        pts = [(x(i), y(rates[b].ratio), day, rates[b]) for i, (day, rates) in enumerate(daily)
               if b in rates and rates[b].trials]
        if not pts:
            continue
        parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="'
                     + " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in pts) + '"/>')
        for px, py, day, r in pts:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{c}"><title>{_e(day)} {_e(r.text())} '
                         f'n={r.trials}</title></circle>')
        parts.append(f'<text x="{left + width + 10}" y="{top + 14 + 16 * k}" fill="{c}">{_e(display_name(b))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _artifact_link(path: str, html_dir: Path) -> str:
    p = Path(path)
    name = _e(p.name or path)
    if not p.exists():
        return f'<span title="{_e(path)}">{name} (removed)</span>'
    try:
        href = os.path.relpath(p, html_dir)
    except ValueError:
        href = p.resolve().as_uri()
    return f'<a href="{_e(href)}">{name}</a>'


def _cell_colour(r: Rate) -> str:
    ratio = r.ratio
    if ratio is None:  # no trials
        return "#f4f4f4"
    return "#f8d7da" if ratio < 0.8 else "#fff3cd" if ratio < 0.95 else "#d4edda"


def render_html(data: ReportData, html_path: Path) -> str:
    html_dir = html_path.resolve().parent
    cls = "bad" if data.alarm else "ok"
    b = [f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Extranet monitor — success rates per browser</title>
<style>
body{{font-family:sans-serif;max-width:1000px;margin:1.5em auto;color:#222;padding:0 1em}}
h1{{font-size:1.5em}} h2{{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}}
.callout{{padding:.8em 1em;border-radius:6px;font-size:1.1em}} .bad{{background:#f8d7da;border:1px solid #d9534f}}
.ok{{background:#d4edda;border:1px solid #5cb85c}} table{{border-collapse:collapse;font-size:.9em}}
td,th{{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}} .muted{{color:#666;font-size:.85em}}
</style></head><body>
<h1>Extranet activité partielle — account-recovery journeys, success rate per browser</h1>
<p class="muted">{'Location <strong id="location">' + _e(data.location) + '</strong>. ' if data.location else ''}Generated {_e(_when(data.generated_at))} from {_e(data.db_path)}. Last completed cycle:
{_e(_when(data.last_cycle_at)) if data.last_cycle_at else 'none yet'}. Cycles in the last {_e(data.windows[-1].label)}:
{_e(', '.join(f'{n} {s}' for s, n in sorted(data.cycles.items())) or 'none')}.</p>
<p class="callout {cls}" id="headline">{_e(data.headline)}</p>"""]
    b.append(accounts_html(data.accounts, data.windows[-1].label))
    if len(data.sequential) > 1:
        b.append('<ul id="pairs">' + "".join(f"<li>{_e(data.verdict(v))}</li>" for v in data.sequential[1:]) + "</ul>")
    if data.alerts:
        b.append('<h2>Alerts</h2><ul id="alerts">' + "".join(f"<li>{_e(line)}</li>" for line in data.alerts) + "</ul>")
    if data.degradation:
        b.append('<h2>Each browser against its own past</h2><ul id="degradation">'
                 + "".join(f"<li>{_e(line)}</li>" for line in data.degradation) + "</ul>")
    if data.power:
        b.append(f'<p class="muted" id="power">{_e(data.power[0])}</p><ul id="power-figures">'
                 + "".join(f"<li>{_e(line.strip())}</li>" for line in data.power[1:]) + "</ul>")
    if data.drops:  # first thing after the verdict: where each browser drops out, and why
        b.append(f'<h2>Where browsers fail, last {_e(data.windows[-1].label)}</h2><ul id="drops">'
                 + "".join(f"<li>{_e(d)}</li>" for d in data.drops) + "</ul>")
    b.append("<h2>Success rate per browser, with 95 % intervals</h2>")
    for w in data.windows:
        b.append(f'<figure>{svg_rates(w.browsers, f"Last {w.label}")}<figcaption>'
                 + "<br>".join(_e(s) for s in w.sentences) + "</figcaption></figure>")
    if data.journey_alerts:
        b.append("<h2>Journeys where the window's Fisher p is below α (descriptive, one look)</h2><ul>" + "".join(f"<li>{_e(a)}</li>" for a in data.journey_alerts) + "</ul>")
    longest = data.windows[-1]
    if longest.journeys:
        browsers = [r.label for r in longest.browsers]
        b.append(f"<h2>Per journey, last {_e(longest.label)}</h2><table><tr><th>journey</th>"
                 + "".join(f"<th>{_e(display_name(x))}</th>" for x in browsers) + "</tr>")
        for j, rates in longest.journeys.items():
            b.append(f"<tr><th>{_e(j)}</th>")
            for r in rates:
                lo, hi = r.interval
                txt = f"{pct(r.ratio)} % [{pct(lo)}–{pct(hi)}] n={r.trials}" if r.trials else "–"
                extra = [f"{n} {o}" for o, n in r.excluded.items() if n] + ([f"{r.flaky} flaky"] if r.flaky else [])
                b.append(f'<td style="background:{_cell_colour(r)}">{_e(txt)}'
                         + (f'<br><span class="muted">{_e(", ".join(extra))}</span>' if extra else "") + "</td>")
            b.append("</tr>")
        b.append("</table>")
    all_browsers = sorted({br for _, rates in data.daily for br in rates}, key=lambda s: (s not in BROWSER_COLOURS, s))
    b.append("<h2>Trend per day (UTC)</h2>" + svg_trend(data.daily, all_browsers))
    if data.daily:
        b.append("<table><tr><th>day</th>" + "".join(f"<th>{_e(display_name(x))}</th>" for x in all_browsers) + "</tr>")
        for day, day_rates in data.daily:
            b.append(f"<tr><td>{_e(day)}</td>" + "".join(
                f"<td>{_e(day_rates[x].text().split(' ', 1)[1]) + ' n=' + str(day_rates[x].trials) if x in day_rates and day_rates[x].trials else '–'}</td>"
                for x in all_browsers) + "</tr>")
        b.append("</table>")
    b.append(funnel_html(data.funnels, data.windows[-1].label, lambda p: _artifact_link(p, html_dir)))
    b.append(placement_html(data.placements, data.windows[-1].label))
    b.append(mail_path_html(data.mail_paths, data.case3, data.windows[-1].label))
    b.append(timings_html(data.timings, data.windows[-1].label) if data.timings else "")
    b.append("<h2>Recent non-successes</h2>")
    if data.failures:
        b.append("<table><tr><th>time</th><th>journey</th><th>browser</th><th>attempt</th><th>outcome</th>"
                 "<th>class</th><th>signature / message</th><th>artifacts</th></tr>")
        for f in data.failures:
            arts = " ".join(_artifact_link(a, html_dir) for a in f.artifacts)
            b.append(f"<tr><td>{_e(_when(f.ts))}</td><td>{_e(f.journey)}</td><td>{_e(display_name(f.browser))}</td>"
                     f"<td>{f.attempt}</td><td>{_e(f.outcome)}</td><td>{_e(f.failure_class or '')}</td>"
                     f"<td>{_e(clean(signature_line(f) or f.message or '', 300))}</td><td>{arts}</td></tr>")
        b.append("</table>")
    else:
        b.append("<p>None.</p>")
    if data.not_run:
        b.append("<h2>Not run on purpose</h2><table><tr><th>journey</th><th>browser</th><th>reason</th>"
                 "<th>why</th><th>last seen</th></tr>")
        b += [f"<tr><td>{_e(f.journey)}</td><td>{_e(display_name(f.browser))}</td><td>not run ({_e(f.failure_class or '')})"
              f"</td><td>{_e(clean(f.message or '', 300))}</td><td>{_e(_when(f.ts))}</td></tr>" for f in data.not_run]
        b.append("</table>")
    b.append(f'<p class="muted">{_e(DEFINITION)}</p></body></html>\n')
    return "\n".join(b)


def write_html(data: ReportData, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(data, path), encoding="utf-8")
    tmp.replace(path)
