"""Issue #24's figures, simulated through the evaluation path the report and ``/metrics`` use.

``calibrate --continuous`` simulates on numpy counts with the design's cycle grid (fast, 1000 weeks
in seconds). This script checks the figures one level up: it builds ``CycleOutcomes`` (journeys ×
browsers, one outcome each, cycles 15 min apart on real UTC timestamps), and reads the alert states
through ``browser_difference.direction_series`` (paired counts, time-anchored e-process starts,
hysteresis) and ``degradation.degradation_series`` (per-browser CUSUM, the target split at every
cycle) — the code ``evaluate`` and ``evaluate_degradation`` take their last column from — and the
interval and "since" through ``evaluate`` itself. Seeds are fixed per scenario and differ from
the unit tests' and calibrate's. Figures only, no assertions.

    .venv/bin/python -m bench.alert_figures              # 200 weeks per case (~3 min)
    .venv/bin/python -m bench.alert_figures --weeks 1000
"""
from __future__ import annotations

import argparse
from typing import Any, Callable

import numpy as np

from bench._common import banner
from monitor.stats.alert_state import spells
from monitor.stats.browser_difference import CycleOutcomes, design_for, direction_series, evaluate, time_grid
from monitor.stats.degradation import degradation_series

INTERVAL = 900.0
DAY = 96
WEEK = 7 * DAY
T0 = 1_790_000_000.0 - 1_790_000_000.0 % 86400  # a UTC midnight: the grid's phase varies with each week's offset
BROWSERS = ("chromium", "firefox")
Rates = Callable[[int], dict[str, float]]  # cycle index → failure probability per browser


def jump(before: float, after: float, at: int, other: float) -> Rates:
    """Chromium from ``before`` to ``after`` at cycle ``at``; Firefox stays at ``other``."""
    return lambda i: {"chromium": before if i < at else after, "firefox": other}


def history(rates: Rates, cycles: int, rng: np.random.Generator, journeys: int = 8, *,
            missing: float = 0.0, probe_errors: float = 0.0, uneven: bool = False) -> list[CycleOutcomes]:
    """Simulated stored cycles: every journey in every browser, one first-attempt outcome each.

    ``missing``: share of cycles that never ran (absent from the store); ``probe_errors``: share of
    runs the monitor broke (left out of the pairs); ``uneven``: journeys fail at different rates
    (×0.5 … ×1.5 of the browser's rate, the same in every browser).
    """
    offset = float(rng.integers(0, 16)) * INTERVAL
    scale = np.linspace(0.5, 1.5, journeys) if uneven else np.ones(journeys)
    out = []
    for i in range(cycles):
        if missing and rng.random() < missing:
            continue
        outcomes = {}
        for b, p in rates(i).items():
            fails = rng.random(journeys) < np.clip(p * scale, 0, 1)
            errs = rng.random(journeys) < probe_errors
            for j in range(journeys):
                outcomes[(f"J{j}", b)] = "probe_error" if errs[j] else ("failure" if fails[j] else "success")
        out.append(CycleOutcomes(i + 1, T0 + offset + i * INTERVAL, outcomes))
    return out


def pair_alerts(cycles: list[CycleOutcomes]) -> dict[tuple[str, str], np.ndarray]:
    """Alert state "worse fails more often than better" after every cycle, both directions."""
    design = design_for(INTERVAL, 0.05, len(BROWSERS))
    grid = time_grid([c.started_at for c in cycles], design.restart_seconds, design.window_seconds)
    sides = direction_series(cycles, BROWSERS[0], BROWSERS[1], design, grid)
    return {(d.worse, d.better): d.states for d in sides}


def first_on(states: np.ndarray, cycles: list[CycleOutcomes], change: int) -> float:
    """Cycles from the change (index of the first changed cycle) to the first alert on at or after it."""
    idx = [k for k, c in enumerate(cycles) if c.cycle_id - 1 >= change]
    on = [k for k in idx if states[k]]
    return float(cycles[on[0]].cycle_id - change) if on else float("inf")


def stats(x: list[float]) -> str:
    a = np.asarray(x, dtype=float)
    fin = a[np.isfinite(a)]
    if fin.size == 0:
        return "never"
    return (f"median {np.percentile(a, 50):.0f}, p90 {np.percentile(a, 90):.0f} cycles"
            + (f" ({a.size - fin.size}/{a.size} never)" if fin.size < a.size else ""))


def share(k: int, n: int) -> str:
    return f"{100 * k / n:.1f} % ({k}/{n})"


