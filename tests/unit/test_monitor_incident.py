"""The incident state ("failing now"): on after two mostly failing cycles, off after two mostly passing ones."""
from __future__ import annotations

import numpy as np

from monitor.stats.incident import incident_states, last_good_run


def shares(text: str, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """One character per cycle: F = every run failed, f = 5 of 8 (a partial outage), . = none, - = no judged run."""
    fails = {"F": n, "f": 5, ".": 0, "-": 0}
    return (np.array([fails[c] for c in text], dtype=float),
            np.array([0 if c == "-" else n for c in text], dtype=float))


def states(text: str) -> str:
    return "".join("1" if s else "0" for s in incident_states(*shares(text)))


def test_on_after_two_failing_cycles_off_after_two_passing_ones_one_spell() -> None:
    assert states("..FFFFFF...") == "00011111100"  # off at the second clean cycle: 30 min after the recovery
    assert states("..F.F.F.F..") == "00000000000"  # one failing cycle at a time is not an outage


def test_a_partial_outage_hovering_between_the_lines_does_not_flap() -> None:
    # 5 of 8 failed (62 %): not enough to open an incident, and not a passing cycle either.
    assert states("..FFfFfFf..") == "00011111110"
    assert states("..FF.fFF...") == "00011111100"  # one good cycle inside does not end it


def test_cycles_without_a_judged_run_change_nothing() -> None:
    assert states("..F-F--..-.") == "00001111000"
    assert states("FF--.-.") == "0111110"


def test_since_when_the_runs_are_clean() -> None:
    assert last_good_run(*shares("FFFF..")) == 4
    assert last_good_run(*shares("FFFF.-")) == 4
    assert last_good_run(*shares("FF..F")) == -1
