"""``python -m monitor calibrate --continuous``: the verdict read after EVERY cycle.

``calibrate`` measures a single look at the end of a run; a monitor is looked at all the
time. This mode measures what a support desk actually experiences, for the old verdict
(Fisher's exact test on the last 24 h, "significant" when p < α) and the new one
(``monitor.stats.sequential``'s e-detector), side by side, on the same simulated data:

* false alarms: two browsers with EQUAL failure rates, 8 journeys per browser per cycle,
  one day of history then one week read after every cycle; a week counts once if any read
  claims a difference;
* detection delay: both at 2 % for one day, then one browser jumps to 30 %; cycles from the
  jump until the verdict names that browser (1 = at the first cycle after the jump);
* recovery: the bad browser returns to 2 % after a day; cycles until the verdict stops
  naming it.

Simulation is vectorised with numpy over the simulated weeks (the e-detector's own code is
used, not a copy). A real short run (reference extranet, fault profile, real browsers)
then replays a jump through the monitor's runner and store and prints both verdicts after
each cycle, read from the store as the report reads it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from monitor.stats.sequential import Design, detect, grid_starts, log_evalues

if TYPE_CHECKING:
    from monitor.stats.browser_difference import CycleOutcomes

CYCLES_PER_DAY = 96  # 15-minute cycles
FISHER_WINDOW = 96  # the report's 24 h window, in cycles


# --- the old verdict, vectorised -----------------------------------------------------------
class FisherTables:
    """Two-sided Fisher p-values for many 2×2 tables at once (log-factorials, memoised).

    Same definition as ``monitor.stats.rates.fisher_exact`` (tables no more likely than the observed
    one, with R's relative tolerance 1e-7 for ties), in floating point so that a simulated
    week of 672 reads × thousands of weeks takes seconds, not hours. Unit-tested against the
    exact integer version.
    """

    def __init__(self, n_max: int) -> None:
        self.logfact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n_max + 1)))])
        self.cache: dict[tuple[int, int, int, int], float] = {}

    def _one(self, a: int, b: int, c: int, d: int) -> float:
        r1, r2, c1 = a + b, c + d, a + c
        n = r1 + r2
        if n == 0 or r1 == 0 or r2 == 0 or c1 == 0 or c1 == n:
            return 1.0
        lf = self.logfact
        x = np.arange(max(0, c1 - r2), min(r1, c1) + 1)
        logp = (lf[r1] + lf[r2] + lf[c1] + lf[n - c1] - lf[n]
                - lf[x] - lf[r1 - x] - lf[c1 - x] - lf[r2 - c1 + x])
        obs = logp[a - x[0]]
        return float(min(1.0, np.exp(logp[logp <= obs + 1e-7]).sum()))

    def pvalues(self, a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
        tables = [np.asarray(v, dtype=np.int64).ravel() for v in (a, b, c, d)]
        base = int(max(t.max(initial=0) for t in tables)) + 1
        key = ((tables[0] * base + tables[1]) * base + tables[2]) * base + tables[3]
        keys, inverse = np.unique(key, return_inverse=True)
        uniq = np.stack([keys // base ** 3, keys // base ** 2 % base, keys // base % base, keys % base], 1)
        values = np.empty(len(uniq))
        for i, t in enumerate(map(tuple, uniq.tolist())):
            if t not in self.cache:
                self.cache[t] = self._one(*t)
            values[i] = self.cache[t]
        return values[inverse.ravel()].reshape(np.shape(a))


def fisher_claims(fa: np.ndarray, fb: np.ndarray, n: np.ndarray, alpha: float, window: int,
                  fisher: FisherTables) -> tuple[np.ndarray, np.ndarray]:
    """Old verdict after each cycle: (A called worse, B called worse), 24 h window, p < α."""
    def window_sum(x: np.ndarray) -> np.ndarray:
        c = np.concatenate([np.zeros(x.shape[:-1] + (1,)), np.cumsum(x, -1)], -1)
        t = np.arange(x.shape[-1])
        return c[..., t + 1] - c[..., np.maximum(t + 1 - window, 0)]
    wa, wb, wn = window_sum(fa), window_sum(fb), window_sum(np.broadcast_to(n, fa.shape).astype(float))
    p = fisher.pvalues(wn - wa, wa, wn - wb, wb)  # rows: browser, columns: success, failure
    significant = p < alpha
    return significant & (wa > wb), significant & (wb > wa)


# --- the new verdict ---------------------------------------------------------------------
def sequential_claims(fa: np.ndarray, fb: np.ndarray, n: np.ndarray,
                      design: Design) -> tuple[np.ndarray, np.ndarray]:
    """New verdict after each cycle: (A called worse, B called worse), e-detector over ``design``."""
    n_full = np.broadcast_to(n, fa.shape)
    starts, ends = grid_starts(fa.shape[-1], design.restart, design.window)
    claims = []
    for x, y in ((fa, fb), (fb, fa)):
        evidence, _ = detect(log_evalues(x, y, n_full, design.lookback), starts, ends)
        claims.append(evidence >= design.log_threshold)
    return claims[0], claims[1]


# --- scenarios ------------------------------------------------------------------------------
@dataclass
class Figures:
    """One method's figures over the simulated weeks."""

    false_alarm_weeks: int
    weeks: int
    delays: np.ndarray  # cycles from the jump to the first correct claim (inf: never within the week)
    recoveries: np.ndarray  # cycles from the recovery until the claim stops (inf: not within the week)

    @staticmethod
    def _quantiles(x: np.ndarray) -> str:
        finite = x[np.isfinite(x)]
        missed = x.size - finite.size
        if finite.size == 0:
            return "never within the week"
        med, p90 = np.percentile(x, 50), np.percentile(x, 90)
        fmt = lambda v: "never" if not np.isfinite(v) else f"{v:.0f}"  # noqa: E731
        return f"median {fmt(med)}, p90 {fmt(p90)} cycles" + (f" ({missed}/{x.size} never)" if missed else "")

    def delay_text(self) -> str:
        return self._quantiles(self.delays)

    def recovery_text(self) -> str:
        return self._quantiles(self.recoveries)


def first_true(x: np.ndarray) -> np.ndarray:
    """1-based index of the first True per row, inf where none."""
    return np.where(x.any(-1), x.argmax(-1) + 1.0, np.inf)


def after(x: np.ndarray, change: np.ndarray) -> np.ndarray:
    """Row i of ``x`` from column ``change[i]`` on (padded with False), for delays from a change."""
    idx = change[:, None] + np.arange(x.shape[-1])[None, :]
    return np.where(idx < x.shape[-1], np.take_along_axis(x, np.minimum(idx, x.shape[-1] - 1), -1), False)


def simulate(*, weeks: int, journeys: int, alpha: float, design: Design, equal_rate: float = 0.10,
             low: float = 0.02, high: float = 0.30, seed: int = 1) -> dict[str, Figures]:
    """Both methods on the same simulated weeks (one browser pair); returns {'fisher', 'sequential'}.

    The change happens one day in, plus a random phase within the restart period, so it falls
    anywhere between two starts of the e-detector, as it would in reality.
    """
    rng = np.random.default_rng(seed)
    day, week = CYCLES_PER_DAY, 7 * CYCLES_PER_DAY
    cycles = day + week
    t = np.arange(cycles)[None, :]
    n = np.full(cycles, float(journeys))
    change = day + rng.integers(0, design.restart, weeks)
    fisher = FisherTables(4 * journeys * FISHER_WINDOW + 4)

    def binom(p: np.ndarray | float) -> np.ndarray:
        return rng.binomial(journeys, np.broadcast_to(p, (weeks, cycles))).astype(float)

    methods = {"fisher": lambda x, y: fisher_claims(x, y, n, alpha, FISHER_WINDOW, fisher),
               "sequential": lambda x, y: sequential_claims(x, y, n, design)}
    # (a) equal rates: one day of history, then a week of reads.
    fa, fb = binom(equal_rate), binom(equal_rate)
    alarms = {m: f(fa, fb) for m, f in methods.items()}
    false_weeks = {m: int((a[:, day:] | b[:, day:]).any(-1).sum()) for m, (a, b) in alarms.items()}
    # (b) a jump: A from `low` to `high` at `change`.
    fa, fb = binom(np.where(t < change[:, None], low, high)), binom(low)
    delays = {m: first_true(after(f(fa, fb)[0], change)) for m, f in methods.items()}
    # (c) recovery: A at `high` until `change`, back to `low` after it.
    fa, fb = binom(np.where(t < change[:, None], high, low)), binom(low)
    recover = {m: first_true(after(~f(fa, fb)[0], change)) for m, f in methods.items()}
    return {m: Figures(false_weeks[m], weeks, delays[m], recover[m]) for m in methods}


def alert_spells(*, weeks: int, journeys: int, design: Design, worse: float = 0.20, better: float = 0.10,
                 seed: int = 2) -> np.ndarray:
    """Alert spells per simulated week for a STABLE difference (``worse`` vs ``better`` failure rates):
    the persistent comparison's state (``monitor.stats.alert_state.persistent_series``, both
    directions, through ``browser_difference.direction_series_from_counts``), read after every
    cycle after a day of history (a spell already on when the week begins counts once)."""
    from monitor.stats.alert_state import spells
    from monitor.stats.browser_difference import direction_series_from_counts
    rng = np.random.default_rng(seed)
    day, cycles = CYCLES_PER_DAY, CYCLES_PER_DAY + 7 * CYCLES_PER_DAY
    fa = rng.binomial(journeys, worse, (weeks, cycles)).astype(float)
    fb = rng.binomial(journeys, better, (weeks, cycles)).astype(float)
    n = np.full(cycles, float(journeys))
    grid = grid_starts(cycles, design.restart, design.window)
    out = []
    for a, b in zip(fa, fb, strict=True):  # the state machine reads one series at a time
        sides = direction_series_from_counts(a, b, n, "a", "b", design, grid)
        out.append(int(spells(sides[0].states[day:] | sides[1].states[day:])))
    return np.asarray(out)


def alert_end_hours(*, reps: int, journeys: int, alpha: float, before: float, during: float, after: float,
                    baseline_days: float, bad_hours: float, seed: int, interval: float = 900.0) -> np.ndarray:
    """Hours from a recovery until the exported per-browser alert is off (inf: not within two days).

    Browser A at ``before`` for ``baseline_days`` (plus a random phase), ``during`` for ``bad_hours``,
    then ``after``; browser B at ``before`` throughout. Read through ``monitor.stats.alert_verdicts.combine``
    (the incident, both comparisons, the split) on the cycles' counts, on UTC-anchored cycle times.
    Repetitions where the alert was not on at the recovery are left out (nothing to end).
    """
    from monitor.stats.alert_verdicts import combine
    from monitor.stats.browser_difference import design_for, direction_series_from_counts, time_grid
    from monitor.stats.degradation import own_series_from_counts
    rng = np.random.default_rng(seed)
    per_hour = round(3600.0 / interval)
    design = design_for(interval, alpha, 2)
    ends = []
    for _ in range(reps):
        start = round(baseline_days * 24 * per_hour) + int(rng.integers(0, 24 * per_hour))
        stop = start + round(bad_hours * per_hour)
        cycles = stop + 2 * 24 * per_hour
        t = np.arange(cycles)
        n = np.full(cycles, float(journeys))
        fa = rng.binomial(journeys, np.where((t >= start) & (t < stop), during, np.where(t < start, before, after)))
        fb = rng.binomial(journeys, np.full(cycles, before))
        fa, fb = fa.astype(float), fb.astype(float)
        times = 1_790_035_200.0 + t * interval  # a UTC midnight, so the e-processes' grid and the day's hours are real
        grid = time_grid(times.tolist(), design.restart_seconds, design.window_seconds)
        directions = {("a", "b"): direction_series_from_counts(fa, fb, n, "a", "b", design, grid)}
        own = own_series_from_counts({"a": (fa, n), "b": (fb, n)}, times, interval)
        alert = combine({"a": (fa, n), "b": (fb, n)}, directions, own, cycles).alert["a"]
        if not alert[stop - 1]:
            continue
        off = np.flatnonzero(~alert[stop:])
        ends.append((off[0] + 1) / per_hour if off.size else np.inf)  # read after the cycle: the first one is ¼ h
    return np.asarray(ends, dtype=float)


def hours_text(x: np.ndarray) -> str:
    if x.size == 0:
        return "never on"
    med, p90 = np.percentile(x, 50), np.percentile(x, 90)
    fmt = lambda v: "over two days" if not np.isfinite(v) else f"{v:.2f} h"  # noqa: E731
    return f"median {fmt(med)}, p90 {fmt(p90)}"


def print_alerts(*, weeks: int, journeys: int, design: Design, seed: int, out: Callable[[str], None] = print) -> dict:
    """The alert lines: spells per week for stable differences, and the own-baseline detector's delay."""
    from monitor.stats.power import own_baseline
    figures: dict[str, np.ndarray] = {}
    for worse in (0.20, 0.15):
        s = alert_spells(weeks=weeks, journeys=journeys, design=design, worse=worse, seed=seed)
        figures[f"{worse:g} vs 0.1"] = s
        out(f"alert spells per week: {s.mean():.2f} (median {np.median(s):.0f}; weeks with more than one: "
            f"{proportion(int((s > 1).sum()), s.size)}) for a stable {worse:g} vs 0.1 difference "
            "(alert on at the threshold, off when the runs show a recovery)")
    own = own_baseline(interval=design.interval, journeys=journeys, reps=weeks, seed=seed, horizon=2 * 86400.0)
    finite = own.delays[np.isfinite(own.delays)]
    missed = own.delays.size - finite.size
    out(f"detection delay (own baseline): median {np.median(own.delays):.0f}, p90 {np.percentile(finite, 90):.0f} cycles"
        + (f" ({missed}/{own.delays.size} not within two days)" if missed else "")
        + f" (one browser 0.1 → 0.2 after a week at 0.1, {journeys} journeys per cycle, counted from the change)")
    figures["own"] = own.delays
    reps = min(weeks, 200)  # each repetition runs the alert state machines cycle by cycle
    outage = alert_end_hours(reps=reps, journeys=journeys, alpha=design.alpha, before=0.08, during=1.0, after=0.08,
                             baseline_days=9, bad_hours=3, seed=seed + 10, interval=design.interval)
    back = alert_end_hours(reps=reps, journeys=journeys, alpha=design.alpha, before=0.02, during=0.30, after=0.02,
                           baseline_days=7, bad_hours=24, seed=seed + 11, interval=design.interval)
    out(f"alert end after recovery: {hours_text(outage)} after a 3-hour outage (one browser failing every run, "
        f"8 % otherwise); {hours_text(back)} after 30 % → 2 % (a bad day after a week at 2 %); the exported "
        f"per-browser alert, {reps} repetitions each, {journeys} journeys per cycle")
    figures["end outage"], figures["end 30 to 2"] = outage, back
    return figures


def proportion(k: int, n: int) -> str:
    from monitor.calibration.calibrate import proportion_text
    return proportion_text(k, n)


def print_simulation(figures: dict[str, Figures], *, design: Design, journeys: int, alpha: float,
                     equal_rate: float, low: float, high: float, out: Callable[[str], None] = print) -> None:
    f, s = figures["fisher"], figures["sequential"]
    out(f"Continuous monitoring, SIMULATED: one browser pair, {journeys} journeys per browser per 15-min cycle, "
        f"the verdict read after every cycle; {f.weeks} simulated weeks; nominal α = {100 * alpha:g} % per week")
    out(f"  new test: e-detector, threshold {design.threshold:.0f} = {design.processes} e-processes per week / α "
        f"(window {design.window} cycles, restart every {design.restart}, plug-in over {design.lookback})")
    out(f"false alarms under continuous monitoring: Fisher 24 h {proportion(f.false_alarm_weeks, f.weeks)} of weeks; "
        f"sequential {proportion(s.false_alarm_weeks, s.weeks)} of weeks (equal failure rates {equal_rate:g})")
    out(f"detection delay: Fisher 24 h {f.delay_text()}; sequential {s.delay_text()} "
        f"(one browser {low:g} → {high:g} after one day, counted from the jump)")
    out(f"recovery seen: Fisher 24 h {f.recovery_text()}; sequential {s.recovery_text()} "
        f"(the browser back to {low:g} after a bad day)")


# --- the whole mode ---------------------------------------------------------------------------
def verdict_after_each_cycle(cycles: Sequence[CycleOutcomes], browsers: Sequence[str], design: Design,
                             alpha: float) -> list[tuple[int, str, str]]:
    """For each cycle i, both verdicts read on cycles 0..i: (cycle id, Fisher, sequential)."""
    from fixtures.core.engine_names import display_name
    from monitor.calibration.calibrate import rates_from_outcomes
    from monitor.stats.browser_difference import evaluate
    from monitor.stats.rates import compare, format_p
    out = []
    for i in range(len(cycles)):
        seen = cycles[:i + 1]
        firsts: dict[str, list[str]] = {b: [] for b in browsers}
        for c in seen:
            for (_j, b), o in c.outcomes.items():
                if b in firsts:
                    firsts[b].append(o)
        comps = compare(rates_from_outcomes(firsts), alpha)
        fisher = "–" if not comps else (
            f"{display_name(comps[0].worse.label)} worse ({format_p(comps[0].p_adjusted)})" if comps[0].significant
            else f"no difference ({format_p(comps[0].p_adjusted)})")
        grid = grid_starts(len(seen), design.restart, design.window)
        verdicts = evaluate(seen, browsers, design, grid=grid)
        top = verdicts[0] if verdicts else None
        seq = "–" if top is None else (
            f"{display_name(top.worse)} worse (evidence {top.evidence:.3g} ≥ {top.threshold:.0f})" if top.alarm
            else f"no difference (evidence {top.evidence:.3g} < {top.threshold:.0f})")
        out.append((seen[-1].cycle_id, fisher, seq))
    return out


def real_lines(per_cycle: Sequence[tuple[int, str, str]]) -> list[str]:
    """Lines of the real run: cycle, Fisher verdict, sequential verdict."""
    return [f"  cycle {i:>3}: Fisher (all cycles so far): {fis}; sequential: {seq}" for i, fis, seq in per_cycle]


def run_continuous(cfg, *, weeks: int, journeys: int, alpha: float, real_cycles: int, seed: int,
                   sim_seed: int = 1, equal_rate: float = 0.10, low: float = 0.02, high: float = 0.30,
                   db=None, out: Callable[[str], None] = print,
                   progress: Callable[[str], None] = lambda _s: None, stop=None) -> dict:  # type: ignore[no-untyped-def]
    """Simulation (both methods, side by side), then a short real run; returns the figures."""
    import tempfile
    from pathlib import Path

    from monitor.calibration.calibrate import calibration_config, run_real, start_reference_target
    from monitor.cycle.runner import StopRequest
    from monitor.stats.browser_difference import cycles_from_runs, design_for
    from monitor.store.results_db import Store
    stop = stop or StopRequest()
    design = design_for(15 * 60.0, alpha, 2)
    figures = simulate(weeks=weeks, journeys=journeys, alpha=alpha, design=design, equal_rate=equal_rate,
                       low=low, high=high, seed=sim_seed)
    print_simulation(figures, design=design, journeys=journeys, alpha=alpha, equal_rate=equal_rate, low=low,
                     high=high, out=out)
    alerts = print_alerts(weeks=weeks, journeys=journeys, design=design, seed=sim_seed + 1, out=out)
    browsers = list(cfg.browsers)
    if len(browsers) > 2:
        bigger = design_for(15 * 60.0, alpha, len(browsers))
        out(f"  with {len(browsers)} browsers ({bigger.pairs} pairs watched) the threshold is {bigger.threshold:.0f}: "
            f"about {math.log(bigger.pairs) / 1.36:.1f} cycle more delay at this jump")
    result = {"figures": figures, "design": design, "real": None, "alerts": alerts}
    if real_cycles <= 0 or len(browsers) < 2:
        out("  REAL: not run (--real-cycles 0)" if real_cycles <= 0 else "  REAL: needs two browsers")
        return result
    worse = browsers[0]
    half = max(1, real_cycles // 2)
    real_design = Design(alpha=alpha, horizon=design.horizon, window=design.window, restart=min(4, design.window),
                         lookback=design.lookback, pairs=len(browsers) * (len(browsers) - 1) // 2)
    with tempfile.TemporaryDirectory(prefix="monitor-calibrate-continuous-") as tmp:
        workdir = Path(tmp)
        target = start_reference_target(workdir)
        try:
            ccfg = calibration_config(cfg, target.target_config, workdir, Path(db) if db else None)
            with Store.open_writer(ccfg.db_path, busy_timeout=ccfg.busy_timeout) as store:
                equal = {b: low for b in browsers}
                jumped = {**equal, worse: high}
                run_real(ccfg, store, target, equal, cycles=half, seed=seed, stop=stop, progress=progress)
                if not stop.is_set():
                    run_real(ccfg, store, target, jumped, cycles=real_cycles - half, seed=seed + 1, stop=stop,
                             progress=progress)
                cycles = cycles_from_runs(store.runs())
        finally:
            target.close()
    lines = verdict_after_each_cycle(cycles, browsers, real_design, alpha)
    out(f"Continuous monitoring, REAL short run: {len(cycles)} cycles through the monitor's runner and store, "
        f"one paired N1 run per browser per cycle; {worse} {low:g} → {high:g} after cycle {half}; "
        f"restart every {real_design.restart} cycles (short run), threshold {real_design.threshold:.0f}")
    for line in real_lines(lines):
        out(line)
    first_seq = next((i + 1 for i, (_c, _f, s) in enumerate(lines) if "worse" in s), None)
    first_fis = next((i + 1 for i, (_c, f, _s) in enumerate(lines) if "worse" in f), None)
    out(f"  REAL: first 'worse' verdict at cycle {first_fis or 'never'} (Fisher) and {first_seq or 'never'} "
        f"(sequential); with one pair per cycle a short run shows the plumbing, the simulation the rates")
    result["real"] = lines
    return result
