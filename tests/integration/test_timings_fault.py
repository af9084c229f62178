"""Speed claims from the browsers' own clocks (real browsers, real extranet): an identical server, and a
slow-down with a known truth.

A/A: one R1 test run 8 times on every engine against the same server, each repetition stored as one
cycle, as the monitor would. The report may claim only what the browsers' own clocks show: every claim
lies within the per-cycle ratios of the two browsers' browser times, never the prober's wall clock
(which put Firefox over WebDriver BiDi 2.8× behind Chromium on an identical server, issue 28).

Fault: the reference extranet's ``slow_endpoint`` answers « J'ai oublié mon mot de passe »'s form
1 s late for Firefox only. Two R1 tests (the two « J'ai oublié… » links, the same shape of step)
run 8 times in Chromium and Firefox in one pytest session. The timings section must name Firefox at
« Cliquer sur « J'ai oublié mon mot de passe » » with an interval for the added browser time that
holds the delay (over Firefox's own difference at the twin step, which has no delay), and no claim
that Chromium is slower anywhere; Firefox's TTFB there carries the delay; the budget counter counts each
overrun of a budget (on browser time) set midway between the two browsers' browser times at that step.
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from support.child_pytest import run_pytest

from fixtures.core.contract import parse_result
from fixtures.core.steps import (
    CAS_1_ACTIVER,
    CAS_1_CREER,
    CAS_1_RENSEIGNER,
    CLIQUER_IDENTIFIANT_OUBLIE,
    CLIQUER_MOT_DE_PASSE_OUBLIE,
    ETAPE_2,
)
from monitor import metrics
from monitor.budgets import Budgets
from monitor.classify import aggregate
from monitor.export.exporter import StoreCollector, make_registry
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store

pytestmark = pytest.mark.long_running(seconds=240)

DELAY = 1.0
CYCLES = 8  # two steps × one browser pair: Bonferroni at 2.5 % each needs 7 pairs at least
R1 = "journeys/test_r_pages_accessibles.py"  # repeated as a path (--keep-duplicates works on paths, not node ids)
TESTS = "test_j_ai_oublie_mon_mot_de_passe_depuis_l_accueil or test_j_ai_oublie_mon_identifiant_depuis_l_accueil"
SLOW, TWIN = CLIQUER_MOT_DE_PASSE_OUBLIE.id, CLIQUER_IDENTIFIANT_OUBLIE.id
ENGINES = ("chromium", "firefox", "webkit")


def cycles_of(records: list, cycles: int) -> list[list]:
    """The i-th run of each test in each browser belongs to cycle i."""
    seen: dict[tuple[str, str], int] = {}
    out: list[list] = [[] for _ in range(cycles)]
    for r in records:
        i = seen[r.test, r.browser] = seen.get((r.test, r.browser), -1) + 1
        out[i].append(r)
    return out


def test_an_identical_server_gives_no_speed_claim_beyond_the_browsers_own_clocks(tmp_path: Path) -> None:
    proc, raw = run_pytest(tmp_path, "--keep-duplicates", *[R1] * CYCLES, "-k",
                           "test_j_ai_oublie_mon_identifiant_depuis_l_accueil",
                           *[arg for engine in ENGINES for arg in ("--browser", engine)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    records = [parse_result(r) for r in raw if r["outcome"] != "unavailable"]  # WebKitGTK may be missing
    engines = sorted({r.browser for r in records})
    assert {r.outcome for r in records} == {"success"} and len(records) == len(engines) * CYCLES
    with Store.open_writer(tmp_path / "monitor.db") as store:
        for results in cycles_of(records, CYCLES):
            cycle = store.start_cycle(["R1"], engines)
            store.record_attempt(cycle, 1, aggregate(results))
            store.finish_cycle(cycle, "completed")
        data = compute(store, [86400.0], browsers=engines)
    assert data.timings is not None
    text = render_text(data)
    steps = [(cycle, r.browser, s) for cycle, results in enumerate(cycles_of(records, CYCLES))
             for r in results for s in r.steps]
    assert all(s.browser is not None and s.browser.seconds is not None and s.browser.source == "navigation"
               for _, _, s in steps), [(b, s.browser) for _, b, s in steps]  # every engine exposes it
    browser_seconds = {(cycle, b): s.browser.seconds for cycle, b, s in steps if s.browser is not None}
    assert len(data.timings.comparisons) == len(engines) * (len(engines) - 1) // 2, text  # each pair compared
    for c in data.timings.claims:  # a claim, if any, is what the browsers' clocks show, pair by pair
        ratios = [browser_seconds[cycle, c.slower] / browser_seconds[cycle, c.faster] for cycle in range(CYCLES)]
        assert min(ratios) <= c.ratio.low and c.ratio.high <= max(ratios), (c.sentence(), ratios)
    assert "Prober time: the step's wall clock in the driver" in text and "prober" in text
    rows = {r.browser: r for r in data.timings.rows}
    assert all(row.median_browser is not None and row.browser_runs == CYCLES for row in rows.values()), text


def midway_budget(records: list) -> Budgets:
    """A budget for the slow step midway between its median browser time in Chromium and in Firefox, from this
    run's own records. Why not a fixed figure: 1.6 s held on a quiet machine, but at load 27 Chromium's
    plain step took longer twice (seen failing: « chromium: 2 » overruns); the delay is a difference, and
    only a threshold taken from the run itself separates the two whatever the machine's load."""
    def median(browser: str) -> float:
        return statistics.median(s.browser.seconds for r in records if r.browser == browser for s in r.steps
                                 if s.id == SLOW and s.browser is not None and s.browser.seconds is not None)
    return Budgets({SLOW: (median("chromium") + median("firefox")) / 2})


