"""Share of journey wall time not spent waiting on the target or on the mail.

Method (one serial run of ``pytest journeys``, with ``-p bench.count_launches`` and
``--results-json``):

- W  journey wall time = Σ duration_seconds of every journey (pytest setup + call + teardown;
     the session-scoped browser launch is paid inside the first journey's setup of each engine).
- T  waiting on the target = the union of the extranet's request intervals, from its own access
     log (``<end time> METHOD path status <ms>ms``: the interval is [end − ms, end]; ms
     resolution, so ±1 ms per request), /healthz (service start-up) left out. A union, so the
     browser's parallel requests (CSS, images) are not counted twice. /__operator__/ calls
     (the suite's seeding, clock, incident) are in T and shown apart.
- M  waiting on the mail = time inside ``fixtures.mail.mailpit.MailWaiter.wait`` (timed by the
     plugin; it includes the search and fetch of the mail from Mailpit).
- overhead = W − T − M, split into what the plugin times: BrowserType.launch, Browser.new_context,
  Tracing.start/stop, BrowserContext.close, Browser.close; the remainder is Playwright/browser
  work (rendering, protocol round trips, navigation waits beyond the server's answer) and suite
  code (fixtures, page objects, artifacts, result records).
Approximations: T is measured server-side (loopback network time is in the remainder); the
mail usually arrives while the click that sent it is still waiting for the next page, so part
of the "notice latency" the results report overlaps T and the remainder, and only M (the
blocking wait) is counted as mail time. Step timings from the results are printed alongside.

    .venv/bin/python -m bench.overhead                       # chromium + firefox, serial (~1.5 min)
    .venv/bin/python -m bench.overhead --browser chromium
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PYTHON, ROOT, banner  # noqa: E402
from bench.matrix import extranet_logs  # noqa: E402
from fixtures.core.outcomes import NOT_RUN_OUTCOMES  # noqa: E402

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+ extranet\.access: (\S+) (\S+) (\d{3}) (\d+)ms")
TARGET_SHARE = 0.15


def intervals(logs: list[Path]) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    site: list[tuple[float, float]] = []
    operator: list[tuple[float, float]] = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            m = LINE.match(line)
            if not m or m.group(3) == "/healthz":
                continue
            end = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            (operator if m.group(3).startswith("/__operator__") else site).append((end - int(m.group(5)) / 1000, end))
    return site, operator


def union(spans: list[tuple[float, float]]) -> float:
    total, cur_start, cur_end = 0.0, 0.0, None
    for start, end in sorted(spans):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browser", action="append", default=None, help="default: chromium and firefox")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments after --")
    args = parser.parse_args()
    browsers = args.browser or ["chromium", "firefox"]
    banner("overhead")
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp_name:
        tmp = Path(tmp_name)
        argv = [PYTHON, "-m", "pytest", "journeys", "-p", "bench.count_launches", "-p", "no:cacheprovider",
                "--basetemp", str(tmp / "bt"), "--results-json", str(tmp / "r.json"), "-q",
                "--output", str(tmp / "out")] + [a for b in browsers for a in ("--browser", b)] + args.pytest_args
        env = {**os.environ, "BENCH_COUNT_DIR": str(tmp / "counts"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        start = time.monotonic()
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.monotonic() - start
        if not (tmp / "r.json").exists():
            print((proc.stdout + proc.stderr)[-3000:])
            return 1
        results = json.loads((tmp / "r.json").read_text())["results"]
        counts = json.loads(next((tmp / "counts").glob("counts-*.json")).read_text())
        site, operator = intervals(extranet_logs(tmp / "bt"))
    ran = [r for r in results if r["outcome"] not in NOT_RUN_OUTCOMES]
    W = sum(r["duration_seconds"] for r in ran)
    steps = sum(s["seconds"] for r in ran for s in r["steps"])
    T_site, T_op = union(site), union(operator)
    T = union(site + operator)
    secs = counts.get("seconds_in", {})
    M = secs.get("MailWaiter.wait", 0.0)
    notices = [m["notice_seconds"] for r in ran for m in r["mail_latencies"]]
    overhead = W - T - M
    print(f"pytest child: wall {wall:.1f} s, rc {proc.returncode}, {len(ran)} journeys run on {browsers} "
          f"(outcomes: { {o: sum(1 for r in ran if r['outcome'] == o) for o in {r['outcome'] for r in ran}} })")
    print(f"W journey wall (Σ setup+call+teardown)   {W:8.2f} s  100.0 %")
    print(f"  of which inside the journeys' steps      {steps:8.2f} s  {steps / W:6.1%}")
    print(f"T waiting on the target (union)          {T:8.2f} s  {T / W:6.1%}   "
          f"(site pages {T_site:.2f} s, operator calls {T_op:.2f} s; {len(site) + len(operator)} requests)")
    print(f"M waiting on the mail (MailWaiter.wait)  {M:8.2f} s  {M / W:6.1%}   "
          f"({counts.get('calls', {}).get('MailWaiter.wait', 0)} waits; reported notice latency Σ "
          f"{sum(notices):.2f} s over {len(notices)} mails)")
    print(f"overhead W - T - M                       {overhead:8.2f} s  {overhead / W:6.1%}   "
          f"(target <= {TARGET_SHARE:.0%}: {'MET' if overhead / W <= TARGET_SHARE else 'NOT MET'})")
    print("where the overhead goes (timed by bench/count_launches.py):")
    named = 0.0
    for label in ("BrowserType.launch", "Browser.new_context", "Tracing.start", "Tracing.stop",
                  "BrowserContext.close", "Browser.close"):
        s, n = secs.get(label, 0.0), counts.get("calls", {}).get(label, 0)
        named += s
        print(f"  {label:<24}{n:>4} calls {s:8.2f} s  {s / W:6.1%}  ({s / n * 1000 if n else 0:.0f} ms each)")
    rest = overhead - named
    print(f"  {'remainder':<24}{'':>10} {rest:8.2f} s  {rest / W:6.1%}  "
          "(browser rendering, Playwright round trips, fixtures and suite code)")
    pw = secs.get("playwright (all sync calls)", 0.0)
    services = secs.get("fixtures.services.processes.start_mailpit", 0.0) + secs.get("fixtures.services.processes.start_extranet", 0.0)
    # T_site is (almost all) inside Playwright calls; operator calls and the mail wait are outside.
    in_pw = pw - named - T_site
    outside = rest - in_pw
    print("  the remainder, split by time inside Playwright's sync calls (all of them timed, outermost only):")
    print(f"    inside Playwright calls, less the timed calls above and the target's time "
          f"{in_pw:8.2f} s  {in_pw / W:6.1%}  (browser work: navigation, rendering, auto-waits; driver round trips)")
    driver = secs.get("PlaywrightContextManager.__enter__", 0.0)
    print(f"    outside Playwright calls                                                 "
          f"{outside:8.2f} s  {outside / W:6.1%}  (suite Python code and fixtures, of which Mailpit + extranet "
          f"start-up {services:.2f} s, Playwright driver start {driver:.2f} s)")
    by_api = counts.get("playwright_by_api", {})
    if by_api:
        print("  time inside Playwright calls by API method (top 8; includes the target's time they wait on):")
        for name, s in list(by_api.items())[:8]:
            print(f"    {name:<34}{s:8.2f} s  {s / W:6.1%}")
    per_engine: dict[str, list[float]] = defaultdict(list)
    for r in ran:
        per_engine[r["browser"]].append(r["duration_seconds"])
    for engine, durations in sorted(per_engine.items()):
        print(f"  {engine}: {len(durations)} journeys, mean {sum(durations) / len(durations):.2f} s, "
              f"first (pays the launch) {durations[0]:.2f} s")
    banner("overhead", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
