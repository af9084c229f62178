"""What measuring page-load figures costs a journey, per engine: medians with and without collection.

Method: the same journey test is run ``--reps`` times per engine in one pytest session
(``--keep-duplicates`` on its file, ``-k`` on its name), once with ``--page-timings on`` and once
with ``--page-timings off``, alternating which goes first over ``--rounds`` rounds (so a machine
getting busier does not favour one mode). A journey's time is its record's ``duration_seconds``
(pytest setup + call + teardown: the context with its init script, the steps, the reads at each
step's end). The first run of each engine in a session pays the browser's launch and is left
out. Printed per engine: both medians, their difference, and its share of the median without
collection (the target: ≤ 5 %), with the machine's load before and after (a shared machine).

    .venv/bin/python -m bench.timing_cost                                   # 3 engines, ~3 min
    .venv/bin/python -m bench.timing_cost --browser chromium --reps 10 --rounds 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from bench._common import PYTHON, ROOT, banner
from fixtures.core.engine_names import ENGINE_NAMES

JOURNEY_FILE = "journeys/test_r_pages_accessibles.py"
JOURNEY_TEST = "test_accueil_liens_de_recuperation_et_menu_besoin_d_aide"  # R1: 3 steps, one page load


def session(mode: str, browsers: list[str], reps: int, test: str, out: Path) -> dict[str, list[float]]:
    """One pytest session; journey durations per engine (the first of each engine left out)."""
    results = out / f"results-{mode}.json"
    argv = [PYTHON, "-m", "pytest", "-q", "-p", "no:randomly", "--keep-duplicates", *[JOURNEY_FILE] * reps,
            "-k", test, "--page-timings", mode, "--results-json", str(results), "--output", str(out / mode),
            *[a for b in browsers for a in ("--browser", b)]]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0 or not results.exists():
        raise SystemExit(f"pytest failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    durations: dict[str, list[float]] = defaultdict(list)
    for record in json.loads(results.read_text())["results"]:
        if record["outcome"] == "success":
            durations[record["browser"]].append(record["duration_seconds"])
    return {b: d[1:] for b, d in durations.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browser", action="append", choices=ENGINE_NAMES, help="default: every engine")
    parser.add_argument("--reps", type=int, default=7, help="runs of the journey per engine per session")
    parser.add_argument("--rounds", type=int, default=1, help="pairs of sessions (on/off, then off/on, …)")
    parser.add_argument("--test", default=JOURNEY_TEST, help="the journey test's name (-k)")
    args = parser.parse_args()
    browsers = args.browser or list(ENGINE_NAMES)
    banner("timing_cost")
    on: dict[str, list[float]] = defaultdict(list)
    off: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="timing-cost-") as tmp:
        for round_ in range(args.rounds):
            for mode in (("on", "off") if round_ % 2 == 0 else ("off", "on")):
                got = session(mode, browsers, args.reps, args.test, Path(tmp) / f"r{round_}")
                for browser, durations in got.items():
                    (on if mode == "on" else off)[browser].extend(durations)
    print(f"journey: {JOURNEY_FILE}::{args.test}, {args.reps} runs × {args.rounds} round(s) per mode "
          "(first run per session left out)")
    print(f"{'engine':<9} {'median on':>10} {'median off':>11} {'n on/off':>9} {'difference':>11} {'share':>7}")
    for browser in browsers:
        if not on[browser] or not off[browser]:
            print(f"{browser:<9} not run (engine unavailable here?)")
            continue
        with_, without = statistics.median(on[browser]), statistics.median(off[browser])
        print(f"{browser:<9} {with_:>9.3f}s {without:>10.3f}s {len(on[browser]):>4}/{len(off[browser]):<4} "
              f"{with_ - without:>+10.3f}s {(with_ - without) / without:>+7.1%}")
    banner("timing_cost", "end")


if __name__ == "__main__":
    main()