def test_a_slow_endpoint_for_firefox_is_named_at_its_step_by_report_and_metrics(tmp_path: Path) -> None:
    faults = {"slow_endpoint": {"endpoint": "forgot_password_form", "engine": "firefox", "delay_seconds": DELAY}}
    proc, raw = run_pytest(tmp_path, "--keep-duplicates", *[R1] * CYCLES, "-k", TESTS, "--browser", "chromium",
                           "--browser", "firefox", env={"EXTRANET_FAULTS": json.dumps(faults)})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    records = [parse_result(r) for r in raw]
    assert len(records) == 2 * 2 * CYCLES

    db = tmp_path / "monitor.db"
    budgets = midway_budget(records)
    # Budgets judge browser time (never the prober's wall clock, which holds the driver's round trips).
    over_expected = {b: sum(1 for r in records if r.browser == b for s in r.steps
                            if s.id == SLOW and s.ok and s.browser is not None and s.browser.seconds is not None
                            and s.browser.seconds > budgets.for_step(SLOW))
                     for b in ("chromium", "firefox")}
    with Store.open_writer(db) as store:
        for results in cycles_of(records, CYCLES):
            cycle = store.start_cycle(["R1"], ["chromium", "firefox"])
            store.record_attempt(cycle, 1, aggregate(results), budgets=budgets)
            store.finish_cycle(cycle, "completed")
        data = compute(store, [86400.0], browsers=["chromium", "firefox"])
    assert data.timings is not None
    text = "\n".join(render_text(data).splitlines())
    claims = {(c.slower, c.step): c for c in data.timings.claims}
    assert ("firefox", SLOW) in claims, text
    assert all(slower == "firefox" for slower, _ in claims), text  # Chromium is never said to be slower
    slow = claims["firefox", SLOW]
    assert slow.added is not None and slow.ratio.low > 1.0
    twin = next(c for c in data.timings.comparisons if c.step == TWIN)  # the same step shape, no delay
    assert twin.added is not None
    baseline = (twin.added.low, twin.added.high) if twin.slower == "firefox" else (-twin.added.high, -twin.added.low)
    # The added browser time holds the delay, over Firefox's own difference at the twin step.
    assert slow.added.low <= DELAY + baseline[1] and slow.added.high >= DELAY + baseline[0], text
    assert f"Firefox is {slow.ratio.estimate:.1f}× slower than Chromium at « {CLIQUER_MOT_DE_PASSE_OUBLIE.name} »" in text

    firefox_row = next(r for r in data.timings.rows if (r.step, r.browser) == (SLOW, "firefox"))
    chromium_row = next(r for r in data.timings.rows if (r.step, r.browser) == (SLOW, "chromium"))
    assert firefox_row.figures["ttfb"] >= DELAY > chromium_row.figures["ttfb"], text  # the server's delay, in TTFB
    assert "cls" not in firefox_row.figures and firefox_row.missing["cls"] == "not exposed by firefox"
    assert "cls" in chromium_row.figures  # Chromium measures it (0: no shift on these pages)

    families = text_string_to_metric_families(generate_latest(make_registry(StoreCollector(
        db, journeys=["R1"], browsers=["chromium", "firefox"]))).decode())
    samples = [s for f in families for s in f.samples]
    over = {s.labels["browser"]: s.value for s in samples
            if s.name == metrics.STEP_OVER_BUDGET.name + "_total" and s.labels["step"] == SLOW}
    # Each overrun counted once, in its browser; the delayed browser over at least as often.
    counted = {b: over.get(b, 0.0) for b in over_expected}  # a browser never over may have no series
    assert counted == over_expected and counted["firefox"] >= CYCLES / 2 >= counted["chromium"], (over, budgets)
    ttfb_count = {s.labels["browser"]: s.value for s in samples
                  if s.name == metrics.PAGE_LOAD.name + "_count" and s.labels["step"] == SLOW
                  and s.labels["figure"] == "ttfb"}
    assert ttfb_count == {"chromium": CYCLES, "firefox": CYCLES}


def test_each_step_that_loads_a_page_has_its_figures_and_a_step_that_loads_none_has_none(tmp_path: Path) -> None:
    """J1 in Chromium and WebKit (the inspector route): every step after the first that loads a
    document gets its figures, found through Playwright's navigation events (a step without one is
    not read at all, to keep collection cheap); « renseigner » only fills a form and has none."""
    proc, raw = run_pytest(tmp_path, "journeys/test_j1_etablissement_inconnu.py", "--browser", "chromium",
                           "--browser", "webkit")
    records = [parse_result(r) for r in raw if r["outcome"] != "unavailable"]  # WebKitGTK may be missing
    assert proc.returncode == 0 and records, proc.stdout[-3000:] + proc.stderr[-2000:]
    for r in records:
        loads = {s.id: s.page_load for s in r.steps}
        assert loads[CAS_1_RENSEIGNER.id] is None, (r.browser, loads)  # fills a form: no document
        # Each submits a form and lands on a new page. « Valider » (ETAPE_2) ends on the click: Chromium's
        # click waits for the navigation to commit, WebKitGTK's over the inspector does not, so there the
        # new page is read at the next step's end, and is still ETAPE_2's (its navigation started there).
        for step in (ETAPE_2, CAS_1_CREER, CAS_1_ACTIVER):
            load = loads[step.id]
            assert load is not None and load.ttfb_seconds is not None and load.problems() == [], (r.browser, step.id)
