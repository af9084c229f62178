"""Stores for the status page's tests, written with the synthetic history (``support.synthetic``).

Each scenario is a store as the monitor would have left it at ``now``: a day and a half of quiet
history (the detectors' baseline), then what the scenario is about. The quiet part is written once
per folder and copied (writing it costs ~15 s of CPU: every attempt's histograms), each scenario
appends its own last cycles. ``stale`` is the quiet store read three hours after its last cycle.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from monitor.store.results_db import Store
from support.synthetic import populate

ENGINES = ("firefox", "chromium", "webkit")
QUIET = {"firefox": 0.98, "chromium": 0.97, "webkit": 0.97}
STEP = 900.0
BASELINE_CYCLES = 144  # a day and a half of 15-minute cycles
STALE_BY = 3 * 3600.0
SCENARIOS = ("calm", "webkit_incident", "stale", "target_outage", "mail_in_spam", "blocked")
TAILS = {"webkit_incident": 32, "target_outage": 6, "blocked": 4}  # the scenario's own last cycles
LONGEST = max(TAILS.values())


def _writer(path: Path) -> Store:
    store = Store.open_writer(path)
    store.conn.execute("PRAGMA synchronous = OFF")  # a test's history needs no fsync per attempt
    return store


def build(folder: Path, scenario: str, now: float) -> tuple[Path, float]:
    """(the store of ``scenario`` in ``folder``, the time to read it at)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: one of {', '.join(SCENARIOS)}")
    tail = TAILS.get(scenario, 0)
    spam = scenario == "mail_in_spam"
    base = folder / f"quiet-{'spam' if spam else 'plain'}-{int(now)}.db"
    if not base.exists():
        store = _writer(base)
        try:  # the quiet history ends where the longest tail begins, so every scenario ends at ``now``
            populate(store, cycles=BASELINE_CYCLES, step=STEP, end=now - LONGEST * STEP, rates=QUIET,
                     probe_error_rate=0.0, junk_rate=0.4 if spam else None, seed=11)
        finally:
            store.close()
    path = folder / f"{scenario}.db"
    shutil.copyfile(base, path)
    store = _writer(path)
    try:  # quiet cycles up to the scenario's own last ones
        if LONGEST > tail:
            populate(store, cycles=LONGEST - tail, step=STEP, end=now - tail * STEP, rates=QUIET, probe_error_rate=0.0,
                     junk_rate=0.4 if spam else None, seed=15)
        if scenario == "webkit_incident":
            populate(store, cycles=tail, step=STEP, end=now, rates={**QUIET, "webkit": 0.15}, probe_error_rate=0.0,
                     seed=12)
        elif scenario == "target_outage":
            populate(store, cycles=tail, step=STEP, end=now, rates=dict.fromkeys(ENGINES, 0.0), probe_error_rate=0.0,
                     retry_pass_rate=0.0, seed=13)
        elif scenario == "blocked":
            populate(store, cycles=tail, step=STEP, end=now, rates=QUIET, probe_error_rate=1.0,
                     probe_error_class="blocked", seed=14)
    finally:
        store.close()
    return path, now + (STALE_BY if scenario == "stale" else 0.0)
