"""``python -m monitor doctor``: which of the page objects' expectations a target meets, before the first run.

Why a child ``pytest``: the doctor must open the screens in the engines exactly as the journeys
do (the plugin's browsers, WebKitGTK through its inspector) and the monitor never imports the page
objects (docs/ARCHITECTURE.md). The child runs ``fixtures/doctor/test_target_doctor.py`` once per
engine, read-only (no form submitted, no login: the screens that need one are listed as not
opened), and writes ``fixtures.core.doctor_report`` JSON; this module prints the table and sets the
exit code: 0 every expected element found, 1 something missing or a screen that did not open,
3 the doctor itself could not run (no report).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from fixtures.core.doctor_report import DoctorReport, healthy, render
from monitor.classify import EXIT_OK, EXIT_PROBER, EXIT_TARGET_FAILED
from monitor.config import Config

#: The browser side: a test file of the fixtures package, found where Python imports it from (a checkout
#: or site-packages); the child runs in a folder of its own, with its options on its command line.
DOCTOR_TEST = Path(str(resources.files("fixtures.doctor") / "test_target_doctor.py"))
DIR_ENV = "SENTINEL_DOCTOR_DIR"  # fixtures/doctor/test_target_doctor.py reads it
TIMEOUT_SECONDS = 600.0


def doctor_command(cfg: Config, args: argparse.Namespace) -> list[str]:
    argv = [cfg.python, "-m", "pytest", str(DOCTOR_TEST), "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
            "--rootdir", str(args.work), "--no-aria-snapshots", "--tracing=off", "--screenshot=off",
            "--output", str(Path(args.work) / "output")]
    if args.target_config:
        argv += ["--target-config", str(Path(args.target_config).resolve())]
    for browser in args.browser or cfg.browsers:
        argv += ["--browser", browser]
    return argv


def cmd_doctor(cfg: Config, args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="monitor-doctor-") as work:
        args.work = work
        argv = doctor_command(cfg, args)
        try:
            child = subprocess.run(argv, cwd=work, env={**os.environ, DIR_ENV: work}, capture_output=True,
                                   text=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            print(f"monitor doctor: the doctor did not finish in {TIMEOUT_SECONDS:.0f} s", file=sys.stderr)
            return EXIT_PROBER
        reports = [DoctorReport.read(p) for p in sorted(Path(work).glob("doctor-*.json"))]
        if not reports:
            tail = "\n".join((child.stdout + child.stderr).strip().splitlines()[-25:])
            print(f"monitor doctor: no report was written (pytest exit {child.returncode}); its output ends with:\n"
                  f"{tail}", file=sys.stderr)
            return EXIT_PROBER
    for line in render(reports):
        print(line)
    if args.json:
        args.json.write_text(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=1), encoding="utf-8")
    return EXIT_OK if healthy(reports) else EXIT_TARGET_FAILED
