"""How many browsers a core carries: k browsers of one engine loading the reference extranet's
home page back to back (a fresh context each time, as a journey does), for k = 1, 2, 4, ….

Prints, per engine and k: pages per second, the cores our processes used (the browsers,
their renderers and drivers: this process's descendants, so a shared machine's other load is
left out; the machine-wide figure is printed beside it), CPU core-seconds per page, and RSS. Sizing a site or a browser
pool from it: a browser doing back-to-back work needs ``busy cores / k`` cores; throughput that
stops growing with k means the cores are full. Run from the project root:

    .venv/bin/python -m bench.browsers_per_core [--engine chromium --engine firefox] [--k 1,2,4] [--seconds 15]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from bench._common import banner, busy_cores, cpu_ticks
from fixtures.engines.resolve import resolve_engine
from fixtures.services.processes import reference_stack

TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def own_processes() -> dict[int, tuple[float, float]]:
    """pid → (CPU seconds, RSS MB) of this process and all its descendants (drivers, browsers,
    renderers). Why not machine-wide CPU: on a shared machine other people's load would be
    counted as ours; the browsers are alive through a measurement, so none is reparented."""
    stats: dict[int, tuple[int, float, float]] = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK
        stats[int(name)] = (ppid, cpu, int(fields[21]) * PAGE_KB / 1024)
    mine, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _cpu, _rss) in stats.items():
            if ppid == parent and pid not in mine:
                mine.add(pid)
                frontier.append(pid)
    return {pid: stats[pid][1:] for pid in mine if pid in stats}


def own_cpu_between(before: dict[int, tuple[float, float]], after: dict[int, tuple[float, float]]) -> float:
    """CPU seconds our processes used between two snapshots (new processes count from zero)."""
    return sum(cpu - before.get(pid, (0.0, 0.0))[0] for pid, (cpu, _rss) in after.items())


def worker(engine: str, url: str, stop: threading.Event, ready: threading.Barrier, counts: list[int], i: int,
           errors: list[str]) -> None:
    from playwright.sync_api import sync_playwright  # one driver per thread: the sync API is per thread
    try:
        with sync_playwright() as p:
            browser = getattr(p, engine).launch(**resolve_engine(engine).launch_options())
            ready.wait()
            while not stop.is_set():
                context = browser.new_context()
                page = context.new_page()
                page.goto(url)
                page.get_by_role("heading", level=1).first.wait_for()
                context.close()
                counts[i] += 1
            browser.close()
    except Exception as exc:  # noqa: BLE001 - reported with the figures, never hidden
        errors.append(f"{engine} #{i}: {type(exc).__name__}: {exc}")
        ready.abort()


def measure(engine: str, url: str, k: int, seconds: float) -> None:
    stop, counts = threading.Event(), [0] * k
    errors: list[str] = []
    ready = threading.Barrier(k + 1)
    threads = [threading.Thread(target=worker, args=(engine, url, stop, ready, counts, i, errors)) for i in range(k)]
    for t in threads:
        t.start()
    try:
        ready.wait(timeout=120)  # every browser launched: measure steady work, not start-up
    except threading.BrokenBarrierError:
        stop.set()
        print(f"{engine:<9} k={k}: could not start: {'; '.join(errors)}")
        return
    start_counts, t0, ticks0, own0 = sum(counts), time.monotonic(), cpu_ticks(), own_processes()
    stop.wait(seconds)
    own1 = own_processes()
    pages, elapsed, machine = sum(counts) - start_counts, time.monotonic() - t0, busy_cores(ticks0, cpu_ticks())
    ours = own_cpu_between(own0, own1) / elapsed
    memory = sum(rss for _cpu, rss in own1.values())
    stop.set()
    for t in threads:
        t.join(60)
    per_page = ours * elapsed / pages if pages else float("nan")
    print(f"{engine:<9} k={k:<2} {pages / elapsed:6.2f} pages/s  ours {ours:4.2f} cores (machine {machine:4.2f} of "
          f"{os.cpu_count()})  {per_page:5.2f} core-s/page  {ours / k:4.2f} cores/browser  RSS {memory:6.0f} MB"
          + (f"  errors: {'; '.join(errors)}" if errors else ""), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", action="append", help="engine(s) (default: chromium and firefox)")
    ap.add_argument("--k", default="1,2,4", help="browsers at once, comma-separated (default 1,2,4)")
    ap.add_argument("--seconds", type=float, default=15.0, help="measured seconds per step (default 15)")
    args = ap.parse_args()
    engines = args.engine or ["chromium", "firefox"]
    banner("browsers_per_core")
    with tempfile.TemporaryDirectory() as tmp, reference_stack(Path(tmp), operator_key="bench-browsers") as (_m, extranet):
        for engine in engines:
            if not resolve_engine(engine).available:
                print(f"{engine}: unavailable here ({resolve_engine(engine).reason})")
                continue
            for k in (int(x) for x in args.k.split(",")):
                measure(engine, extranet.base_url + "/", k, args.seconds)
    banner("browsers_per_core", "end")


if __name__ == "__main__":
    main()
