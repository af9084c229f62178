"""Push one cycle's outcome to a Prometheus Pushgateway (for ``once`` in CI or cron).

Why gauges and not the store's counters: a Pushgateway keeps the *last* push of a group;
a batch job reports what its run found (the Pushgateway docs' advice for service-level
batch jobs), while the long-running ``serve``/``run`` exporter owns the counters.
An unreachable Pushgateway is a configuration problem: :func:`check_reachable` runs
before the cycle, so ``once`` exits 2 without probing anything.
"""
from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from fixtures.core.outcomes import JUDGED_OUTCOMES as TARGET_OUTCOMES
from fixtures.core.outcomes import NOT_RUN_OUTCOMES
from fixtures.core.page_load import FIGURE_IDS
from monitor import metrics
from monitor.budgets import Budgets, judged_page_loads, judged_steps, overruns
from monitor.classify import PROBE_ERROR, SUCCESS
from monitor.cycle.runner import CycleReport


class PushgatewayError(RuntimeError):
    pass


def check_reachable(url: str, timeout: float) -> None:
    """GET ``/-/ready``: any HTTP answer proves a server is there; no answer is an error."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/-/ready", timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # it answered (an old Pushgateway without /-/ready still takes pushes)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushgatewayError(f"Pushgateway {url} is unreachable ({reason}); start it, fix --pushgateway / "
                               "[pushgateway] url, or leave it out to skip the push") from None


def build_registry(report: CycleReport, budgets: Budgets | None = None) -> CollectorRegistry:
    """One cycle's gauges, declared from ``monitor.metrics.PUSHED``."""
    budgets = budgets or Budgets()
    reg = CollectorRegistry()
    gauges = {m: Gauge(m.name, m.help, list(m.labels), registry=None) for m in metrics.PUSHED}
    for run in report.runs:
        if run.final in TARGET_OUTCOMES:
            gauges[metrics.PROBE_SUCCESS].labels(run.journey, run.browser).set(1 if run.final == SUCCESS else 0)
        if run.final not in NOT_RUN_OUTCOMES:
            gauges[metrics.PROBE_ERROR].labels(run.journey, run.browser).set(1 if run.final == PROBE_ERROR else 0)
        gauges[metrics.FLAKY_IN_CYCLE].labels(run.journey, run.browser).set(1 if run.flaky else 0)
    for _attempt, r in report.attempts:
        if r.outcome in TARGET_OUTCOMES:
            gauges[metrics.LAST_DURATION].labels(r.journey, r.browser).set(r.duration_seconds)
        steps = judged_steps(r)
        over = {o.step_id for o in overruns(r, budgets)}
        for s in steps:  # a step run twice in one journey: its last run
            gauges[metrics.STEP_LAST_DURATION].labels(r.journey, r.browser, s.step).set(s.prober_seconds)
            if s.browser_seconds is not None:  # absent = not measured, never 0
                gauges[metrics.STEP_LAST_BROWSER].labels(r.journey, r.browser, s.step).set(s.browser_seconds)
            if budgets.for_step(s.step) > 0:
                gauges[metrics.STEP_OVER_BUDGET_IN_CYCLE].labels(r.journey, r.browser, s.step).set(
                    1 if s.step in over else 0)
        for step, load in judged_page_loads(r):
            for figure in FIGURE_IDS:
                value = load.value(figure)
                if value is None:  # absent = not measured, never 0
                    continue
                if figure == "cls":
                    gauges[metrics.LAYOUT_SHIFT_LAST].labels(r.journey, r.browser, step).set(value)
                else:
                    gauges[metrics.PAGE_LOAD_LAST].labels(r.journey, r.browser, step, figure).set(value)
        if r.spam_scores:
            gauges[metrics.SPAM_SCORE].labels(r.journey).set(max(r.spam_scores))
    notices = [r.incident_notice for _, r in report.attempts if r.incident_notice is not None]
    if notices:  # only when N1 said something: an absent series is "unknown", not "no notice"
        gauges[metrics.INCIDENT_NOTICE].set(1 if notices[-1] else 0)
    else:
        del gauges[metrics.INCIDENT_NOTICE]
    gauges[metrics.LAST_CYCLE].set(report.finished_at or time.time())
    gauges[metrics.CYCLE_STATUS].labels(report.status).set(1)
    for gauge in gauges.values():
        reg.register(gauge)
    return reg


def grouping_key(instance: str = "", location: str = "") -> dict[str, str]:
    """The group a push replaces: {instance} or {location, instance}.

    Why location in the key: the Pushgateway adds the grouping labels to every pushed series, so
    a site's location reaches Prometheus without a per-site relabelling rule, and two sites whose
    hosts share a name still never overwrite each other.
    """
    key = {"instance": instance or socket.gethostname()}
    if location:
        key = {"location": location, **key}
    return key


def push_cycle(url: str, job: str, report: CycleReport, timeout: float, instance: str = "",
               location: str = "", budgets: Budgets | None = None) -> None:
    """Push under the group {job, [location,] instance}: monitors on several hosts never overwrite each other."""
    grouping = grouping_key(instance, location)
    try:
        push_to_gateway(url, job=job, registry=build_registry(report, budgets), timeout=timeout, grouping_key=grouping)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PushgatewayError(f"push to Pushgateway {url} failed: {getattr(exc, 'reason', exc)}") from None
