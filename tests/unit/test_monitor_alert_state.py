"""The alert state: on at the crossing, held through dips, off after a quiet period (the backstop) or when the runs show the recovery."""
from __future__ import annotations

import numpy as np
import pytest

from monitor.stats.alert_state import Hysteresis, alert_states, spell_start, spells
from monitor.stats.sequential import Design, detect, grid_starts, log_evalues

H = Hysteresis(log_on=5.0, log_hold=1.0, quiet=3)


def test_on_at_the_crossing_held_through_dips_off_after_quiet_cycles() -> None:
    ev = np.array([0, 2, 5.5, 3, 0.5, 4.9, 0.2, 0.1, 0.3, 0.0, 6, 0])
    got = alert_states(ev, H)
    #              0      1      2     3     4     5     6     7     8      9      10    11
    assert got.tolist() == [False, False, True, True, True, True, True, True, False, False, True, True]
    assert spells(got) == 2 and spell_start(got) == 10


def test_never_on_without_a_crossing() -> None:
    ev = np.array([4.99] * 50)
    assert not alert_states(ev, H).any()


def test_vectorised_over_weeks_equals_one_by_one() -> None:
    rng = np.random.default_rng(3)
    ev = rng.normal(2, 3, (7, 80))
    together = alert_states(ev, H)
    for row, alone in zip(ev, together, strict=True):
        assert (alert_states(row, H) == alone).all()


def test_for_threshold_in_cycles_and_checks() -> None:
    h = Hysteresis.for_threshold(7.5, 900.0)
    assert h.quiet == 96 and h.log_hold == pytest.approx(1.5)
    with pytest.raises(ValueError, match="hold line"):
        Hysteresis(1.0, 2.0, 3)


def test_a_stable_difference_is_one_spell_not_many() -> None:
    """20 % vs 10 %, 8 journeys per 15-min cycle, 20 seeded weeks after a day: the raw alarm flaps,
    the alert state is one spell (the issue's case, small)."""
    rng = np.random.default_rng(11)
    weeks, cycles = 20, 96 + 672
    design = Design(alpha=0.05, horizon=672, window=48, restart=16, lookback=4)
    fa, fb = (rng.binomial(8, p, (weeks, cycles)).astype(float) for p in (0.2, 0.1))
    evidence, _ = detect(log_evalues(fa, fb, np.full((weeks, cycles), 8.0), 4), *grid_starts(cycles, 16, 48))
    raw = spells((evidence >= design.log_threshold)[:, 96:])
    held = spells(alert_states(evidence, Hysteresis.for_threshold(design.log_threshold, 900.0))[:, 96:])
    assert raw.mean() > 5
    assert held.max() <= 2 and held.mean() <= 1.1


# --- ending at the recovery (issue #29) ---------------------------------------------------------
def outage(bad: range, cycles: int, seed: int, n: int = 8, base: float = 0.08) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = np.array([1.0 if t in bad else base for t in range(cycles)])
    return rng.binomial(n, p).astype(float), np.full(cycles, float(n))


def test_a_spell_ends_at_the_first_clean_cycles_and_its_evidence_restarts_there() -> None:
    from monitor.stats.alert_state import persistent_series
    from monitor.stats.degradation import CusumEvidence
    f, n = outage(range(100, 112), 200, seed=5)
    log_l = np.where(f >= 6, 3.0, -0.3)  # a toy e-detector: every failing cycle triples... the evidence's log +3
    calls: list[tuple[int, int]] = []
    source = CusumEvidence(log_l)

    def since(t: int, s: int) -> float:
        calls.append((t, s))
        return source.since(t, s)
    got = persistent_series(since, f, n, np.full(200, 0.08) * n, np.full(200, 0.08), H)
    on = np.flatnonzero(got.on)
    assert on[0] == 101 and spells(got.on) == 1  # on at the crossing (log 6 ≥ 5)
    assert on[-1] <= 113  # off by the second clean cycle: 10^4 for "back to 8 %" against "still ≥ 77 %"
    assert got.began[105] == 101 and got.began[150] == -1
    # The evidence restarted at the first clean cycle: what is read after the end holds no outage.
    assert any(s == 112 for _t, s in calls) and got.evidence[on[-1] + 1] < 0
    assert (got.evidence[on[-1] + 1:] < H.log_on).all()


def test_without_the_recovery_test_the_outage_would_hold_the_alert() -> None:
    """The control: the same evidence through the quiet-period rule alone stays on until the quiet period ends."""
    from monitor.stats.degradation import cusum
    f, _n = outage(range(100, 112), 200, seed=5)
    held = alert_states(cusum(np.where(f >= 6, 3.0, -0.3)), H)
    assert held[112:118].all()


def test_a_stable_difference_keeps_one_spell_and_never_reads_as_recovered() -> None:
    """20 % vs 10 %, eight seeded weeks after a day: the recovery test drifts the other way."""
    from monitor.stats.browser_difference import design_for, direction_series_from_counts
    design = design_for(900.0, 0.05, 2)
    rng = np.random.default_rng(21)
    n = np.full(96 + 672, 8.0)
    grid = grid_starts(n.size, design.restart, design.window)
    for _ in range(8):
        fa, fb = (rng.binomial(8, p, n.size).astype(float) for p in (0.2, 0.1))
        worse, better = direction_series_from_counts(fa, fb, n, "a", "b", design, grid)
        assert spells(worse.states[96:]) == 1 and not better.states.any()
        assert (worse.series.clean_from[worse.states] < 0).mean() > 0.95  # "recovered since" almost never shown


def test_a_moderate_recovery_says_recovered_since_before_the_spell_ends() -> None:
    """30 % → 2 % against a browser at 2 %: "clean since" appears at the recovery, the end follows within hours."""
    from monitor.stats.browser_difference import design_for, direction_series_from_counts
    design = design_for(900.0, 0.05, 2)
    rng = np.random.default_rng(8)
    t = np.arange(96 * 4)
    fa = rng.binomial(8, np.where((t >= 96) & (t < 192), 0.30, 0.02)).astype(float)
    fb = rng.binomial(8, np.full(t.size, 0.02)).astype(float)
    worse, _ = direction_series_from_counts(fa, fb, np.full(t.size, 8.0), "a", "b", design,
                                            grid_starts(t.size, design.restart, design.window))
    assert worse.states[191] and spells(worse.states) == 1
    end = 192 + int(np.flatnonzero(~worse.states[192:])[0])
    assert end - 192 <= 16  # within 4 h of the recovery
    shown = worse.series.clean_from[192:end]
    assert (shown >= 0).any() and shown[shown >= 0].min() >= 190  # the clean stretch starts at the recovery
