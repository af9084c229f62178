"""The alert state's hysteresis: on at the crossing, held through dips, off after a quiet period."""
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
