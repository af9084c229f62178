"""Step and journey budgets: config, what overran, the summary's warning, the counters and the push.

Budgets judge the browser time (``BrowserTime``), never the prober time: every record here has a
prober time 3 s over its browser time (the driver's round trips), which must never make an overrun."""
from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fixtures.core.contract import JourneyResult, MailLatency, Step
from fixtures.core.page_load import NAVIGATION, NOT_EXPOSED, BrowserTime
from fixtures.core.steps import OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE, SE_CONNECTER
from monitor import metrics
from monitor.budgets import Budgets, overruns
from monitor.classify import Run
from monitor.config import ConfigError, load_config
from monitor.cycle.runner import CycleReport
from monitor.export.exporter import StoreCollector, make_registry
from monitor.export.push import build_registry
from monitor.report.cycle_summary import summary_dict, summary_text
from monitor.store.results_db import Store

RESET = OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE


DRIVER = 3.0  # seconds of round trips in every step's prober time


def result(browser: str, reset_seconds: float | None, outcome: str = "success", duration: float = 20.0,
           reset_ok: bool = True, mail: float = 0.0) -> JourneyResult:
    """``reset_seconds``: the reset step's browser time (None: not exposed by the engine)."""
    reset = (BrowserTime(reset_seconds, NAVIGATION) if reset_seconds is not None
             else BrowserTime(None, reason=NOT_EXPOSED, text=f"not exposed by {browser}"))
    return JourneyResult("J2.2b", browser, outcome, duration_seconds=duration, steps=(
        Step(SE_CONNECTER.name, 0.8 + DRIVER, True, SE_CONNECTER.id, browser=BrowserTime(0.8, NAVIGATION)),
        Step(RESET.name, (reset_seconds or 0.5) + DRIVER, reset_ok, RESET.id, browser=reset)),
        mail_latencies=(MailLatency("reinitialisation", mail),) if mail else ())


BUDGETS = Budgets({RESET.id: 2.0}, {"J2.2b": 30.0})


def test_a_completed_step_over_its_budget_is_an_overrun_and_a_failed_one_is_not() -> None:
    over = overruns(result("firefox", 2.6), BUDGETS)
    assert [(o.step_id, o.seconds, o.budget) for o in over] == [(RESET.id, 2.6, 2.0)]
    assert "« Ouvrir le lien et saisir deux fois le nouveau mot de passe »" in over[0].line()
    assert overruns(result("firefox", 1.9), BUDGETS) == []
    assert overruns(result("firefox", 30.0, outcome="failure", reset_ok=False), BUDGETS) == []  # a failure, counted apart
    assert overruns(result("firefox", 9.0, outcome="probe_error"), BUDGETS) == []  # did not judge the target


def test_the_journey_budget_applies_to_successes_and_the_default_to_unlisted_steps() -> None:
    # The journey's browser time: 0.8 + 1.0 s of steps + 28.5 s of mail delivery = 30.3 s (its wall clock is not read)
    over = overruns(result("chromium", 1.0, duration=5.0, mail=28.5), BUDGETS)
    assert [(o.step_id, o.seconds) for o in over] == [(None, 30.3)]
    assert overruns(result("chromium", 1.0, duration=31.0), BUDGETS) == []  # a long wall clock alone is not over
    assert overruns(result("chromium", 1.0, outcome="failure", mail=29.5), BUDGETS) == []
    everything = Budgets(default_step=0.5)
    assert [o.step_id for o in overruns(result("chromium", 1.0), everything)] == [SE_CONNECTER.id, RESET.id]


def test_the_prober_time_is_never_judged_and_a_step_without_a_browser_time_is_not_judged() -> None:
    assert overruns(result("firefox", 1.9), Budgets({RESET.id: 2.0})) == []  # prober time 4.9 s: not an overrun
    assert overruns(result("webkit", None), Budgets({RESET.id: 0.1})) == []  # not exposed: no figure, no overrun


def test_budgets_from_toml_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text('[budgets]\ndefault_step = "1m"\n[budgets.steps]\nlogin = "5s"\n'
                    '[budgets.journeys]\n"J2.2b" = "2m"\n', encoding="utf-8")
    cfg = load_config(path, env={"MONITOR_BUDGETS_STEPS": "login=4s,forgot_password=1.5s"})
    assert cfg.budgets == Budgets({"login": 4.0, "forgot_password": 1.5}, {"J2.2b": 120.0}, 60.0)


@pytest.mark.parametrize("text, key, fix", [
    ('[budgets.steps]\nvalider = "5s"\n', "[budgets] steps.valider", "step id of fixtures/core/steps.py"),
    ('[budgets.steps]\nlogin = "soon"\n', "[budgets] steps.login", '"15m"'),
    ('[budgets.steps]\nlogin = 0\n', "[budgets] steps.login", "remove the key for no budget"),
    ('[budgets.journeys]\n"j2 b" = "1m"\n', "[budgets] journeys.j2 b", "quote ids with a dot"),
    ('[budgets]\nsteps = "login"\n', "[budgets] steps", "login=5s"),
    ('[budgets]\ndefault_step = "-1s"\n', "[budgets] default_step", "duration"),
])
def test_a_bad_budget_names_the_key_and_the_fix(tmp_path: Path, text: str, key: str, fix: str) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert err.value.key == key and fix in str(err.value), str(err.value)


