"""What the accessibility snapshots cost a journey: median duration with and without, per engine.

Method: for each engine, ``--reps`` pairs of child ``pytest`` runs of the same journeys, one with
snapshots (the default, into a temporary store) and one with ``--no-aria-snapshots``, alternated
(with first, then without first) so a drift of the machine's load hits both alike. A journey's
duration is its record's ``duration_seconds`` (setup + call + teardown: the snapshots taken at
page loads and step ends, and the store written at teardown, are all inside). The first test of
each child pays the session's start-up (extranet, Mailpit, browser launch) and is a warm-up,
left out. Prints per engine the median of each mode over every measured journey run and the
relative cost; the target is ≤ 10 %. Each engine first runs once with snapshots on an empty
store (every page load snapshotted: a first run, or a screen's daily refresh): printed apart as
the cold figure, the store then kept for the measured runs (the steady state a monitor lives in). Beside it, a paired figure that the machine's load drift
does not blur: the share of each journey spent inside the snapshot calls themselves
(``-p bench.aria_timing``), an upper bound of their cost (page-load snapshots run in Playwright's
event greenlet while the journey waits on the browser).

    .venv/bin/python -m bench.aria_snapshot_cost                          # J2.2b, J2.2a, J3; 3 engines, 2 pairs
    .venv/bin/python -m bench.aria_snapshot_cost --browser chromium --reps 3
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from bench._common import PYTHON, ROOT, banner
from fixtures.core.aria_store import DIR_ENV
from fixtures.core.engine_names import ENGINE_NAMES
from fixtures.engines.resolve import resolve_engine

WARM_UP = "journeys/test_r_pages_accessibles.py::test_lien_de_reinitialisation_forge_refuse"
JOURNEYS = ["journeys/test_j2_2b_mot_de_passe_oublie.py", "journeys/test_j2_2a_identifiant_oublie.py",
            "journeys/test_j3_assistance_technique.py"]


def run_once(browser: str, snapshots: bool, work: Path, journeys: list[str]) -> dict[str, tuple[float, float]]:
    """One child run; each measured journey test's (duration, seconds inside snapshot calls), warm-up left out."""
    results, timing = work / "results.json", work / "aria-timing.json"
    results.unlink(missing_ok=True)
    timing.unlink(missing_ok=True)
    argv = [PYTHON, "-m", "pytest", "-p", "no:randomly", "-p", "bench.aria_timing", "-q", "--browser", browser,
            "--results-json", str(results), "--output", str(work / "out"), WARM_UP, *journeys]
    if not snapshots:
        argv.append("--no-aria-snapshots")
    env = {**os.environ, DIR_ENV: str(work / "aria"), "BENCH_ARIA_TIMING": str(timing)}
    subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    records = json.loads(results.read_text())["results"] if results.exists() else []
    spent = json.loads(timing.read_text()) if timing.exists() else {}
    return {r["test"].split("::")[-1].split("[")[0]: (r["duration_seconds"], spent.get(r["test"], 0.0))
            for r in records if r["outcome"] == "success" and "::" + WARM_UP.split("::")[1] + "[" not in r["test"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--browser", action="append", choices=ENGINE_NAMES, help="default: every available engine")
    parser.add_argument("--reps", type=int, default=2, help="pairs of runs per engine (default 2)")
    parser.add_argument("--journeys", nargs="*", default=JOURNEYS, help="test files or node ids to time")
    args = parser.parse_args()
    browsers = args.browser or [e for e in ENGINE_NAMES if resolve_engine(e).available]
    banner("aria_snapshot_cost")
    with tempfile.TemporaryDirectory(prefix="aria-cost-") as tmp:
        for browser in browsers:
            durations: dict[tuple[bool, str], list[float]] = defaultdict(list)
            shares: dict[str, list[float]] = defaultdict(list)
            cold = run_once(browser, True, Path(tmp), args.journeys)  # empty store: every load snapshotted
            for rep in range(args.reps):
                for snapshots in ((True, False) if rep % 2 == 0 else (False, True)):
                    for test, (seconds, inside) in run_once(browser, snapshots, Path(tmp), args.journeys).items():
                        durations[(snapshots, test)].append(seconds)
                        if snapshots:
                            shares[test].append(inside / seconds)
            tests = sorted({t for _, t in durations})
            ratios = []
            for test in tests:
                with_, without = durations[(True, test)], durations[(False, test)]
                if not with_ or not without:
                    print(f"{browser} {test}: not timed in both modes (with {len(with_)}, without {len(without)})")
                    continue
                m_with, m_without = statistics.median(with_), statistics.median(without)
                ratios.append(m_with / m_without)
                if test in cold:
                    print(f"{browser} {test}: cold store (every page load snapshotted) {cold[test][0]:.2f} s, "
                          f"{100 * (cold[test][0] / m_without - 1):+.1f} % over the median without; inside snapshot "
                          f"calls {100 * cold[test][1] / cold[test][0]:.1f} %", flush=True)
                print(f"{browser} {test}: median {m_with:.2f} s with snapshots, {m_without:.2f} s without "
                      f"(n={len(with_)}/{len(without)}): {100 * (m_with / m_without - 1):+.1f} %; inside snapshot "
                      f"calls: median {100 * statistics.median(shares[test]):.1f} % of the journey", flush=True)
            if ratios:
                print(f"{browser}: median over journeys of the relative cost {100 * (statistics.median(ratios) - 1):+.1f} %"
                      f" (max {100 * (max(ratios) - 1):+.1f} %)", flush=True)
    banner("aria_snapshot_cost", "end")


if __name__ == "__main__":
    main()
