"""CPU-seconds of a pytest selection, every process it starts counted, optionally against another revision.

Why a subreaper: ``getrusage(RUSAGE_CHILDREN)`` (and ``/usr/bin/time``) counts only the processes
their parent reaped; a browser's helpers reparented to init when it closes are lost. This script
makes itself a child subreaper (as the monitor's cycle reaper does), runs pytest, then reaps every
orphan left, so the figure is the whole tree's user + system time. CPU-seconds barely depend on
the machine's load, wall time does: both are printed, with the load average.

    .venv/bin/python -m bench.suite_cpu -- tests/integration/test_leak_audit.py -k sessions
    .venv/bin/python -m bench.suite_cpu --against 0c779b9 --repeat 2 -- tests/integration/test_monitor_calibrate.py

``--against REV`` runs the same selection in ``git archive REV`` (same venv), alternated with this
tree (ABAB…). ``--against-env KEY=VALUE`` is added to that run's environment only (e.g. a revision
whose conftest registers the suite's plugin itself: ``PYTEST_ADDOPTS=-p no:aparts_sentinel``).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import PYTHON, ROOT, banner, loadavg
from monitor.cycle.reaper import set_subreaper


def run_once(tree: Path, args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU-seconds of the whole tree, pytest's exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen([PYTHON, "-m", "pytest", "-q", "-p", "no:randomly", *args], cwd=tree,
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code = proc.wait()
    while True:  # the orphans pytest's processes left are ours now: reap them, their CPU is counted then
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", metavar="REV", help="also run the selection at this git revision, alternated")
    ap.add_argument("--against-env", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("pytest_args", nargs="+", help="after --: what pytest runs")
    args = ap.parse_args(argv)
    set_subreaper()
    banner("suite_cpu")
    trees: list[tuple[str, Path, dict[str, str]]] = [("this tree", ROOT, {})]
    tmp = None
    if args.against:
        tmp = tempfile.TemporaryDirectory(prefix="suite-cpu-")
        other = Path(tmp.name)
        archive = subprocess.run(["git", "archive", args.against], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
        env = dict(kv.split("=", 1) for kv in args.against_env)
        trees.append((args.against, other, env))
    figures: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _, _ in trees}
    for i in range(args.repeat):
        for name, tree, env in trees:
            wall, cpu, code = run_once(tree, args.pytest_args, env)
            figures[name].append((wall, cpu, code))
            print(f"  run {i + 1} {name:>12}: {cpu:7.1f} CPU-s  {wall:7.1f} s wall  pytest exit {code}  "
                  f"load {loadavg()}", flush=True)
    for name, runs in figures.items():
        print(f"{name:>12}: median {statistics.median(c for _, c, _ in runs):.1f} CPU-s, "
              f"{statistics.median(w for w, _, _ in runs):.1f} s wall over {len(runs)} run(s)")
    banner("suite_cpu", "end")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