def report() -> CycleReport:
    runs = [Run("J2.2b", b, "success", "success", 1) for b in ("chromium", "firefox")]
    return CycleReport(7, "completed", 1.0, 50.0, runs=runs,
                       attempts=[(1, result("chromium", 0.7)), (1, result("firefox", 2.7))])


def test_the_cycle_summary_warns_of_the_step_over_budget() -> None:
    text = summary_text(report(), budgets=BUDGETS)
    warnings = [line for line in text.splitlines() if "over budget" in line]
    assert len(warnings) == 1 and warnings[0].startswith("  warning: over budget: J2.2b firefox:"), text
    assert "2.70s of browser time, over its 2s budget" in warnings[0]
    assert summary_dict(report(), budgets=BUDGETS)["over_budget"] == [
        {"journey": "J2.2b", "browser": "firefox", "step": RESET.id, "seconds": 2.7, "budget_seconds": 2.0}]
    assert "over budget" not in summary_text(report())  # no budgets, no warning
    # Each run's two times, apart: the browsers' clocks (0.8 + 2.7 s), the driver's wall clock (+3 s a step)
    assert "J2.2b firefox 3.50s / 9.50s" in text and "prober time, the driver's wall clock" in text
    runs = {r["browser"]: r for r in summary_dict(report())["runs"]}
    assert (runs["firefox"]["browser_seconds"], runs["firefox"]["prober_seconds"]) == (3.5, 9.5)


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == name}


def test_the_store_counts_step_durations_and_overruns_for_the_exporter(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2.2b"], ["chromium", "firefox"])
        store.record_attempt(cycle, 1, [result("chromium", 0.7), result("firefox", 2.7)], budgets=BUDGETS)
        store.record_attempt(cycle, 2, [result("firefox", 2.2, outcome="probe_error")], budgets=BUDGETS)
        store.finish_cycle(cycle, "completed")
    text = generate_latest(make_registry(StoreCollector(tmp_path / "m.db", journeys=["J2.2b"],
                                                        browsers=["chromium", "firefox"]))).decode()
    over = samples(text, metrics.STEP_OVER_BUDGET.name + "_total")
    assert over == {(("browser", "chromium"), ("journey", "J2.2b"), ("step", RESET.id)): 0.0,
                    (("browser", "firefox"), ("journey", "J2.2b"), ("step", RESET.id)): 1.0}
    counts = samples(text, metrics.STEP_BROWSER.name + "_count")
    assert counts[(("browser", "firefox"), ("journey", "J2.2b"), ("step", RESET.id))] == 1  # not the probe error
    assert counts[(("browser", "chromium"), ("journey", "J2.2b"), ("step", SE_CONNECTER.id))] == 1
    buckets = samples(text, metrics.STEP_BROWSER.name + "_bucket")
    assert buckets[(("browser", "firefox"), ("journey", "J2.2b"), ("le", "2.5"), ("step", RESET.id))] == 0
    assert buckets[(("browser", "firefox"), ("journey", "J2.2b"), ("le", "4.0"), ("step", RESET.id))] == 1
    prober = samples(text, metrics.STEP_DURATION.name + "_bucket")  # the wall clock, apart: 5.7 s
    assert prober[(("browser", "firefox"), ("journey", "J2.2b"), ("le", "5.0"), ("step", RESET.id))] == 0
    assert prober[(("browser", "firefox"), ("journey", "J2.2b"), ("le", "10.0"), ("step", RESET.id))] == 1
    assert samples(text, metrics.JOURNEY_OVER_BUDGET.name + "_total") == {
        (("browser", "chromium"), ("journey", "J2.2b")): 0.0, (("browser", "firefox"), ("journey", "J2.2b")): 0.0}


def test_a_push_sends_each_step_duration_and_whether_it_overran() -> None:
    text = generate_latest(build_registry(report(), BUDGETS)).decode()
    last = samples(text, metrics.STEP_LAST_BROWSER.name)
    assert last[(("browser", "firefox"), ("journey", "J2.2b"), ("step", RESET.id))] == 2.7
    prober = samples(text, metrics.STEP_LAST_DURATION.name)
    assert prober[(("browser", "firefox"), ("journey", "J2.2b"), ("step", RESET.id))] == 2.7 + DRIVER
    assert samples(text, metrics.STEP_OVER_BUDGET_IN_CYCLE.name) == {
        (("browser", "chromium"), ("journey", "J2.2b"), ("step", RESET.id)): 0.0,
        (("browser", "firefox"), ("journey", "J2.2b"), ("step", RESET.id)): 1.0}


def test_a_step_without_a_browser_time_is_counted_with_why_never_observed(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2.2b"], ["webkit"])
        store.record_attempt(cycle, 1, [result("webkit", None)], budgets=BUDGETS)
        store.finish_cycle(cycle, "completed")
    text = generate_latest(make_registry(StoreCollector(tmp_path / "m.db", journeys=["J2.2b"],
                                                        browsers=["webkit"]))).decode()
    assert (("browser", "webkit"), ("journey", "J2.2b"), ("step", RESET.id)) not in samples(
        text, metrics.STEP_BROWSER.name + "_count")
    assert samples(text, metrics.STEP_BROWSER_UNMEASURED.name + "_total") == {
        (("browser", "webkit"), ("reason", NOT_EXPOSED), ("step", RESET.id)): 1.0}
