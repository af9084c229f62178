"""Page-load figures: what the browser's documents become per step, in the record, the report and metrics.

The documents are what ``fixtures.plugin.page_timing.READER`` returns, shaped as measured on the
three routes here (Chromium 156, Firefox ESR 153 over BiDi, WebKitGTK 2.50 over its inspector).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fixtures.core.contract import JourneyResult, ResultsFileError, Step, parse_result
from fixtures.core.page_load import (
    INCONSISTENT,
    INTERACTION,
    NAVIGATION,
    NO_INTERACTION,
    NOT_COLLECTED,
    NOT_EXPOSED,
    NOT_REACHED,
    BrowserTime,
    PageLoad,
    Unmeasured,
)
from fixtures.core.steps import ALLER_SUR_L_ACCUEIL
from fixtures.plugin.page_timing import browser_time, summarise
from monitor import metrics
from monitor.classify import Run
from monitor.cycle.runner import CycleReport
from monitor.export.exporter import StoreCollector, make_registry
from monitor.export.push import build_registry
from monitor.report.timings_section import seconds_text, timings_from, timings_text
from monitor.store.results_db import Store

STEP_START = 1_700_000_000.0  # epoch seconds; documents' origins are epoch milliseconds
CHROMIUM_TYPES = ["event", "largest-contentful-paint", "layout-shift", "navigation", "paint"]
FIREFOX_TYPES = ["event", "first-input", "largest-contentful-paint", "navigation", "paint"]
WEBKIT_TYPES = ["mark", "measure", "navigation", "paint", "resource"]


def document(origin_after: float, supported: list[str], *, ttfb: float = 20.0, dcl: float = 60.0,
             load: float = 230.0, lcp: float | None = 240.0, cls: float | None = 0.0, inp: float | None = None,
             injected: bool = True) -> dict:
    return {"origin": (STEP_START + origin_after) * 1000, "injected": injected, "supported": supported,
            "nav": {"ttfb": ttfb, "dcl": dcl, "load": load}, "lcp": lcp, "cls": cls, "inp": inp}


def reasons(load: PageLoad) -> dict[str, str]:
    return {u.figure: u.reason for u in load.unmeasured}


def test_chromium_measures_every_figure_and_a_measured_zero_shift_stays_zero() -> None:
    load = summarise([document(0.1, CHROMIUM_TYPES, inp=48.0)], STEP_START, "chromium")
    assert load is not None and load.problems() == []
    assert (load.ttfb_seconds, load.dom_content_loaded_seconds, load.load_seconds, load.lcp_seconds, load.cls,
            load.inp_seconds) == (0.02, 0.06, 0.23, 0.24, 0.0, 0.048)


def test_an_engine_without_an_api_says_so_and_never_gives_zero() -> None:
    firefox = summarise([document(0.1, FIREFOX_TYPES, cls=0.0)], STEP_START, "firefox")
    assert firefox is not None and firefox.cls is None and reasons(firefox) == {"cls": NOT_EXPOSED, "inp": NO_INTERACTION}
    assert "not exposed by firefox" in [u.text for u in firefox.unmeasured]
    webkit = summarise([document(0.1, WEBKIT_TYPES, lcp=None, cls=0.0)], STEP_START, "webkit")
    assert webkit is not None and webkit.ttfb_seconds == 0.02
    assert (webkit.lcp_seconds, webkit.cls, webkit.inp_seconds) == (None, None, None)
    assert reasons(webkit) == dict.fromkeys(("lcp", "cls", "inp"), NOT_EXPOSED)


def test_a_negative_time_from_the_engine_is_said_inconsistent_and_the_record_stays_valid() -> None:
    """Firefox once gave responseStart = -17 ms: the contract refuses a negative figure, so the collector
    must not pass it on (it crashed an xdist worker through the results contract)."""
    load = summarise([document(0.1, FIREFOX_TYPES, ttfb=-17.0)], STEP_START, "firefox")
    assert load is not None and load.ttfb_seconds is None and reasons(load)["ttfb"] == INCONSISTENT
    assert load.problems() == [] and load.dom_content_loaded_seconds == 0.06
    assert "firefox gave a negative time" in [u.text for u in load.unmeasured]


def test_the_step_gets_the_documents_it_loaded_last_for_navigation_worst_for_cls_and_inp() -> None:
    earlier = document(-5.0, CHROMIUM_TYPES, ttfb=999.0, cls=0.9, inp=900.0)  # loaded before the step
    left = document(0.2, CHROMIUM_TYPES, ttfb=30.0, cls=0.05, inp=120.0)  # left during the step (pagehide)
    shown = document(0.9, CHROMIUM_TYPES, ttfb=2010.0, load=0.0, cls=0.01)  # on screen, load not yet fired
    load = summarise([earlier, shown, left], STEP_START, "chromium")
    assert load is not None and load.documents == 2
    assert (load.ttfb_seconds, load.cls, load.inp_seconds) == (2.01, 0.05, 0.12)
    assert reasons(load) == {"load": NOT_REACHED}
    assert summarise([earlier], STEP_START, "chromium") is None  # the step loaded no document: no figures at all


def test_a_page_the_collector_missed_keeps_navigation_timing_and_says_why_for_the_rest() -> None:
    load = summarise([document(0.1, CHROMIUM_TYPES, injected=False, lcp=None, cls=None)], STEP_START, "chromium")
    assert load is not None and load.ttfb_seconds == 0.02
    assert reasons(load) == dict.fromkeys(("lcp", "cls", "inp"), NOT_COLLECTED)


@pytest.mark.parametrize("load, problem", [
    (PageLoad(0.1, 0.2, 0.3, 0.4, 0.0, None), "inp: null without a reason"),
    (PageLoad(0.1, 0.2, 0.3, 0.4, 0.0, 0.0, unmeasured=(Unmeasured("inp", NOT_EXPOSED),)), "inp: measured"),
    (PageLoad(0.1, 0.2, 0.3, 0.4, 0.0, None, unmeasured=(Unmeasured("inp", "lazy"),)), "'inp'/'lazy'"),
])
def test_the_contract_refuses_a_figure_without_its_reason(load: PageLoad, problem: str) -> None:
    record = JourneyResult("R1", "webkit", "success", steps=(Step("x", 1.0, True, "open_home", load),)).to_dict()
    with pytest.raises(ResultsFileError, match="steps\\[0\\].page_load"):
        parse_result(record)
    assert any(problem in p for p in load.problems())


def result(cycle: int, browser: str, load: PageLoad | None) -> JourneyResult:
    return JourneyResult("R1", browser, "success", duration_seconds=3.0,
                         steps=(Step(ALLER_SUR_L_ACCUEIL.name, 0.6 + cycle / 100, True, ALLER_SUR_L_ACCUEIL.id, load),))


def webkit_load() -> PageLoad | None:
    return summarise([document(0.1, WEBKIT_TYPES, lcp=None)], STEP_START, "webkit")


def test_the_record_round_trips_and_the_report_shows_dashes_with_the_engines_reason() -> None:
    load = webkit_load()
    assert parse_result(result(1, "webkit", load).to_dict()).steps[0].page_load == load
    chromium = summarise([document(0.1, CHROMIUM_TYPES)], STEP_START, "chromium")
    data = timings_from([(c, result(c, b, chromium if b == "chromium" else load))
                         for c in range(3) for b in ("chromium", "webkit")], ["chromium", "webkit"])
    text = "\n".join(timings_text(data, "7d"))
    webkit_row = next(line for line in text.splitlines() if "WebKit" in line and "Aller sur" in line)
    assert webkit_row.split()[-3:] == ["—", "—", "—"] and "0.000" not in webkit_row, webkit_row
    assert "— WebKit: CLS, INP, LCP — not exposed by webkit" in text
    chromium_row = next(line for line in text.splitlines() if "Chromium" in line and "Aller sur" in line)
    assert chromium_row.split()[-3:] == ["240ms", "0.000", "—"]  # a measured zero shift; no interaction


@pytest.mark.parametrize("seconds, text", [(1.509, "1.51s"), (0.24, "240ms"), (0.0095, "10ms"), (0.003, "3.0ms"),
                                           (0.0004, "0.4ms")])
def test_a_measured_time_is_never_shown_as_zero(seconds: float, text: str) -> None:
    assert seconds_text(seconds) == text  # WebKit's local TTFB (3 ms) once read "0.00s"


def test_the_store_observes_measured_figures_and_counts_the_missing_ones(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cycle = store.start_cycle(["R1"], ["webkit"])
        store.record_attempt(cycle, 1, [result(1, "webkit", webkit_load())])
        store.finish_cycle(cycle, "completed")
    text = generate_latest(make_registry(StoreCollector(tmp_path / "m.db", journeys=["R1"],
                                                        browsers=["webkit"]))).decode()
    samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
    figures = {s.labels["figure"] for s in samples if s.name == metrics.PAGE_LOAD.name + "_count"}
    assert figures == {"ttfb", "dom_content_loaded", "load"}  # no lcp/inp sample, not even 0
    assert not [s for s in samples if s.name.startswith(metrics.LAYOUT_SHIFT.name)]
    unmeasured = {(s.labels["figure"], s.labels["reason"]): s.value for s in samples
                  if s.name == metrics.PAGE_FIGURE_UNMEASURED.name + "_total"}
    assert unmeasured == {("lcp", "not_exposed"): 1, ("cls", "not_exposed"): 1, ("inp", "not_exposed"): 1}


def test_a_push_carries_each_steps_measured_figures_and_leaves_the_others_out() -> None:
    chromium = summarise([document(0.1, CHROMIUM_TYPES)], STEP_START, "chromium")  # CLS measured: 0.0
    runs = [Run("R1", b, "success", "success", 1) for b in ("chromium", "webkit")]
    report = CycleReport(3, "completed", 1.0, 9.0, runs=runs,
                         attempts=[(1, result(1, "chromium", chromium)), (1, result(1, "webkit", webkit_load()))])
    samples = [s for f in text_string_to_metric_families(generate_latest(build_registry(report)).decode())
               for s in f.samples]
    pushed = {(s.labels["browser"], s.labels["figure"]): s.value for s in samples
              if s.name == metrics.PAGE_LOAD_LAST.name}
    assert pushed == {("chromium", "ttfb"): 0.02, ("chromium", "dom_content_loaded"): 0.06,
                      ("chromium", "load"): 0.23, ("chromium", "lcp"): 0.24,
                      ("webkit", "ttfb"): 0.02, ("webkit", "dom_content_loaded"): 0.06, ("webkit", "load"): 0.23}
    shifts = {(s.labels["browser"], s.labels["step"]): s.value for s in samples
              if s.name == metrics.LAYOUT_SHIFT_LAST.name}
    assert shifts == {("chromium", ALLER_SUR_L_ACCUEIL.id): 0.0}  # measured zero kept; WebKit absent, not 0


def test_a_step_already_ended_gets_only_the_pages_it_started() -> None:
    started_in_it = document(0.5, CHROMIUM_TYPES, ttfb=40.0)  # its click's page, read after it ended
    next_step = document(3.0, CHROMIUM_TYPES, ttfb=70.0)  # a page the next step started
    load = summarise([next_step, started_in_it], STEP_START, "chromium", until=STEP_START + 1.0)
    assert load is not None and (load.ttfb_seconds, load.documents) == (0.04, 1)
    assert summarise([next_step], STEP_START, "chromium", until=STEP_START + 1.0) is None


# -- browser time: the step's figure from the browser's own clocks (fixtures.core.page_load.BrowserTime) --------

def interacted(origin_after: float, supported: list[str], spans: list[tuple[float, float]]) -> dict:
    """A document on screen since before the step, with Event Timing spans (start ms from its origin, duration ms)."""
    return {**document(origin_after, supported), "ix": [list(span) for span in spans]}


def test_browser_time_sums_the_navigation_durations_of_the_documents_the_step_loaded() -> None:
    earlier = document(-5.0, FIREFOX_TYPES, load=900.0)  # on screen when the step began: not its own
    left = document(0.2, FIREFOX_TYPES, load=120.0)  # a redirect's page or a page left during the step
    shown = document(0.9, FIREFOX_TYPES, load=230.0)
    time = browser_time([earlier, left, shown], STEP_START, STEP_START + 2.0, "firefox")
    assert (time.seconds, time.source, time.problems()) == (0.35, NAVIGATION, [])
    later = document(2.5, FIREFOX_TYPES, load=50.0)  # the next step's page
    assert browser_time([left, later], STEP_START, STEP_START + 2.0, "firefox").seconds == 0.12


def test_a_document_whose_load_has_not_happened_makes_the_browser_time_not_reached_never_a_partial_sum() -> None:
    time = browser_time([document(0.2, CHROMIUM_TYPES), document(0.9, CHROMIUM_TYPES, load=0.0)],
                        STEP_START, STEP_START + 2.0, "chromium")
    assert (time.seconds, time.reason) == (None, NOT_REACHED) and time.problems() == []


def test_a_step_without_a_document_gets_its_interactions_time_where_the_engine_has_event_timing() -> None:
    # 40 ms and 24 ms interactions inside the step (2 s after the document's origin), one before it
    on_screen = interacted(-2.0, CHROMIUM_TYPES, [(500.0, 90.0), (2100.0, 40.0), (2600.0, 24.0)])
    time = browser_time([on_screen], STEP_START, STEP_START + 1.0, "chromium")
    assert (time.seconds, time.source) == (0.064, INTERACTION)
    quiet = browser_time([interacted(-2.0, FIREFOX_TYPES, [])], STEP_START, STEP_START + 1.0, "firefox")
    assert (quiet.seconds, quiet.reason, quiet.text) == (None, NO_INTERACTION, "no interaction of 16 ms or more")
    webkit = browser_time([interacted(-2.0, WEBKIT_TYPES, [])], STEP_START, STEP_START + 1.0, "webkit")
    assert (webkit.seconds, webkit.reason, webkit.text) == (None, NOT_EXPOSED, "not exposed by webkit")


@pytest.mark.parametrize("time, problem", [
    (BrowserTime(None), "exactly one of them"),
    (BrowserTime(0.3, NAVIGATION, reason=NOT_REACHED), "exactly one of them"),
    (BrowserTime(0.3, "wall_clock"), "from 'wall_clock'"),
    (BrowserTime(None, reason="lazy"), "'lazy' is not one of"),
])
def test_the_contract_refuses_a_browser_time_without_its_reason_or_source(time: BrowserTime, problem: str) -> None:
    record = JourneyResult("R1", "webkit", "success", steps=(Step("x", 1.0, True, "open_home", browser=time),)).to_dict()
    with pytest.raises(ResultsFileError, match=r"steps\[0\]\.browser time"):
        parse_result(record)
    assert any(problem in p for p in time.problems())
    good = BrowserTime(0.3, NAVIGATION)
    kept = JourneyResult("R1", "webkit", "success", steps=(Step("x", 1.0, True, "open_home", browser=good),))
    assert parse_result(kept.to_dict()).steps[0].browser == good
