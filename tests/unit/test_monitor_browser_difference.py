"""The verdict read from stored runs: which browser, since when, and a start grid that does not
move with the moment someone reads."""
from __future__ import annotations

import numpy as np
import pytest

from monitor.stats.browser_difference import CycleOutcomes, design_for, evaluate, paired_counts, time_grid

JOURNEYS = [f"J{i}" for i in range(8)]
T0 = 1_790_000_000.0 - 1_790_000_000.0 % (4 * 3600)  # on a 4 h boundary, so the grid is easy to read


def history(rates: list[dict[str, float]], seed: int = 1, step: float = 900.0) -> list[CycleOutcomes]:
    """One cycle per element of ``rates`` ({browser: failure probability}), 8 journeys each."""
    rng = np.random.default_rng(seed)
    out = []
    for i, r in enumerate(rates):
        outcomes = {(j, b): ("failure" if rng.random() < p else "success") for j in JOURNEYS for b, p in r.items()}
        out.append(CycleOutcomes(i + 1, T0 + i * step, outcomes))
    return out


def test_a_browser_that_becomes_worse_is_named_with_since_when_and_the_interval() -> None:
    design = design_for(900.0, 0.05, 2)
    cycles = history([{"chromium": 0.02, "firefox": 0.02}] * 100 + [{"chromium": 0.02, "firefox": 0.40}] * 30)
    [v] = evaluate(cycles, ["chromium", "firefox"], design)
    assert v.alarm and v.worse == "firefox" and v.better == "chromium"
    jump = cycles[100].started_at
    assert v.crossed_at is not None and jump < v.crossed_at <= jump + 12 * 900  # crossed within 12 cycles
    # The data show the change: the stretch begins at the grid start (4 h) nearest the jump, not at history's start.
    assert v.change_shown and v.since_at is not None and abs(v.since_at - jump) <= 4 * 3600
    lo, hi = v.interval
    assert lo <= 0.38 <= hi and lo > 0
    assert "Firefox fails more often than Chromium since about" in v.sentence()
    assert "a change the data show" in v.sentence()


def test_an_old_difference_is_dated_as_far_back_as_the_history_goes() -> None:
    """A month-old stable difference (15 % vs 3 %) is not "a change 12 h ago": no change is shown, the
    verdict says "for at least N days", and the interval uses the whole history (narrow, excludes 0)."""
    cycles = history([{"chromium": 0.15, "firefox": 0.03}] * (96 * 10), seed=5)
    [v] = evaluate(cycles, ["chromium", "firefox"], design_for(900.0, 0.05, 2))
    assert v.claimed and v.worse == "chromium" and not v.change_shown
    assert v.since_at == cycles[0].started_at and v.pairs == 96 * 10 * 8
    assert "for at least 10 days, as far back as the history goes" in v.sentence()
    lo, hi = v.interval
    assert 0 < lo <= 0.12 <= hi and hi - lo <= 0.08


def test_a_week_of_stable_20_vs_10_gives_an_interval_under_8_points() -> None:
    cycles = history([{"chromium": 0.2, "firefox": 0.1}] * 672, seed=6)
    [v] = evaluate(cycles, ["chromium", "firefox"], design_for(900.0, 0.05, 2))
    lo, hi = v.interval
    assert v.alert and not v.change_shown and 0 < lo <= 0.1 <= hi and hi - lo <= 0.08


def test_equal_browsers_get_no_verdict() -> None:
    cycles = history([{"chromium": 0.1, "firefox": 0.1}] * 200, seed=4)
    [v] = evaluate(cycles, ["chromium", "firefox"], design_for(900.0, 0.05, 2))
    assert not v.alarm and not v.alert and v.crossed_at is None and not v.change_shown
    assert "no evidence that they differ" in v.sentence()
    assert v.interval[0] < 0 < v.interval[1]


def test_probe_errors_drop_the_pair_instead_of_counting() -> None:
    c = CycleOutcomes(1, T0, {("J1", "chromium"): "failure", ("J1", "firefox"): "probe_error",
                              ("J2", "chromium"): "success", ("J2", "firefox"): "mail_not_received",
                              ("J3", "chromium"): "not_run", ("J3", "firefox"): "success"})
    fa, fb, n, diffs = paired_counts([c], "chromium", "firefox")
    assert (fa[0], fb[0], n[0]) == (0, 1, 1) and list(diffs[0]) == [-1.0]


def test_start_cycles_do_not_move_with_the_moment_of_reading() -> None:
    ts = [T0 + 600 + i * 900 for i in range(60)]
    starts, ends = time_grid(ts, 4 * 3600, 12 * 3600)
    later, _ = time_grid(ts[5:], 4 * 3600, 12 * 3600)
    assert 0 not in starts  # the oldest period read may have begun before what was read
    assert [ts[i] for i in starts if i >= 16] == [ts[5:][i] for i in later if ts[5:][i] >= ts[16]]
    assert all(ts[e] < ts[s] + 12 * 3600 <= (ts[e + 1] if e + 1 < len(ts) else np.inf) for s, e in zip(starts, ends, strict=True))
    # The verdict after the last cycle is the same whichever earlier moment the history starts at,
    # as long as it covers the live e-processes and their plug-ins' lookback (history_seconds).
    cycles = history([{"chromium": 0.02, "firefox": 0.3}] * 80, seed=2)
    design = design_for(900.0, 0.05, 2)
    full, cut = evaluate(cycles, ["chromium", "firefox"], design)[0], evaluate(cycles[12:], ["chromium", "firefox"], design)[0]
    assert full.evidence == pytest.approx(cut.evidence, rel=1e-12)


def test_the_scrape_path_reads_the_same_verdict_as_the_report(tmp_path) -> None:
    # /metrics reads first outcomes with one cheap query; the report folds full records: same verdict.
    import time

    from support.synthetic import populate

    from monitor.stats.browser_difference import cycles_from_runs, history_seconds
    from monitor.store.results_db import Store
    from monitor.verdicts import read_cycles
    path = tmp_path / "m.db"
    with Store.open_writer(path) as store:
        populate(store, cycles=2 * 24 * 3, step=1800)
    design, now = design_for(900.0, 0.05, 2), time.time()
    with Store.open_reader(path) as store:
        report = evaluate(cycles_from_runs(store.runs(since=now - history_seconds(design))), ["chromium", "firefox"], design)
        scrape = evaluate(read_cycles(store, design, now), ["chromium", "firefox"], design)
    assert [(v.worse, v.evidence, v.crossed_at, v.interval) for v in report] == \
           [(v.worse, v.evidence, v.crossed_at, v.interval) for v in scrape]
