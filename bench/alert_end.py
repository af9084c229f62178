"""Issue #29's figures: how soon alerts END after a recovery, and that they still fire once per incident.

Simulated through the evaluation path the report, ``/metrics`` and the status page use:
stored-cycle outcomes (``CycleOutcomes``: journeys × browsers, 15 min apart on UTC timestamps) →
``monitor.stats.alert_verdicts.alert_series`` (the incident state, the persistent comparison between
browsers and against each browser's own past, the per-browser alert that ``/metrics`` exports).
Seeds are fixed per scenario and differ from the unit tests' and calibrate's. Figures only, no
assertions.

* **end after recovery**: Chromium fails every run for 3 h on day 3 of an 8 % week (after a week
  of history at 8 %), and Chromium at 30 % for a day after a week at 2 %, then back to 2 %: hours
  from the first recovered cycle until each state is off (the incident, the comparison with
  Firefox, the comparison with its own past, the exported alert);
* **spells per week** for a stable 20 % vs 10 % (the exported alert and each comparison);
* **false-alarm weeks** for equal rates (10 %, 2 %): weeks with any per-browser alert on;
* **daily rhythm**: every browser 3 % by night, 15 % by day (07:00–19:00 UTC): per-browser alert
  spells per browser per month, and the target's.

    .venv/bin/python -m bench.alert_end              # 40 repetitions per case (~3 min)
    .venv/bin/python -m bench.alert_end --reps 200
"""
from __future__ import annotations

import argparse
from typing import Callable

import numpy as np

from bench._common import banner
from bench.alert_figures import BROWSERS, DAY, INTERVAL, WEEK, history, jump
from monitor.stats.alert_state import spells
from monitor.stats.alert_verdicts import AlertSeries, alert_series
from monitor.stats.browser_difference import CycleOutcomes

HOUR = 4  # cycles
Rates = Callable[[int], dict[str, float]]


def series(cycles: list[CycleOutcomes]) -> AlertSeries:
    return alert_series(cycles, list(BROWSERS), INTERVAL)


def states(s: AlertSeries, browser: str = "chromium") -> dict[str, np.ndarray]:
    """The states compared: the incident, each comparison, the exported per-browser alert."""
    return {"incident": s.incident[browser], "vs other browser": s.between[browser],
            "vs own past": s.own[browser], "exported alert": s.alert[browser]}


def end_after(state: np.ndarray, cycles: list[CycleOutcomes], recovered: int) -> float:
    """Hours from the recovery (the first recovered cycle's start) until the state read after a cycle is
    off (a state read after the first recovered cycle: 0.25 h); nan if it was not on at the end of the
    incident (nothing to end); inf if still on at the end of the history."""
    idx = [k for k, c in enumerate(cycles) if c.cycle_id - 1 >= recovered]
    before = [k for k, c in enumerate(cycles) if c.cycle_id - 1 < recovered]
    if not before or not state[before[-1]]:
        return float("nan")
    off = [k for k in idx if not state[k]]
    return (cycles[off[0]].cycle_id - recovered) / HOUR if off else float("inf")


def quantiles(x: list[float]) -> str:
    a = np.asarray(x, dtype=float)
    a = a[~np.isnan(a)]
    if a.size == 0:
        return "never on"
    fin = a[np.isfinite(a)]
    if fin.size == 0:
        return f"never ended ({a.size}/{a.size})"
    med, p90 = np.percentile(a, 50), np.percentile(a, 90)
    text = lambda v: "never" if not np.isfinite(v) else f"{v:.2f} h"  # noqa: E731
    return (f"median {text(med)}, p90 {text(p90)}" + (f" ({a.size - fin.size}/{a.size} never ended)"
                                                      if fin.size < a.size else "") + f", n={a.size}")


def share(k: int, n: int) -> str:
    return f"{100 * k / n:.1f} % ({k}/{n})"


def outage_end(reps: int, rng: np.random.Generator) -> dict[str, list[float]]:
    ends: dict[str, list[float]] = {}
    for _ in range(reps):
        start = WEEK + 2 * DAY + int(rng.integers(0, DAY))
        stop = start + 3 * HOUR

        def rates(i: int, start: int = start, stop: int = stop) -> dict[str, float]:
            return {"chromium": 1.0 if start <= i < stop else 0.08, "firefox": 0.08}
        cyc = history(rates, stop + 2 * DAY, rng)
        for name, st in states(series(cyc)).items():
            ends.setdefault(name, []).append(end_after(st, cyc, stop))
    return ends


def _bad_day(start: int, stop: int) -> Rates:
    return lambda i: {"chromium": 0.30 if start <= i < stop else 0.02, "firefox": 0.02}


