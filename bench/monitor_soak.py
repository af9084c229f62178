"""Monitor soak: ``python -m monitor run`` for N short cycles against the reference extranet.

A temp TOML (one journey, one engine, a short interval, its own store and a free exporter
port; checked with ``monitor check-config`` first) drives ``monitor run``. The script only reads
/proc and the monitor's SQLite store (read-only), never /metrics, so it adds no work to the
monitor. It reports:
- RSS (VmRSS) of the monitor process after cycle 10 and after the last cycle (target growth ≤ 10 %);
- CPU of the monitor process while idle between cycles: Δ(utime+stime) of /proc/<pid>/stat
  (its own time, children excluded) over windows where it has no child process, summed over
  all windows (target ≤ 1 % of a core);
- browser processes left behind: after each cycle (monitor idle) and after SIGTERM, every
  process whose name or command line says chromium/firefox/headless_shell and that either
  descends from the monitor or carries this run's BENCH_SOAK_TAG in its environment (so one
  reparented to init is still found; other people's browsers are not counted).

    .venv/bin/python -m bench.monitor_soak                  # 20 cycles of N1 on chromium (~2-3 min)
    .venv/bin/python -m bench.monitor_soak --cycles 200     # the full soak
"""
from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PYTHON, ROOT, banner  # noqa: E402
from fixtures.services.ports import free_port  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
BROWSER_WORDS = ("chromium", "chrome", "firefox", "headless_shell")


def stat(pid: int) -> tuple[int, float]:
    """(ppid, utime+stime seconds) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def processes() -> dict[int, int]:
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = stat(int(entry.name))[0]
            except (OSError, IndexError, ValueError):
                pass
    return out


def has_child(pid: int) -> bool:
    return any(ppid == pid for ppid in processes().values())


def left_browsers(monitor_pid: int, tag: str) -> list[str]:
    table = processes()
    found = []
    for pid in table:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if not any(w in (comm + " " + cmd.split(" ", 1)[0]).lower() for w in BROWSER_WORDS):
            continue
        ancestor, seen = pid, 0
        descends = False
        while ancestor > 1 and seen < 64:
            ancestor, seen = table.get(ancestor, 0), seen + 1
            if ancestor == monitor_pid:
                descends = True
                break
        tagged = False
        try:
            tagged = f"BENCH_SOAK_TAG={tag}".encode() in Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            pass
        if descends or tagged:
            found.append(f"{pid} {comm}")
    return found


def completed(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("SELECT count(*) FROM cycles WHERE status != 'running'").fetchone()[0]
    except sqlite3.Error:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=20, help="cycles to run (default 20; 200 for the full soak)")
    parser.add_argument("--journey", default="N1", help="journey id (default N1)")
    parser.add_argument("--browser", default="chromium")
    parser.add_argument("--interval", default="3s", help="[schedule] interval (default 3s: the idle window)")
    args = parser.parse_args()
    banner("monitor_soak")
    tag = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp_name:
        tmp = Path(tmp_name)
        toml = tmp / "monitor.toml"
        toml.write_text(f"""
[schedule]
interval = "{args.interval}"
jitter = "0s"
run_at_start = true
[run]
journeys = ["{args.journey}"]
browsers = ["{args.browser}"]
retries = 0
cycle_timeout = "3m"
[store]
path = "{tmp / 'monitor.db'}"
artifacts_dir = "{tmp / 'artifacts'}"
[exporter]
listen = "127.0.0.1:{free_port()}"
""")
        env = {**os.environ, "BENCH_SOAK_TAG": tag}
        check = subprocess.run([PYTHON, "-m", "monitor", "check-config", "--config", str(toml)], cwd=ROOT,
                               env=env, capture_output=True, text=True)
        if check.returncode != 0:
            print("check-config refused the temp config:\n" + check.stdout + check.stderr)
            return 2
        log = open(tmp / "monitor.log", "wb")
        monitor = subprocess.Popen([PYTHON, "-m", "monitor", "run", "--config", str(toml)], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        pid = monitor.pid
        rss: dict[int, int] = {}
        idle_cpu, idle_wall, leftovers_after_cycle = 0.0, 0.0, []
        done = 0
        started = time.monotonic()
        try:
            while done < args.cycles:
                if monitor.poll() is not None:
                    print(f"monitor exited early with {monitor.returncode}; log tail:\n"
                          + (tmp / "monitor.log").read_text(errors="replace")[-2000:])
                    return 1
                now_done = completed(tmp / "monitor.db")
                if now_done > done:
                    done = now_done
                    # idle now (the cycle is recorded, the child is gone): measure until the next child
                    t0, (_, c0) = time.monotonic(), stat(pid)
                    t1, c1 = t0, c0
                    rss[done] = rss_kib(pid)
                    left = left_browsers(pid, tag)
                    if left:
                        leftovers_after_cycle.append((done, left))
                    while not has_child(pid) and monitor.poll() is None:
                        t1, (_, c1) = time.monotonic(), stat(pid)
                        if t1 - t0 > 30:
                            break
                        time.sleep(0.1)
                    idle_cpu += c1 - c0
                    idle_wall += t1 - t0
                    if done % 10 == 0 or done == args.cycles:
                        print(f"  cycle {done}: RSS {rss[done] / 1024:.1f} MiB, idle CPU so far "
                              f"{idle_cpu / idle_wall if idle_wall else 0:.2%} of a core over {idle_wall:.1f} s, "
                              f"browsers left {len(left)}  ({time.monotonic() - started:.0f} s, "
                              f"load {os.getloadavg()[0]:.2f})", flush=True)
                time.sleep(0.2)
        finally:
            monitor.send_signal(signal.SIGTERM)
            try:
                rc = monitor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                monitor.kill()
                rc = monitor.wait()
            log.close()
        time.sleep(1.0)
        final_left = left_browsers(pid, tag)
        with sqlite3.connect(f"file:{tmp / 'monitor.db'}?mode=ro", uri=True) as c:
            statuses = dict(c.execute("SELECT status, count(*) FROM cycles GROUP BY status").fetchall())
            outcomes = dict(c.execute("SELECT outcome, count(*) FROM results GROUP BY outcome").fetchall())
    first = rss.get(10) or rss[min(rss)]
    last = rss[max(rss)]
    growth = (last - first) / first
    cpu = idle_cpu / idle_wall if idle_wall else float("nan")
    print(f"\n{done} cycles of {args.journey} on {args.browser}, interval {args.interval}; cycles {statuses}, "
          f"results {outcomes}; monitor exit code after SIGTERM: {rc}")
    print(f"RSS at cycle {10 if 10 in rss else min(rss)}: {first / 1024:.1f} MiB, at cycle {max(rss)}: "
          f"{last / 1024:.1f} MiB -> growth {growth:+.1%} (target <= 10 %: {'MET' if growth <= 0.10 else 'NOT MET'})")
    print(f"idle CPU: {idle_cpu:.2f} s CPU over {idle_wall:.1f} s idle = {cpu:.2%} of a core "
          f"(clock tick {1 / TICK * 1000:.0f} ms; target <= 1 %: {'MET' if cpu <= 0.01 else 'NOT MET'})")
    print(f"browsers left behind: after cycles {leftovers_after_cycle or 'none'}; after SIGTERM "
          f"{final_left or 'none'} (target none: {'MET' if not final_left and not leftovers_after_cycle else 'NOT MET'})")
    banner("monitor_soak", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
