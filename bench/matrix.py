"""Matrix wall time: ``pytest journeys`` on every available engine, serial vs ``-n N``.

Runs pytest as a child (``python -m pytest … -p bench.count_launches``) and reports, per mode:
wall time (child start → exit, services start-up included), journeys run, browser launches
and contexts per engine and per worker (counted by bench/count_launches.py wrapping Playwright's
``BrowserType.launch`` and ``Browser.new_context``), contexts per journey, and the requests the
extranet(s) served (lines of the extranet's own access log under the run's ``--basetemp``),
i.e. the request rate a matrix puts on the target. Speedup = serial wall / parallel wall.

    .venv/bin/python -m bench.matrix                  # one serial + one -n 2 run (3 engines: ~10 min)
    .venv/bin/python -m bench.matrix --repeat 3       # 3 of each, alternating; median reported
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PYTHON, ROOT, banner, busy_cores, cpu_ticks  # noqa: E402

ACCESS_LINE = re.compile(r"\b(GET|POST|HEAD|PUT|DELETE) /\S* \d{3} \d+ms")
TARGET_SPEEDUP = 1.6


def extranet_logs(basetemp: Path) -> list[Path]:
    """The extranet logs under a pytest --basetemp, once each (pytest adds ``*current`` symlinks)."""
    return sorted({p.resolve() for p in basetemp.rglob("extranet-*.log")})


def run_once(workers: int, browsers: list[str], tmp: Path, extra: list[str]) -> dict:
    tag = f"n{workers}-{time.monotonic_ns()}"
    basetemp, counts, results = tmp / f"bt-{tag}", tmp / f"counts-{tag}", tmp / f"results-{tag}.json"
    argv = [PYTHON, "-m", "pytest", "journeys", "-p", "bench.count_launches", "-p", "no:cacheprovider",
            "--basetemp", str(basetemp), "--results-json", str(results), "-q", "--output", str(tmp / f"out-{tag}")]
    for b in browsers:
        argv += ["--browser", b]
    if workers > 1:
        argv += ["-n", str(workers)]
    argv += extra
    env = {**os.environ, "BENCH_COUNT_DIR": str(counts),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start, usage0, ticks0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN), cpu_ticks()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    machine_busy = busy_cores(ticks0, cpu_ticks())
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # only what was reaped: see cpu_ticks()
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
    launches: Counter[str] = Counter()
    contexts: Counter[str] = Counter()
    per_test: list[int] = []
    per_worker: dict[str, dict[str, int]] = {}
    for f in sorted(counts.glob("counts-*.json")):
        data = json.loads(f.read_text())
        if data["worker"] == "main" and workers > 1:
            continue  # the xdist controller runs no test
        launches.update(data["launches"])
        contexts.update(data["contexts"])
        per_test += list(data["contexts_per_test"].values())
        per_worker[data["worker"]] = data["launches"]
    requests, per_second = 0, Counter[str]()
    for log in extranet_logs(basetemp):
        for line in log.read_text(errors="replace").splitlines():
            if ACCESS_LINE.search(line):
                requests += 1
                per_second[line[:19]] += 1  # "YYYY-MM-DD HH:MM:SS": both extranets' requests in that second
    doc = json.loads(results.read_text()) if results.exists() else {"results": []}
    outcomes = Counter(r["outcome"] for r in doc["results"])
    durations: dict[str, list[float]] = {}
    for r in doc["results"]:
        if r["outcome"] == "success":
            durations.setdefault(r["browser"], []).append(r["duration_seconds"])
    return {"workers": workers, "wall": wall, "cpu": cpu, "machine_busy": machine_busy, "rc": proc.returncode, "tail": tail, "launches": dict(launches),
            "contexts": dict(contexts), "per_worker": per_worker, "contexts_per_test": Counter(per_test),
            "journeys": len(doc["results"]), "outcomes": dict(outcomes), "requests": requests,
            "journey_median": {b: statistics.median(v) for b, v in sorted(durations.items())},
            "journeys_per_engine": dict(Counter(r["browser"] for r in doc["results"])),
            "peak_per_second": max(per_second.values(), default=0),
            "session_seconds": (doc.get("finished_at", 0) - doc.get("started_at", 0)) or wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mode (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="xdist workers of the parallel mode (default 2)")
    parser.add_argument("--browser", action="append", default=None, help="default: every engine available here")
    parser.add_argument("--save", default="/tmp/bench-matrix.json",
                        help="write the figures here (bench/extranet_load.py compares with them)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments after --")
    args = parser.parse_args()
    if args.browser:
        browsers = args.browser
    else:
        from fixtures.engines.resolve import resolve_all
        browsers = [name for name, engine in resolve_all().items() if engine.available]
    banner("matrix")
    runs: dict[int, list[dict]] = {1: [], args.workers: []}
    with tempfile.TemporaryDirectory(prefix="bench-matrix-") as tmp:
        for i in range(args.repeat):
            for workers in (1, args.workers):
                r = run_once(workers, browsers, Path(tmp), args.pytest_args)
                runs[workers].append(r)
                print(f"run {i + 1}/{args.repeat} -n {workers}: wall {r['wall']:.1f} s, machine busy "
                      f"{r['machine_busy']:.2f} of {os.cpu_count()} cores (/proc/stat), reaped children's CPU "
                      f"{r['cpu']:.1f} s (= {r['cpu'] / r['wall']:.2f} cores), rc {r['rc']}, "
                      f"{r['journeys']} journeys {r['outcomes']}, launches {r['launches']} per worker "
                      f"{r['per_worker']}, contexts {r['contexts']}, contexts/journey "
                      f"{dict(r['contexts_per_test'])}, extranet requests {r['requests']}, median successful journey "
                      + ", ".join(f"{b} {m:.2f} s" for b, m in r["journey_median"].items())
                      + f"  (load {os.getloadavg()[0]:.2f})",
                      flush=True)
                if r["rc"] not in (0, 1):  # 1 = some journey failed: still timed
                    print("  pytest said:\n  " + r["tail"].replace("\n", "\n  "))
    serial = statistics.median(r["wall"] for r in runs[1])
    parallel = statistics.median(r["wall"] for r in runs[args.workers])
    speedup = serial / parallel
    last = runs[args.workers][-1]
    engines = len(browsers)
    expected = engines * args.workers
    got = sum(last["launches"].values())
    print(f"\nmedian wall: serial {serial:.1f} s, -n {args.workers} {parallel:.1f} s -> speedup {speedup:.2f}x "
          f"(target >= {TARGET_SPEEDUP}x: {'MET' if speedup >= TARGET_SPEEDUP else 'NOT MET'})")
    # WebKitGTK's inspector route starts a browser per journey (it has one context per browser).
    from fixtures.engines.resolve import resolve_engine
    per_journey = [b for b in browsers if resolve_engine(b).route == "inspector"]
    expected += sum(last["journeys_per_engine"].get(b, 0) - args.workers for b in per_journey)
    print(f"browser launches (-n {args.workers}): {got}, target one per engine per worker"
          f"{' (one per journey on ' + ', '.join(per_journey) + ')' if per_journey else ''} = {expected}: "
          f"{'MET' if got <= expected else 'NOT MET'}; serial: {sum(runs[1][-1]['launches'].values())} "
          f"(target {engines + sum(runs[1][-1]['journeys_per_engine'].get(b, 0) - 1 for b in per_journey)})")
    print(f"contexts per journey (-n {args.workers}): {dict(last['contexts_per_test'])} "
          "(histogram: contexts -> journeys)")
    rate = last["requests"] / last["wall"]
    print(f"extranet requests during the -n {args.workers} matrix: {last['requests']} in {last['wall']:.1f} s "
          f"wall = {rate:.1f} req/s on average, busiest second {last['peak_per_second']} requests "
          f"(summed over the {args.workers} extranets, one per worker)")
    Path(args.save).write_text(json.dumps({"serial_wall": serial, "parallel_wall": parallel, "speedup": speedup,
                                           "workers": args.workers, "requests": last["requests"],
                                           "parallel_request_rate": rate,
                                           "parallel_peak_per_second": last["peak_per_second"],
                                           "runs": {str(k): [{**r, "contexts_per_test": dict(r["contexts_per_test"])}
                                                             for r in v] for k, v in runs.items()}}, indent=1))
    print(f"figures saved to {args.save}")
    banner("matrix", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
