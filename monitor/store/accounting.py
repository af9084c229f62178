"""Metric accounting: the counters and gauges a stored record adds to, in the row's own transaction.

Why in the store's transaction: counters live in their own table, updated with the rows they count,
and retention never deletes them, so a restart or a clean-up never makes a Prometheus counter go
backwards (``rate()`` would read that as a reset and a spike). Names, labels and buckets come from
the catalogue (``monitor.metrics``); the exporter serves these rows as they are.
"""
from __future__ import annotations

import sqlite3

from fixtures.core import coverage
from fixtures.core.contract import JourneyResult
from fixtures.core.mail_path import MECHANISMS, hop_label
from fixtures.core.outcomes import JUDGED_OUTCOMES, NOT_RUN_OUTCOMES, TARGET_FAILURES, AccountQuota
from fixtures.core.page_load import FIGURE_IDS
from fixtures.core.procedure import spends_of
from fixtures.core.steps import step_label
from monitor import metrics
from monitor.budgets import Budgets, judged_page_loads, judged_steps, overruns
from monitor.classify import PROBE_ERROR, SUCCESS
from monitor.metrics import Metric, bucket_label, label_key
from monitor.stats.funnel import failed_step_ids


def count(c: sqlite3.Connection, metric: Metric, n: float, **labels: str) -> None:
    _add(c, metric.key, n, labels)


def _add(c: sqlite3.Connection, name: str, n: float, labels: dict[str, str]) -> None:
    c.execute("INSERT INTO counters (name, labels, value) VALUES (?, ?, ?) "
              "ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
              (name, label_key(labels), n))


def gauge(c: sqlite3.Connection, metric: Metric, value: float, ts: float, **labels: str) -> None:
    c.execute("INSERT INTO gauges (name, labels, value, ts) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (name, labels) DO UPDATE SET value = excluded.value, ts = excluded.ts",
              (metric.key, label_key(labels), value, ts))


def observe(c: sqlite3.Connection, metric: Metric, value: float, **labels: str) -> None:
    """A histogram observation as counter rows ``<key>_bucket{le}``, ``<key>_sum``, ``<key>_count``."""
    for le in (*metric.buckets, float("inf")):
        if value <= le:
            _add(c, f"{metric.key}_bucket", 1, {**labels, "le": bucket_label(le)})
    _add(c, f"{metric.key}_sum", value, labels)
    _add(c, f"{metric.key}_count", 1, labels)


