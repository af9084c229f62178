"""What ``monitor report`` shows, computed once from the store: one typed model, ``ReportData``.

Why apart from its renderings (``history_text``, ``history_svg``, ``history_html``): the figures are
computed in one place and read by each output, so the terminal and the HTML page can never disagree,
and a new output is a new renderer, not another pass over the store. Reads the store, never writes it.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from fixtures.core.coverage import EngineCoverage
from fixtures.core.engine_names import display_name
from fixtures.core.outcomes import JUDGED_OUTCOMES, NOT_RUN_OUTCOMES, RATE_RULE, Outcome
from monitor.config import format_duration
from monitor.report.accounts_section import AccountsExhausted, accounts_exhausted
from monitor.report.blocked_section import BlockedRuns, blocked_runs
from monitor.report.coverage_section import coverage_rows
from monitor.report.mail_path_section import Case3Line, MailPathRow, case3_lines, mail_path_rows
from monitor.report.placement_section import PlacementRow, placement_rows
from monitor.report.timings_section import TimingsData, timings_from
from monitor.stats.alert_verdicts import all_verdicts
from monitor.stats.alert_verdicts import sentence as alert_sentence
from monitor.stats.browser_difference import PairVerdict, cycles_from_runs, design_for, history_seconds
from monitor.stats.degradation import sentence as degradation_sentence
from monitor.stats.funnel import FunnelRun, JourneyFunnel, build, drop_clause, drop_sentences
from monitor.stats.power import report_lines as power_lines
from monitor.stats.rates import Rate, compare, format_p, verdict
from monitor.store.results_db import Store, StoredResult

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
    blocked: list[BlockedRuns] = field(default_factory=list)  # first attempts a bot defence refused (probe_error)
    coverage: list[EngineCoverage] = field(default_factory=list)  # help-page steps exercised, per engine
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
    sequential, own, alerts_now = all_verdicts(recent, watched, interval, alpha)  # what /metrics says
    alert_lines = [alert_sentence(v) for v in alerts_now] if recent else []
    degradation = ([f"Every browser fails more often than it used to since {when(own.target_since)}: the extranet "
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
    data.blocked = blocked_runs(r.record for r in window if r.attempt == 1)
    data.coverage = coverage_rows(window)
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


def when(ts: float | None) -> str:
    """A time as the report writes it (UTC, to the minute); "–" for none."""
    if ts is None:
        return "–"
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
