"""The monitor's view of the prober, on real cycles (the real pytest child, the three engines, the
reference extranet): an A/A run claims no difference between browsers, and a cycle where a bot
defence refuses one engine moves no browser's success rate and says the monitor is blocked, by what.

Cheap on purpose: R1's home-page test only (``-k``), three identical cycles, then one behind the defence.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fixtures.core.engine_names import ENGINE_NAMES
from monitor.report.history_model import compute
from monitor.report.history_text import render_text
from monitor.store.results_db import Store

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=70)]

ROOT = Path(__file__).resolve().parents[2]
A_A_CYCLES = 3


def write_target(path: Path, faults: dict[str, Any]) -> None:
    path.write_text(f"extranet_args = {json.dumps(['--faults', json.dumps(faults)])}\n")


def once(cfg: Path, summary: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(cfg), "once", "--json", str(summary)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


def rates(db: Path) -> dict[str, tuple[int, int]]:
    with Store.open_reader(db) as store:
        data = compute(store, [86400.0], browsers=ENGINE_NAMES)
    return {r.label: (r.successes, r.trials) for r in data.windows[-1].browsers}


def test_a_a_cycles_claim_nothing_and_a_blocked_engine_moves_no_rate(tmp_path: Path) -> None:
    target, db = tmp_path / "target.toml", tmp_path / "m.db"
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        '[schedule]\ninterval = "15m"\njitter = 0\n'
        f'[run]\njourneys = ["R1"]\nbrowsers = {json.dumps(list(ENGINE_NAMES))}\ncycle_timeout = "5m"\n'
        f'extra_args = {json.dumps(["--target-config", str(target), "-k", "accueil_liens"])}\n'
        f'[store]\npath = "{db}"\nartifacts_dir = "{tmp_path / "artifacts"}"\n')
    write_target(target, {})  # the identical server: the same extranet for every engine
    for n in range(A_A_CYCLES):
        proc = once(cfg, tmp_path / f"cycle-{n}.json")
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    with Store.open_reader(db) as store:
        data = compute(store, [86400.0], browsers=ENGINE_NAMES)
    assert not data.alarm, [data.verdict(v) for v in data.sequential]  # no always-valid claim
    assert not any(w.significant for w in data.windows) and not data.journey_alerts  # nor a descriptive one
    assert not data.blocked
    before = rates(db)
    assert before == dict.fromkeys(ENGINE_NAMES, (A_A_CYCLES, A_A_CYCLES)), before

    # A bot defence in front of the same server refuses Chromium's user agent (« Chrome/ »).
    write_target(target, {"bot_defence_user_agent": ["Chrome/"]})
    proc = once(cfg, tmp_path / "blocked.json")
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]  # the prober's problem: exit 3, not 1
    assert "THE MONITOR IS BEING BLOCKED" in proc.stdout and "blocked by f5 (support ID " in proc.stdout, proc.stdout
    summary = json.loads((tmp_path / "blocked.json").read_text())
    [blocked] = summary["blocked"]
    assert (blocked["browser"], blocked["product"]) == ("chromium", "f5")
    assert blocked["reference"].startswith("support ID ") and blocked["refusal_follows"] == "user_agent"
    after = rates(db)
    assert after["chromium"] == before["chromium"]  # the refused run judged nothing: not in the rate
    assert after["firefox"] == after["webkit"] == (A_A_CYCLES + 1, A_A_CYCLES + 1)
    with Store.open_reader(db) as store:
        data = compute(store, [86400.0], browsers=ENGINE_NAMES)
    assert not data.alarm and not any(w.significant for w in data.windows)
    text = render_text(data)
    assert "THE MONITOR IS BEING BLOCKED" in text and "blocked by f5 (support ID " in text