def account(c: sqlite3.Connection, cycle_id: int, attempt: int, r: JourneyResult, j: str, b: str, ts: float,
            budgets: Budgets) -> None:
    """Everything one stored record counts (``j``, ``b``: its bounded journey and browser labels).

    ``runs_total`` counts attempt 1 only (what rates count); ``flaky_total`` counts a later
    attempt that passes after a failed first one.
    """
    if attempt == 1:
        count(c, metrics.RUNS, 1, journey=j, browser=b, outcome=r.outcome)
        if r.outcome in JUDGED_OUTCOMES:
            # Every step reached gets its series at 0 first, so Prometheus sees the
            # first failure there as an increase (a series born at 1 would hide it).
            for step in sorted({step_label(s.id) for s in r.steps}):
                count(c, metrics.STEP_FAILURES, 0, journey=j, browser=b, step=step)
        if r.outcome in TARGET_FAILURES:  # where the target failed, by fixed step id
            for step in failed_step_ids(r):
                count(c, metrics.STEP_FAILURES, 1, journey=j, browser=b, step=step)
    elif r.outcome == SUCCESS:
        first = c.execute("SELECT outcome FROM results WHERE cycle_id = ? AND journey = ? AND browser = ? "
                          "AND attempt = 1", (cycle_id, j, b)).fetchone()
        if first and first[0] != SUCCESS:
            count(c, metrics.FLAKY, 1, journey=j, browser=b)
    if r.outcome in JUDGED_OUTCOMES:
        gauge(c, metrics.PROBE_SUCCESS, 1.0 if r.outcome == SUCCESS else 0.0, ts, journey=j, browser=b)
        observe(c, metrics.DURATION, r.duration_seconds, journey=j, browser=b)
    _timings(c, r, j, b, budgets)
    if r.outcome not in NOT_RUN_OUTCOMES:
        gauge(c, metrics.PROBE_ERROR, 1.0 if r.outcome == PROBE_ERROR else 0.0, ts, journey=j, browser=b)
    if r.outcome == SUCCESS:
        gauge(c, metrics.LAST_SUCCESS, ts, ts, journey=j, browser=b)
    for m in r.mail_latencies:
        observe(c, metrics.MAIL_DELIVERY, m.delivery_seconds, journey=j)
        if m.placement is not None:  # read over IMAP: the folder the mailbox filed it in
            count(c, metrics.MAIL_PLACEMENT, 1, journey=j, folder=m.placement)
    for path in r.mail_paths:  # each mail is a fact of the mail path, whatever the attempt
        for mechanism in MECHANISMS:
            count(c, metrics.MAIL_AUTH, 1, mechanism=mechanism, result=getattr(path, mechanism))
        for hop in path.hops:
            if hop.delay_seconds is not None:
                observe(c, metrics.MAIL_HOP_DELAY, hop.delay_seconds, hop=hop_label(hop.index))
    if r.outcome != PROBE_ERROR:  # a probe error says nothing of what the target lets the suite play
        for state, n in (coverage.counts(r).items() if r.journey in coverage.HELP_PAGE_STEPS else ()):
            gauge(c, metrics.HELP_PAGE_STEPS, float(n), ts, journey=j, browser=b, state=state)
    if r.spam_scores:
        gauge(c, metrics.SPAM_SCORE, max(r.spam_scores), ts, journey=j)
    if r.incident_notice is not None:
        gauge(c, metrics.INCIDENT_NOTICE, 1.0 if r.incident_notice else 0.0, ts)
    if r.failure_class == AccountQuota.failure_class:
        if attempt == 1:
            count(c, metrics.ACCOUNTS_EXHAUSTED, 1, journey=j, browser=b)
        gauge(c, metrics.ACCOUNTS_MISSING, float(r.accounts_short or 1), ts)
    elif r.outcome in JUDGED_OUTCOMES and spends_of(r.journey):  # it got an account
        gauge(c, metrics.ACCOUNTS_MISSING, 0.0, ts)


def _timings(c: sqlite3.Connection, r: JourneyResult, j: str, b: str, budgets: Budgets) -> None:
    """Step durations (histogram) and budget overruns; a budgeted series starts at 0 so its first
    overrun is an increase Prometheus sees."""
    over = overruns(r, budgets)
    for s in judged_steps(r):
        observe(c, metrics.STEP_DURATION, s.prober_seconds, journey=j, browser=b, step=s.step)
        if s.browser_seconds is not None:
            observe(c, metrics.STEP_BROWSER, s.browser_seconds, journey=j, browser=b, step=s.step)
        else:  # never observed as 0, never replaced by the prober time
            count(c, metrics.STEP_BROWSER_UNMEASURED, 1, browser=b, step=s.step, reason=s.reason)
        if budgets.for_step(s.step) > 0:
            count(c, metrics.STEP_OVER_BUDGET, 0, journey=j, browser=b, step=s.step)
    for o in over:
        if o.step_id is not None:
            count(c, metrics.STEP_OVER_BUDGET, 1, journey=j, browser=b, step=o.step_id)
    if r.outcome == SUCCESS and budgets.journeys.get(r.journey, 0.0) > 0:
        count(c, metrics.JOURNEY_OVER_BUDGET, sum(1 for o in over if o.step_id is None), journey=j, browser=b)
    for step, load in judged_page_loads(r):  # a figure not measured is counted with why, never observed as 0
        for figure in FIGURE_IDS:
            value = load.value(figure)
            if value is not None and figure == "cls":
                observe(c, metrics.LAYOUT_SHIFT, value, journey=j, browser=b, step=step)
            elif value is not None:
                observe(c, metrics.PAGE_LOAD, value, journey=j, browser=b, step=step, figure=figure)
        for u in load.unmeasured:
            count(c, metrics.PAGE_FIGURE_UNMEASURED, 1, browser=b, figure=u.figure, reason=u.reason)
