"""Not-run journeys travel the whole way through a real runner and child: recorded with their
reason, shown as *not run*, never counted in a rate, never a monitor error. The contract itself:
tests/unit/test_results_contract.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from support.fake_monitor import make_cfg, spec

from monitor.cycle.runner import CycleRunner
from monitor.report.cycle_summary import summary_text, write_junit
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store


def test_not_run_journeys_through_the_monitor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec(monkeypatch, tmp_path, journeys=["J1", "R1"],
         outcomes={"J1/chromium": ["not_run:needs_operator"], "J1/firefox": ["not_run:needs_operator"]})
    cfg = make_cfg(tmp_path, journeys=("J1", "R1"), retries=1)
    with Store.open_writer(cfg.db_path) as store:
        report = CycleRunner(cfg, store).run_cycle("once")
        assert report.errors == [] and report.exit_code == 0
        assert {(r.journey, r.final, r.attempts) for r in report.runs} == {("J1", "not_run", 1), ("R1", "success", 1)}
        assert "J1     chromium  not run (needs_operator): fake not_run" in summary_text(report)
        write_junit(report, tmp_path / "junit.xml")
        junit = (tmp_path / "junit.xml").read_text()
        assert 'skipped="2"' in junit and 'type="needs_operator"' in junit and 'failures="0"' in junit
        counters = {(n, tuple(sorted(lab.items()))): v for n, lab, v in store.counters()}
        assert counters[("runs_total", (("browser", "chromium"), ("journey", "J1"), ("outcome", "not_run")))] == 1
        assert not any(n == "cycle_errors_total" for n, _ in counters)
        text = render_text(compute(store, [3600]))
    assert "J1     chromium  not run (needs_operator): fake not_run" in text
    assert "Recent non-successes" not in text  # not run is not a failure of anything
    line = next(x for x in text.splitlines() if x.startswith("1h") and "Chromium" in x)
    assert line.split()[2:] == ["100", "%", "[21–100]", "1", "0", "0", "0", "1"]  # R1 alone counted; 1 not run


