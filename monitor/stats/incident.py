"""Is a browser, or the target, failing NOW? An incident state on the last cycles only.

The always-valid comparisons (``monitor.stats.browser_difference``, ``monitor.stats.degradation``)
answer "is a browser persistently worse?": they weigh hours or days of runs, so they are slow to
start on a small difference and, by design, do not drop a claim on one good cycle. A hard outage
needs the other answer, the one synthetic-monitoring tools give (Checkly, Grafana Synthetic
Monitoring, Uptime Kuma: "N failed checks in a row" opens the incident, passing checks close it):
here a browser is **in an incident** once ``ON_CYCLES`` cycles in a row had at least ``ON_SHARE``
of its judged runs failed, and **out** once ``OFF_CYCLES`` cycles in a row had less than
``OFF_SHARE`` failed (a hysteresis: a partial outage hovering around one line does not flap).
With 15-minute cycles: on 30 min into a hard outage, off 30 min after it ends, one spell per
incident. Cycles without a judged run (probe errors, a cycle that did not run) change nothing.
Noise cannot open one: at a 30 % failure rate and 8 journeys, two cycles in a row at ≥ 75 % happen
about once in 8 000 cycles (12 weeks). When every browser is in an incident together, it is the
target's (``split_series``, as for the own-baseline comparison): one incident, not one per browser.
"""
from __future__ import annotations

import numpy as np

ON_SHARE = 0.75  # share of a cycle's judged runs failed that counts towards an incident
ON_CYCLES = 2  # consecutive such cycles that open it
OFF_SHARE = 0.5  # a cycle with less than this share failed counts towards the end
OFF_CYCLES = 2  # consecutive such cycles that close it


def incident_states(failures: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """The incident state after every cycle of one browser (``failures`` of ``trials`` judged runs)."""
    out, on, bad, good = [], False, 0, 0
    for f, n in zip(np.asarray(failures, dtype=float).tolist(), np.asarray(trials, dtype=float).tolist(), strict=True):
        if n > 0:
            share = f / n
            bad = bad + 1 if share >= ON_SHARE else 0
            good = good + 1 if share < OFF_SHARE else 0
            if not on and bad >= ON_CYCLES:
                on, good = True, 0
            elif on and good >= OFF_CYCLES:
                on, bad = False, 0
        out.append(on)
    return np.array(out, dtype=bool)


def last_good_run(failures: np.ndarray, trials: np.ndarray) -> int:
    """First cycle of the current stretch of cycles under ``OFF_SHARE`` failed (−1 when the last judged cycle
    was not one): since when the runs are clean."""
    first = -1
    for k, (f, n) in enumerate(zip(np.asarray(failures, float).tolist(), np.asarray(trials, float).tolist(), strict=True)):
        if n > 0:
            first = (first if first >= 0 else k) if f / n < OFF_SHARE else -1
    return first
