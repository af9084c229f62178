"""Synthetic history for demos and tests: a store filled as if the monitor had run for days.

Why it exists: the exporter, the reports and the Prometheus rules must be checked against
a realistic history (Firefox ~98 %, Chromium ~71 %, a few flaky runs and probe errors)
long before the real journeys have produced one. It writes through :class:`Store` exactly
as the runner does, so counters and gauges are consistent with the rows.
"""
from __future__ import annotations

import random
import time
from typing import Mapping, Sequence

from fixtures.core.contract import JourneyResult, MailLatency, Step
from monitor.store.results_db import Store

DEFAULT_RATES = {"chromium": 0.71, "firefox": 0.98}


def populate(store: Store, *, cycles: int = 96, step: float = 900.0, end: float | None = None,
             journeys: Sequence[str] = ("J1", "J2.2b", "N1"), rates: Mapping[str, float] = DEFAULT_RATES,
             probe_error_rate: float = 0.02, retry_pass_rate: float = 0.5, seed: int = 7,
             incident_notice: bool = False, junk_rate: float | None = None,
             probe_error_class: str = "browser_crashed") -> None:
    """``cycles`` completed cycles, ``step`` seconds apart, ending at ``end`` (default now).

    ``junk_rate``: each mail's placement is measured (as from IMAP), junk with this probability;
    None: not measured (Mailpit). ``probe_error_class``: the failure class of the probe errors.
    """
    rng = random.Random(seed)
    end = end or time.time()
    for i in range(cycles):
        t0 = end - (cycles - i) * step
        cid = store.start_cycle(journeys, list(rates), mode="run", now=t0)
        first, retry = [], []
        for j in journeys:
            for b, p in rates.items():
                u = rng.random()
                if u < probe_error_rate:
                    first.append(JourneyResult(j, b, "probe_error", failure_class=probe_error_class,
                                               message="synthetic probe error", duration_seconds=1.0))
                    continue
                ok = rng.random() < p
                placement = None if junk_rate is None else ("junk" if rng.random() < junk_rate else "inbox")
                mails = ((MailLatency("identifiant", round(rng.uniform(0.5, 8), 2), None, placement),)
                         if ok and j != "N1" else ())
                first.append(JourneyResult(
                    j, b, "success" if ok else "failure", test=f"journeys/test_{j}.py::test[{b}]",
                    failure_class=None if ok else "assertion", message=None if ok else "synthetic failure",
                    duration_seconds=round(rng.uniform(2, 20), 2), steps=(Step("home", 0.4), Step("submit", 1.2)),
                    mail_latencies=mails, spam_scores=(round(rng.uniform(-1, 3), 1),) if mails else (),
                    incident_notice=incident_notice if j == "N1" else None,
                    artifacts=() if ok else (f"/nonexistent/synthetic/{cid}/{j}-{b}.png",)))
                if not ok:
                    retry.append(JourneyResult(j, b, "success" if rng.random() < retry_pass_rate else "failure",
                                               duration_seconds=5.0, failure_class=None))
        store.record_attempt(cid, 1, first, now=t0 + 1)
        if retry:
            store.record_attempt(cid, 2, [r if r.outcome == "success" else
                                          JourneyResult(r.journey, r.browser, "failure", failure_class="assertion",
                                                        duration_seconds=5.0) for r in retry], now=t0 + 2)
        store.finish_cycle(cid, "completed", now=t0 + 3)