def degraded_day_end(reps: int, rng: np.random.Generator) -> dict[str, list[float]]:
    ends: dict[str, list[float]] = {}
    for _ in range(reps):
        start = WEEK + int(rng.integers(0, 16))
        stop = start + DAY
        cyc = history(_bad_day(start, stop), stop + 2 * DAY, rng)
        for name, st in states(series(cyc)).items():
            ends.setdefault(name, []).append(end_after(st, cyc, stop))
    return ends


def stable(reps: int, rng: np.random.Generator) -> None:
    counts: dict[str, list[int]] = {}
    for _ in range(reps):
        cyc = history(jump(0.20, 0.20, 0, 0.10), WEEK + WEEK, rng)  # a week of history, then a week read
        keep = np.asarray([c.cycle_id - 1 >= WEEK for c in cyc])
        for name, st in states(series(cyc)).items():
            counts.setdefault(name, []).append(int(spells(st[keep])))
    for name, c in counts.items():
        a = np.asarray(c)
        print(f"stable 20 % vs 10 %, {name}: spells per week {a.mean():.2f} "
              f"(weeks with more than one: {share(int((a > 1).sum()), a.size)}; with none: {share(int((a == 0).sum()), a.size)})")


def equal(reps: int, rng: np.random.Generator) -> None:
    for rate in (0.10, 0.02):
        false = {"exported alert": 0, "incident": 0, "target": 0, "between": 0, "own": 0}
        for _ in range(reps):
            cyc = history(jump(rate, rate, 0, rate), WEEK + WEEK, rng)
            keep = np.asarray([c.cycle_id - 1 >= WEEK for c in cyc])
            s = series(cyc)
            false["exported alert"] += any(bool(s.alert[b][keep].any()) for b in BROWSERS)
            false["incident"] += any(bool(s.incident[b][keep].any()) for b in BROWSERS)
            false["between"] += any(bool(s.between[b][keep].any()) for b in BROWSERS)
            false["own"] += any(bool(s.own[b][keep].any()) for b in BROWSERS)
            false["target"] += bool(s.target_alert[keep].any())
        print(f"equal {rate:g}: false-alarm weeks, per-browser alert {share(false['exported alert'], reps)} "
              f"(between browsers {share(false['between'], reps)}, own past {share(false['own'], reps)}); "
              f"incident {share(false['incident'], reps)}; target alert {share(false['target'], reps)}")


def rhythm(months: int, rng: np.random.Generator) -> None:
    def rate(i: int) -> float:
        hour = (i % DAY) / HOUR  # history() starts each run at a UTC midnight plus < 4 h
        return 0.15 if 7 <= hour < 19 else 0.03
    per, own, target = [], [], []
    for _ in range(months):
        cyc = history(lambda i: {b: rate(i) for b in BROWSERS}, WEEK + 30 * DAY, rng)  # a week of history, a month read
        keep = np.asarray([c.cycle_id - 1 >= WEEK for c in cyc])
        s = series(cyc)
        per += [int(spells(s.alert[b][keep])) for b in BROWSERS]
        own += [int(spells(s.own[b][keep])) for b in BROWSERS]
        target.append(int(spells(s.target_alert[keep])))
    a = np.asarray(per)
    print(f"daily rhythm 3 % night / 15 % day on every browser: per-browser alert spells per browser per month "
          f"{a.mean():.2f} (months with any: {share(int((a > 0).sum()), a.size)}); own-past comparison "
          f"{np.mean(own):.2f}; target alert spells per month {np.mean(target):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=40, help="repetitions per case (the rhythm: reps / 4 months)")
    ap.add_argument("--seed", type=int, default=2929)
    ap.add_argument("--only", choices=("end", "stable", "equal", "rhythm"), default=None)
    args = ap.parse_args()
    banner("alert_end")
    if args.only in (None, "end"):
        for name, ends in outage_end(args.reps, np.random.default_rng(args.seed)).items():
            print(f"alert end after recovery, 3 h outage in an 8 % week, {name}: {quantiles(ends)}")
        for name, ends in degraded_day_end(args.reps, np.random.default_rng(args.seed + 1)).items():
            print(f"alert end after recovery, 30 % → 2 % after a day, {name}: {quantiles(ends)}")
    if args.only in (None, "stable"):
        stable(args.reps, np.random.default_rng(args.seed + 2))
    if args.only in (None, "equal"):
        equal(args.reps, np.random.default_rng(args.seed + 3))
    if args.only in (None, "rhythm"):
        rhythm(max(2, args.reps // 4), np.random.default_rng(args.seed + 4))
    banner("alert_end", "end")


if __name__ == "__main__":
    main()
