"""Read the store for the status page: the alerts' verdicts, the window's counts and mails, read-only.

Why here and not in ``decide``: one place opens the store (a reader, never a writer: the page may be
built beside a running monitor, or from a copy), and a store that cannot be read becomes a fact the
page states (``Facts.readable = False``) instead of an exception or a blank page.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from fixtures.core.outcomes import JUDGED_OUTCOMES, TARGET_FAILURES, Blocked, Outcome
from fixtures.core.placement import Placement
from fixtures.core.procedure import FORGOTTEN_IDENTIFIER, PASSWORD_RESET
from monitor import metrics
from monitor.status.facts import WINDOW_SECONDS, BrowserFacts, Facts, LinkValidity, MailFacts, Maintenance
from monitor.store.results_db import Store, StoreError

#: The failure class of an attempt the target's side refused to let the monitor make (a firewall,
#: a bot wall): the prober's branch adds it to fixtures.core.outcomes; until then it is matched by name.
BLOCKED_CLASSES = frozenset({Blocked.failure_class})
#: The mails of the recovery procedure the page speaks of (« J'ai oublié mon identifiant / mot de passe »).
RECOVERY_MAILS = frozenset({FORGOTTEN_IDENTIFIER, PASSWORD_RESET})


def gather(db_path: Path, *, browsers: Sequence[str], interval: float, alpha: float,
           maintenance: Sequence[Maintenance] = (), location: str | None = None, now: float | None = None,
           busy_timeout: float = 5.0, verdicts_of: Any = None) -> Facts:
    """The facts at ``now``; an unreadable store gives ``readable=False`` (said on the page), never an exception.

    ``verdicts_of(store)``: how to get the alerts' verdicts (the exporter passes its cached
    ``StoreCollector.verdicts``); by default ``monitor.verdicts.read_verdicts``.
    """
    now = time.time() if now is None else now
    base = Facts(now=now, interval=interval, maintenance=tuple(maintenance), location=location or None)
    try:
        with Store.open_reader(db_path, busy_timeout=busy_timeout) as store:
            return _read(store, base, browsers, alpha, verdicts_of)
    except StoreError:
        return Facts(now=now, interval=interval, readable=False, maintenance=tuple(maintenance),
                     location=location or None,
                     browsers=tuple(BrowserFacts(b) for b in browsers))


def _read(store: Store, base: Facts, browsers: Sequence[str], alpha: float, verdicts_of: Any) -> Facts:
    from monitor.verdicts import read_verdicts
    now = base.now
    verdicts = (verdicts_of(store) if verdicts_of is not None else
                read_verdicts(store, browsers, interval=base.interval, alpha=alpha, now=now))
    runs = store.runs(since=now - WINDOW_SECONDS)
    probe_success = _probe_success(store, now)
    out = []
    for b in browsers:
        mine = [(ts, cid, r) for ts, cid, r in runs if r.browser == b]
        judged = [r for _ts, _cid, r in mine if r.first in JUDGED_OUTCOMES]
        failing = probe_success.get(b)
        v = verdicts.alert_of(b)  # the incident state ("failing now") and the persistent comparison
        incident = bool(v and v.incident)
        failing_now = incident or (failing is not None and failing == 0.0)
        out.append(BrowserFacts(
            b, succeeded=sum(r.first == Outcome.SUCCESS.value for r in judged), judged=len(judged), failing_now=failing_now,
            failing_since=(v.incident_since if v and incident else _streak_start(mine) if failing_now else None),
            alert=bool(v and v.persistent), alert_since=v.persistent_since if v and v.persistent else None,
            worse_than=tuple(verdicts.worse_than(b)), clean_since=v.clean_since if v else None,
            blocked=_blocked(mine)))
    target = verdicts.alerts[-1] if verdicts.alerts else None  # the target's verdict comes last (monitor.verdicts)
    return Facts(now=now, interval=base.interval, last_cycle_at=store.last_completed_cycle_ts(),
                 browsers=tuple(out), target_failing=bool(target and target.incident),
                 target_failing_since=target.incident_since if target and target.incident else None,
                 target_degraded=verdicts.own.target,
                 target_degraded_since=verdicts.own.target_since, mail=_mail(store, now),
                 link_validity=link_validity(store, now), maintenance=base.maintenance, location=base.location)


def _probe_success(store: Store, now: float) -> dict[str, float]:
    """Per browser, ``max(probe_success)`` over the journeys judged in the window (``ExtranetTargetDown``'s
    expression, per browser): 0 when every journey's last judged run failed."""
    out: dict[str, float] = {}
    for name, labels, value, ts in store.gauges():
        if name == metrics.PROBE_SUCCESS.key and ts >= now - WINDOW_SECONDS and "browser" in labels:
            out[labels["browser"]] = max(out.get(labels["browser"], 0.0), value)
    return out


def _streak_start(mine: list[tuple[float, int, Any]]) -> float | None:
    """Start of the oldest cycle of the current streak in which every judged run of the browser failed."""
    by_cycle: dict[int, tuple[float, list[str]]] = {}
    for ts, cid, r in mine:
        by_cycle.setdefault(cid, (ts, []))[1].append(r.final)
    since = None
    for _cid, (ts, finals) in sorted(by_cycle.items(), reverse=True):
        judged = [o for o in finals if o in JUDGED_OUTCOMES]
        if not judged:
            continue
        if all(o in TARGET_FAILURES for o in judged):
            since = ts
        else:
            break
    return since


def _blocked(mine: list[tuple[float, int, Any]]) -> bool:
    """The browser's last cycle could not judge the target because the monitor was blocked."""
    if not mine:
        return False
    last = max(cid for _ts, cid, _r in mine)
    runs = [r for _ts, cid, r in mine if cid == last]
    return bool(runs) and all(r.final == Outcome.PROBE_ERROR.value and r.failure_class in BLOCKED_CLASSES for r in runs)


def _mail(store: Store, now: float) -> MailFacts:
    """The recovery mails of the window (every attempt: each mail is a fact of the mail path)."""
    delivered: list[float] = []
    placed = junk = 0
    for row in store.results(since=now - WINDOW_SECONDS):
        for mail in row.record.mail_latencies:
            if mail.kind not in RECOVERY_MAILS:
                continue
            delivered.append(mail.delivery_seconds)
            if mail.placement:
                placed += 1
                junk += mail.placement == Placement.JUNK.value
    return MailFacts(tuple(delivered), placed, junk)


def link_validity(store: Store, now: float) -> LinkValidity | None:
    """Hook: the reset link's measured validity. None until the measurement (another issue) is stored."""
    return None