def between(weeks: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Stable difference: spells per week (after a day of history), both directions counted.
    for worse in (0.20, 0.15):
        n_spells = []
        for _ in range(weeks):
            cyc = history(jump(worse, worse, 0, 0.10), DAY + WEEK, rng)
            al = pair_alerts(cyc)
            n_spells.append(int(sum(spells(s[DAY:]) for s in al.values())))
        s = np.asarray(n_spells)
        print(f"between browsers, stable {worse:g} vs 0.1: alert spells per week {s.mean():.2f} "
              f"(weeks with more than one: {share(int((s > 1).sum()), s.size)}; with none: {share(int((s == 0).sum()), s.size)})")
    # Equal rates and common disturbances: weeks with any alert (false alarm).
    outage = lambda i: 0.95 if i % 48 >= 40 else 0.10  # noqa: E731  2 h of common outage every 12 h
    drift = lambda i: 0.05 + 0.25 * i / (DAY + WEEK)  # noqa: E731  both from 5 % to 30 % over the week
    cases: dict[str, tuple[Rates, dict[str, Any]]] = {
        "equal 0.1": (lambda i: {"chromium": 0.10, "firefox": 0.10}, {}),
        "equal 0.02": (lambda i: {"chromium": 0.02, "firefox": 0.02}, {}),
        "common outages (2 h at 95 % every 12 h)": (lambda i: {"chromium": outage(i), "firefox": outage(i)}, {}),
        "missing runs (10 % of cycles, 5 % probe errors)": (lambda i: {"chromium": 0.10, "firefox": 0.10},
                                                             {"missing": 0.10, "probe_errors": 0.05}),
        "uneven journeys (×0.5–×1.5 of 0.2)": (lambda i: {"chromium": 0.20, "firefox": 0.20}, {"uneven": True}),
        "common drift 5 % → 30 %": (lambda i: {"chromium": drift(i), "firefox": drift(i)}, {}),
    }
    for name, (rates, kw) in cases.items():
        false = 0
        for _ in range(weeks):
            al = pair_alerts(history(rates, DAY + WEEK, rng, **kw))
            false += any(bool(s[DAY:].any()) for s in al.values())
        print(f"between browsers, {name}: false-alarm weeks {share(false, weeks)}")
    # A jump from 2 % to 30 % on one browser after a day.
    delays = []
    for _ in range(weeks):
        change = DAY + int(rng.integers(0, 16))
        cyc = history(jump(0.02, 0.30, change, 0.02), change + DAY, rng)
        delays.append(first_on(pair_alerts(cyc)[("chromium", "firefox")], cyc, change))
    print(f"between browsers, 2 % → 30 % on one browser: named in {stats(delays)} (the alert state, from the jump)")


def own(weeks: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    delays = []
    for _ in range(weeks):
        change = WEEK + int(rng.integers(0, 16))
        cyc = history(jump(0.10, 0.20, change, 0.10), change + 2 * DAY, rng)
        _m, _s, per, _t = degradation_series(cyc, BROWSERS, INTERVAL)
        delays.append(first_on(per["chromium"], cyc, change))
    print(f"own baseline, 10 % → 20 % on one browser after a week: per-browser alert in {stats(delays)}")
    months = max(1, weeks // 4)
    drift = lambda i: 0.05 + 0.25 * max(0, i - WEEK) / (3 * WEEK)  # noqa: E731
    own_cases: list[tuple[str, Rates, dict[str, Any]]] = [("equal 0.1", lambda i: {"chromium": 0.10, "firefox": 0.10}, {}),
                            ("equal 0.02", lambda i: {"chromium": 0.02, "firefox": 0.02}, {}),
                            ("missing runs (10 % of cycles, 5 % probe errors)",
                             lambda i: {"chromium": 0.10, "firefox": 0.10}, {"missing": 0.10, "probe_errors": 0.05}),
                            ("one common outage (2 h at 95 % on day 10)",
                             lambda i: {b: 0.95 if WEEK + 960 <= i < WEEK + 968 else 0.10 for b in BROWSERS}, {}),
                            ("common drift 5 % → 30 % over 3 weeks", lambda i: {"chromium": drift(i), "firefox": drift(i)}, {})]
    for name, rates, kw in own_cases:
        per_browser, target_spells = [], []
        for _ in range(months):
            cyc = history(rates, WEEK + 30 * DAY, rng, **kw)  # a week of baseline, then a month read
            _m, _s, per, target = degradation_series(cyc, BROWSERS, INTERVAL)
            keep = np.asarray([c.cycle_id - 1 >= WEEK for c in cyc])
            per_browser += [int(spells(per[b][keep])) for b in BROWSERS]
            target_spells.append(int(spells(target[keep])))
        a = np.asarray(per_browser)
        print(f"own baseline, {name}: per-browser alert spells per browser per month {a.mean():.2f} "
              f"(months with more than one: {share(int((a > 1).sum()), a.size)}); target alert spells per month "
              f"{np.mean(target_spells):.2f}")


def interval_and_since(reps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    design = design_for(INTERVAL, 0.05, len(BROWSERS))
    widths, excl, covers = [], 0, 0
    for _ in range(reps):
        [v] = evaluate(history(lambda i: {"chromium": 0.20, "firefox": 0.10}, WEEK, rng), list(BROWSERS), design)
        lo, hi = v.interval if v.worse == "chromium" else (-v.interval[1], -v.interval[0])
        widths.append(100 * (hi - lo))
        excl += lo > 0
        covers += lo <= 0.10 <= hi
    w = np.asarray(widths)
    print(f"interval after a week of stable 0.2 vs 0.1: width median {np.median(w):.1f}, max {w.max():.1f} points; "
          f"excludes 0 in {share(excl, reps)}; covers the true +10 in {share(covers, reps)}")
    since_start, shown = 0, 0
    for _ in range(max(1, reps // 4)):
        cyc = history(lambda i: {"chromium": 0.15, "firefox": 0.03}, 30 * DAY, rng)
        [v] = evaluate(cyc, list(BROWSERS), design)
        since_start += v.since_at == cyc[0].started_at and not v.change_shown
        shown += v.change_shown
    n = max(1, reps // 4)
    print(f"since, 30 days of a constant 15 % vs 3 %: the history's start in {share(since_start, n)}; "
          f"a change claimed in {share(shown, n)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weeks", type=int, default=200, help="simulated weeks per case (own baseline: weeks / 4 months)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--only", choices=("between", "own", "interval"), default=None)
    args = ap.parse_args()
    banner("alert_figures")
    if args.only in (None, "between"):
        between(args.weeks, args.seed)
    if args.only in (None, "own"):
        own(args.weeks, args.seed + 1)
    if args.only in (None, "interval"):
        interval_and_since(max(20, args.weeks // 4), args.seed + 2)
    banner("alert_figures", "end")


if __name__ == "__main__":
    main()
