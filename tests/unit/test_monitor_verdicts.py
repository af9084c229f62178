"""The alert verdicts per browser and for the target (monitor.stats.alert_verdicts, read with the detectors by monitor.verdicts): both answers, their starts,
"clean since", and the one computation the exporter, the report and the status page share."""
from __future__ import annotations

import numpy as np

from monitor.stats.alert_verdicts import TARGET, AlertVerdict, current_verdicts, sentence
from monitor.stats.browser_difference import CycleOutcomes
from monitor.verdicts import verdicts_from_cycles

BROWSERS = ["chromium", "firefox"]
T0 = 1_790_035_200.0  # a UTC midnight


def history(rates_at, cycles: int, seed: int, journeys: int = 8) -> list[CycleOutcomes]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(cycles):
        outcomes = {(f"J{j}", b): ("failure" if rng.random() < p else "success")
                    for j in range(journeys) for b, p in rates_at(i).items()}
        out.append(CycleOutcomes(i + 1, T0 + 900.0 * i, outcomes))
    return out


OUTAGE = range(192, 204)  # 3 h of Chromium failing every run, after two days at 8 %


def chromium_down(i: int) -> dict[str, float]:
    return {"chromium": 1.0 if i in OUTAGE else 0.08, "firefox": 0.08}


def by_subject(cycles: list[CycleOutcomes]) -> dict[str, AlertVerdict]:
    return {v.subject: v for v in current_verdicts(cycles, BROWSERS, 900.0)}


def test_an_outage_is_failing_now_and_persistently_worse_from_its_first_cycles() -> None:
    cycles = history(chromium_down, OUTAGE.stop, seed=1)
    v = by_subject(cycles)
    chromium, firefox, target = v["chromium"], v["firefox"], v[TARGET]
    assert chromium.incident and chromium.incident_since == T0 + 900.0 * (OUTAGE.start + 1)  # the second failing cycle
    assert chromium.persistent and chromium.persistent_since is not None
    assert T0 + 900.0 * OUTAGE.start <= chromium.persistent_since <= T0 + 900.0 * (OUTAGE.start + 3)
    assert chromium.clean_since is None and chromium.alert
    assert not firefox.alert and not target.alert
    assert "failing now since" in sentence(chromium) and "persistently worse" in sentence(chromium)


def test_an_ending_alert_says_since_when_the_runs_are_clean_then_ends_within_the_hour() -> None:
    cycles = history(chromium_down, OUTAGE.stop + 8, seed=1)
    first_clean = T0 + 900.0 * OUTAGE.stop
    after_one = by_subject(cycles[:OUTAGE.stop + 1])["chromium"]
    assert after_one.alert and after_one.incident  # one good cycle: not yet over (two are needed)
    assert after_one.clean_since == first_clean and "recovered since" in sentence(after_one)
    states = [by_subject(cycles[:k])["chromium"].alert for k in range(OUTAGE.stop + 1, OUTAGE.stop + 5)]
    assert states[-1] is False  # off within 4 cycles (1 h) of the recovery
    assert states.index(False) <= 2


def test_every_browser_failing_together_is_the_targets_incident_not_the_browsers() -> None:
    cycles = history(lambda i: {b: 1.0 if i in OUTAGE else 0.08 for b in BROWSERS}, OUTAGE.stop, seed=2)
    v = by_subject(cycles)
    assert v[TARGET].incident and v[TARGET].alert
    assert not v["chromium"].incident and not v["firefox"].incident
    assert not v["chromium"].persistent  # the paired comparison sees no difference, the own-past one is the target's


def test_the_verdicts_share_one_computation_with_the_detectors_verdicts() -> None:
    cycles = history(chromium_down, OUTAGE.stop, seed=1)
    verdicts = verdicts_from_cycles(cycles, BROWSERS, interval=900.0, alpha=0.05)
    assert verdicts.browser_alert("chromium") and not verdicts.browser_alert("firefox")
    assert verdicts.worse_than("chromium") == ["firefox"]
    chromium = verdicts.alert_of("chromium")
    assert chromium is not None and chromium.incident_since is not None and chromium.persistent_since is not None
    assert verdicts.alert_since("chromium") == min(chromium.incident_since, chromium.persistent_since)
    assert verdicts.alerts == current_verdicts(cycles, BROWSERS, 900.0)


def test_no_cycles_no_alert() -> None:
    assert [v.alert for v in current_verdicts([], BROWSERS, 900.0)] == [False, False, False]
