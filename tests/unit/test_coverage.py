"""Coverage per target (``fixtures.core.coverage``): which help-page steps a record exercised and why
the others were not, through the fold, the store's gauge, the cycle summary and the report."""
from __future__ import annotations

from pathlib import Path

from fixtures.core.contract import JourneyResult, Step
from fixtures.core.coverage import EXERCISED, HELP_PAGE_STEPS, NOT_REACHED, STATES, by_engine, of_record
from fixtures.core.fold import fold
from fixtures.core.steps import ETAPES
from monitor.classify import fold_attempts
from monitor.cycle.runner import CycleReport
from monitor.report.cycle_summary import summary_dict, summary_text
from monitor.report.history_html import render_html
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store


def steps(*ids: str) -> tuple[Step, ...]:
    return tuple(Step(ETAPES[i].name, 1.0, True, i) for i in ids)


def stopped_at_captcha(journey: str, browser: str = "chromium") -> JourneyResult:
    return JourneyResult(journey, browser, "not_run", failure_class="captcha", message="stop",
                         steps=steps("open_creer_mon_espace", "creation_form_shown", "renew_cryptogram",
                                     "valider_after_cgu"), not_run_reasons=("captcha",))


def help_page_gauges(store: Store) -> dict[tuple[str, str, str], float]:
    """The gauge's non-zero series (every state is written, 0 included)."""
    rows = [(labels, v) for n, labels, v, _ts in store.gauges() if n == "help_page_steps"]
    assert len(rows) == len(STATES)  # one series per state: none left stale
    return {(labels["journey"], labels["browser"], labels["state"]): v for labels, v in rows if v}


def test_every_declared_step_is_in_the_vocabulary_and_every_state_is_a_label() -> None:
    assert all(i in ETAPES for ids in HELP_PAGE_STEPS.values() for i in ids)
    assert {"exercised", "captcha", "write_guard", "needs_operator", "account_quota", "not_reached"} <= set(STATES)


def test_a_journey_stopped_at_the_captcha_exercised_step_1_and_says_captcha_for_the_rest() -> None:
    states = [(c.step, c.state) for c in of_record(stopped_at_captcha("J2"))]
    assert states == [("open_creer_mon_espace", EXERCISED), ("siret_cryptogramme_valider", "captcha"),
                      ("cas2_account_exists_message", "captcha"), ("cas2_follow_message_link", "captcha")]


def test_a_passing_test_folded_with_a_not_run_one_keeps_the_reason_for_the_steps_it_did_not_play() -> None:
    read_only = JourneyResult("N1", "firefox", "success", steps=steps("read_incident_notice"))
    operator = JourneyResult("N1", "firefox", "not_run", failure_class="needs_operator", not_run_reasons=("needs_operator",))
    folded = fold([read_only, operator], 0)
    assert folded.outcome == "success" and folded.not_run_reasons == ("needs_operator",)
    assert [c.state for c in of_record(folded)] == [EXERCISED] + ["needs_operator"] * 4


def test_a_failure_leaves_the_later_steps_not_reached_and_the_line_names_reasons_and_journeys() -> None:
    failed = JourneyResult("J2.2a", "webkit", "failure", steps=steps("forgot_identifier"))
    assert [c.state for c in of_record(failed)] == [EXERCISED, NOT_REACHED, NOT_REACHED]
    assigned = JourneyResult("J3", "webkit", "not_run", failure_class="write_guard", not_run_reasons=("write_guard",),
                             steps=steps("cas3_open_technical_assistance", "choose_motif", "fill_request"))
    [engine] = by_engine([failed, assigned, JourneyResult("R1", "webkit", "success")])
    assert engine.line() == ("webkit: 4 of 8 help-page steps exercised; not: not_reached 2 (J2.2a), "
                             "write_guard 2 (J3)")


def test_the_gauge_the_summary_and_the_report_say_it_and_a_later_bypass_clears_the_captcha_series(
        tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["J2"], ["chromium"])
        store.record_attempt(cycle, 1, [stopped_at_captcha("J2")])
        store.finish_cycle(cycle, "completed")
        assert help_page_gauges(store) == {("J2", "chromium", "exercised"): 1.0, ("J2", "chromium", "captcha"): 3.0}
        data = compute(store, [3600.0])
        text, page = render_text(data), render_html(data, tmp_path / "r.html")
        assert "chromium: 1 of 4 help-page steps exercised; not: captcha 3 (J2)" in text
        assert 'captcha = "bypass"' in text and 'id="coverage"' in page
        cycle = store.start_cycle(["J2"], ["chromium"])
        bypassed = JourneyResult("J2", "chromium", "success", steps=steps(*HELP_PAGE_STEPS["J2"]))
        store.record_attempt(cycle, 1, [bypassed])
        store.finish_cycle(cycle, "completed")
        assert help_page_gauges(store) == {("J2", "chromium", "exercised"): 4.0}
    attempts = [(1, stopped_at_captcha("J2")), (1, stopped_at_captcha("J1", "firefox"))]
    report = CycleReport(1, "completed", 0.0, 1.0, runs=fold_attempts(attempts), attempts=attempts)
    assert "  coverage chromium: 1 of 4 help-page steps exercised; not: captcha 3 (J2)" in summary_text(report)
    assert summary_dict(report)["coverage"][1] == {
        "browser": "firefox", "exercised": 1, "declared": 6,
        "not_exercised": {"captcha": ["J1:siret_cryptogramme_valider", "J1:cas1_fill_account", "J1:cas1_create_account",
                                      "J1:cas1_activate_account", "J1:login"]}}
