"""What measuring page-load figures costs a journey, per engine: runs with and without collection, in pairs.

Method: the same journey test is run ``--reps`` times per engine in one pytest session
(``--keep-duplicates`` on its file, ``-k`` on its name) with the plugin ``bench.page_timings_alternate``,
which turns collection (``--page-timings``) on and off run by run (ABBA) after one warm-up run
per engine (it pays the browser's launch and is left out). Why pairs in one session: on a shared
machine two sessions' medians differ by more than the cost (seen: 40 % between two sessions with
collection off both times). A journey's time is its record's ``duration_seconds`` (pytest setup
+ call + teardown: the context with its init script, the steps, the reads at each step's end).

Printed per engine: the medians with and without collection, the Hodges–Lehmann estimate of the
paired difference (on − off) with its 95 % Wilcoxon signed-rank interval, and both as a share of
the median without collection (the target: ≤ 5 %), and the time spent in the collection's own
calls (``bench.page_timings_alternate`` times them), with the machine's load before and after.

    .venv/bin/python -m bench.timing_cost                                   # 3 engines, 8 pairs each
    .venv/bin/python -m bench.timing_cost --browser chromium --pairs 16 --rounds 2
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
from typing import Any

from bench._common import PYTHON, ROOT, banner
from fixtures.core.engine_names import ENGINE_NAMES
from monitor.stats.speed import hodges_lehmann

JOURNEY_FILE = "journeys/test_r_pages_accessibles.py"
JOURNEY_TEST = "test_accueil_liens_de_recuperation_et_menu_besoin_d_aide"  # R1: 3 steps, one page load


def collected(record: dict[str, Any]) -> bool:
    """Whether collection was on in this run: its first step (a page load) carries figures."""
    return bool(record["steps"]) and record["steps"][0].get("page_load") is not None


Pair = tuple[float, float, float]  # seconds with collection, without it, in the collection's own calls


def session(browsers: list[str], pairs: int, test: str, out: Path) -> dict[str, list[Pair]]:
    """One pytest session; per engine, (seconds on, seconds off, seconds in calls) of each pair of runs."""
    results = out / "results.json"
    argv = [PYTHON, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "bench.page_timings_alternate",
            "--keep-duplicates", *[JOURNEY_FILE] * (1 + 2 * pairs), "-k", test, "--results-json", str(results),
            "--output", str(out / "output"), *[a for b in browsers for a in ("--browser", b)]]
    calls = out / "calls.json"
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "BENCH_PAGE_TIMINGS_OUT": str(calls)})
    if proc.returncode != 0 or not results.exists():
        raise SystemExit(f"pytest failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in json.loads(results.read_text())["results"]:
        runs[record["browser"]].append(record)
    spent = json.loads(calls.read_text())
    out_pairs: dict[str, list[Pair]] = {}
    for browser, records in runs.items():
        in_calls = spent.get(browser, [])[1:]
        records = records[1:]  # the warm-up
        got = []
        for i, (a, b) in enumerate(zip(records[0::2], records[1::2], strict=False)):
            if a["outcome"] != "success" or b["outcome"] != "success" or collected(a) == collected(b):
                continue  # a failed run, or not one of each mode: no pair
            on, off = (a, b) if collected(a) else (b, a)
            calls_on = in_calls[2 * i] if collected(a) else in_calls[2 * i + 1]
            got.append((on["duration_seconds"], off["duration_seconds"], calls_on))
        out_pairs[browser] = got
    return out_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browser", action="append", choices=ENGINE_NAMES, help="default: every engine")
    parser.add_argument("--pairs", type=int, default=8, help="pairs of runs (on, off) per engine per session")
    parser.add_argument("--rounds", type=int, default=1, help="sessions")
    parser.add_argument("--test", default=JOURNEY_TEST, help="the journey test's name (-k)")
    args = parser.parse_args()
    browsers = args.browser or list(ENGINE_NAMES)
    banner("timing_cost")
    pairs: dict[str, list[Pair]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="timing-cost-") as tmp:
        for round_ in range(args.rounds):
            for browser, got in session(browsers, args.pairs, args.test, Path(tmp) / f"r{round_}").items():
                pairs[browser].extend(got)
    print(f"journey: {JOURNEY_FILE}::{args.test}, {args.pairs} pairs (on, off) × {args.rounds} session(s) "
          "per engine, after one warm-up run")
    print(f"{'engine':<9} {'pairs':>5} {'median on':>10} {'median off':>11} "
          f"{'on − off (HL) [95 %]':>30} {'share of median off [95 %]':>30}")
    for browser in browsers:
        got = pairs.get(browser, [])
        if not got:
            print(f"{browser:<9} not run (engine unavailable here?)")
            continue
        with_, without = statistics.median(p[0] for p in got), statistics.median(p[1] for p in got)
        shift = hodges_lehmann([on - off for on, off, _ in got], 0.05)
        in_calls = statistics.median(p[2] for p in got)
        if shift is None:
            print(f"{browser:<9} {len(got):>5} {with_:>9.3f}s {without:>10.3f}s  too few pairs for a 95 % interval")
        else:
            print(f"{browser:<9} {len(got):>5} {with_:>9.3f}s {without:>10.3f}s "
                  f"{shift.estimate:>+9.3f}s [{shift.low:+.3f} to {shift.high:+.3f}] "
                  f"{shift.estimate / without:>+12.1%} [{shift.low / without:+.1%} to {shift.high / without:+.1%}]")
        print(f"{'':<9} collection's own calls (init script installed, reads): median {in_calls * 1000:.1f} ms "
              f"a journey = {in_calls / without:.1%} of the median without collection")
    banner("timing_cost", "end")


if __name__ == "__main__":
    main()
