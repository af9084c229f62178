"""What a journey pays for, per engine: the page's own time, the driver's round trips, each kind of collection.

    .venv/bin/python -m bench.journey_cost                                   # R1 + J1, chromium + firefox
    .venv/bin/python -m bench.journey_cost --tree /tmp/old --tree /tmp/main   # the same, and older trees
    .venv/bin/python -m bench.journey_cost --browser webkit --repeat 2 -- journeys   # every journey

Each tree × engine is one serial ``pytest <journeys> --browser E`` with the plugin
``bench/journey_cost_probe.py`` (copied to a temporary folder on PYTHONPATH, so an older tree is measured
by the same probe); runs are interleaved (engine by engine, tree by tree, ``--repeat`` times) so
that the machine's load falls on every tree alike. Per journey (setup + call + teardown, pytest's own
durations), the script prints: the page's own time (the steps' browser time from the results JSON:
the browsers' Navigation and Event Timing; "n/a" for a tree that has none), the driver's round trips
(time inside the journey's own sync Playwright calls, less the page's own time), each kind of collection
(outermost calls of the suite's functions: accessibility snapshots, page timings, traces and screenshots,
cleaning and scrubbing, the quota ledger, mail reading), and the rest (fixtures, browser start-up,
contexts, the suite's own code). Figures, never assertions; the machine's load is printed beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PYTHON, ROOT, banner  # noqa: E402

KINDS = ("aria snapshots", "page timings", "traces, screenshots", "cleaning, scrubbing", "quota ledger",
         "mail reading")
DEFAULT_JOURNEYS = ["journeys/test_r_pages_accessibles.py", "journeys/test_j1_etablissement_inconnu.py"]


def run(tree: Path, engine: str, journeys: list[str], probe_dir: Path, out: Path) -> dict:
    python = tree / ".venv" / "bin" / "python"
    results = out.with_suffix(".results.json")
    env = {**os.environ, "BENCH_COST_OUT": str(out), "SENTINEL_ARIA_SNAPSHOTS_DIR": str(probe_dir / f"aria-{tree.name}"),
           "PYTHONPATH": os.pathsep.join([str(probe_dir), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    argv = [str(python if python.exists() else PYTHON), "-m", "pytest", "-q", "-p", "no:randomly", "-p",
            "journey_cost_probe", "--browser", engine, "--results-json", str(results), *journeys]
    proc = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, timeout=3600)
    data = json.loads(out.read_text()) if out.exists() else {"seconds": {}, "tests": {}}
    data["returncode"] = proc.returncode
    data["tail"] = proc.stdout.strip().splitlines()[-1:] if proc.stdout else []
    records = json.loads(results.read_text())["results"] if results.exists() else []
    browser = [s.get("browser") for r in records for s in r.get("steps", [])]
    data["page"] = (sum((b or {}).get("seconds") or 0.0 for b in browser) if any(browser) else None)
    data["outcomes"] = [r["outcome"] for r in records]
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", default=[], help="another tree to measure (a git worktree)")
    parser.add_argument("--browser", action="append", default=[], help="engines (default chromium, firefox)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-warmup", action="store_true",
                        help="count the first run of each tree × engine too (default: one run each first, not "
                             "counted: it fills the tree's own accessibility-snapshot store, as a monitor's is)")
    parser.add_argument("journeys", nargs="*", default=DEFAULT_JOURNEYS)
    args = parser.parse_args()
    trees = [ROOT, *(Path(t).resolve() for t in args.tree)]
    engines = args.browser or ["chromium", "firefox"]
    banner("journey_cost")
    work = Path(tempfile.mkdtemp(prefix="journey-cost-"))
    shutil.copy(Path(__file__).with_name("journey_cost_probe.py"), work / "journey_cost_probe.py")
    runs: dict[tuple[str, str], list[dict]] = {}
    warmups = 0 if args.no_warmup else 1
    for rep in range(warmups + args.repeat):
        for engine in engines:
            for tree in trees:
                data = run(tree, engine, args.journeys, work, work / f"{tree.name}-{engine}-{rep}.json")
                if rep >= warmups:
                    runs.setdefault((str(tree), engine), []).append(data)
                print(f"  ran {tree} {engine} #{rep + 1}{' (warm-up)' if rep < warmups else ''}: exit "
                      f"{data['returncode']} {' '.join(data['tail'])}", flush=True)
    banner("journey_cost", "end")
    header = (f"{'tree':<28} {'engine':<9} {'n':>3} {'journey':>8} {'page':>7} {'driver':>7} "
              + " ".join(f"{k.split(',')[0][:9]:>9}" for k in KINDS) + f" {'rest':>7}")
    print("\nseconds per journey (mean over the journeys of a run, median over runs); page = browser time")
    print(header)
    per_journey: dict[tuple[str, str], float] = {}
    for (tree_name, engine), datas in runs.items():
        rows = []
        for d in datas:
            n = max(1, len(d["tests"]))
            total = sum(d["tests"].values())
            page = d["page"]
            driver = d["seconds"].get("driver calls", 0.0) - (page or 0.0)
            kinds = [d["seconds"].get(k, 0.0) for k in KINDS]
            rest = total - driver - (page or 0.0) - sum(kinds)
            rows.append([n, total / n, None if page is None else page / n, driver / n, *(k / n for k in kinds),
                         rest / n])
        med: list[float | None] = [statistics.median(float(r[i] or 0.0) for r in rows)
                                   if all(r[i] is not None for r in rows) else None for i in range(len(rows[0]))]
        per_journey[tree_name, engine] = float(med[1] or 0.0)
        cells = [f"{v:>9.3f}" if v is not None else f"{'n/a':>9}" for v in med[4:-1]]
        print(f"{Path(tree_name).name[:28]:<28} {engine:<9} {int(med[0] or 0):>3} {med[1] or 0.0:>8.3f} "
              f"{(f'{med[2]:.3f}' if med[2] is not None else 'n/a'):>7} {med[3] or 0.0:>7.3f} {' '.join(cells)} "
              f"{med[-1] or 0.0:>7.3f}")
    print("\nFirefox / Chromium per journey, and each tree against the first:")
    for tree in trees:
        c, f = per_journey.get((str(tree), "chromium")), per_journey.get((str(tree), "firefox"))
        if c and f:
            print(f"  {tree.name}: firefox {f:.3f} s / chromium {c:.3f} s = {f / c:.2f}×")
        for engine in engines:
            base, here = per_journey.get((str(trees[0]), engine)), per_journey.get((str(tree), engine))
            if base and here and tree != trees[0]:
                print(f"  {engine}: {trees[0].name} {base:.3f} s vs {tree.name} {here:.3f} s per journey "
                      f"({(base / here - 1) * 100:+.1f} %)")


if __name__ == "__main__":
    main()
