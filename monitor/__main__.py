"""Synthetic monitor of the Extranet account-recovery journeys: python -m monitor {run,once,report,serve,status-page,check-config,calibrate,doctor}.

Exit codes (the same for every command, so cron, systemd and CI can act on them):
0 all good · 1 a journey failed on the target (failure or mail_not_received) ·
2 bad configuration or usage (nothing was started) · 3 the monitor itself failed
(store unusable, runner crashed or timed out, push failed) with no target failure.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from monitor.classify import EXIT_CONFIG, EXIT_PROBER
from monitor.commands import COMMANDS
from monitor.config import Config, ConfigError, load_config
from monitor.store.results_db import StoreError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=argparse.SUPPRESS, metavar="PATH",
                   help="TOML config file (default: $MONITOR_CONFIG, else built-in defaults)")
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH", help="results database (overrides [store] path)")
    p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS)
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)


def build_parser(prog: str = "python -m monitor") -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    _common(ap)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run cycles forever on the configured schedule, serving /metrics")
    _common(run)
    run.add_argument("--listen", metavar="HOST:PORT", help="exporter address (overrides [exporter] listen)")
    run.add_argument("--no-exporter", action="store_true", help="do not serve /metrics from this process")
    run.add_argument("--web.config.file", dest="web_config_file", metavar="PATH", type=Path,
                     help="TLS and basic auth for the exporter, Prometheus' web-config format "
                          "(overrides [exporter] web_config_file)")
    run.add_argument("--max-cycles", type=int, default=None, help=argparse.SUPPRESS)
    once = sub.add_parser("once", help="run one cycle (for CI); exit 1 if a journey failed")
    _common(once)
    once.add_argument("--junit-xml", metavar="PATH", type=Path, help="write a JUnit XML summary")
    once.add_argument("--json", metavar="PATH", type=Path, help="write a JSON summary")
    once.add_argument("--pushgateway", metavar="URL", help="push the cycle's metrics to this Pushgateway")
    once.add_argument("--browser", action="append", metavar="NAME", help="browser(s) for this run (overrides config)")
    once.add_argument("--journey", action="append", metavar="ID", help="journey id(s) expected in this run (overrides [run] journeys; "
                      "selection inside the child is [run] pytest_k)")
    rep = sub.add_parser("report", help="success-rate table in the terminal, and --html PATH")
    _common(rep)
    rep.add_argument("--html", metavar="PATH", type=Path, help="also write a static HTML report")
    rep.add_argument("--window", action="append", metavar="DURATION", help="window(s), e.g. 1h 24h 7d (overrides config)")
    rep.add_argument("--days", type=int, default=14, help="days in the per-day trend (default 14)")
    rep.add_argument("--failures", type=int, default=20, help="recent non-successes listed (default 20)")
    srv = sub.add_parser("serve", help="serve /metrics, /healthz and the status page /status/ from the store (no scheduling)")
    _common(srv)
    srv.add_argument("--listen", metavar="HOST:PORT", help="exporter address (overrides [exporter] listen)")
    srv.add_argument("--web.config.file", dest="web_config_file", metavar="PATH", type=Path,
                     help="TLS and basic auth for the exporter, Prometheus' web-config format "
                          "(overrides [exporter] web_config_file)")
    cal = sub.add_parser("calibrate", help="measure known per-engine failure rates (fault profile) and check the statistics")
    _common(cal)
    cal.add_argument("--browser", action="append", metavar="NAME",
                     help="engines to calibrate (default: every engine available here, WebKit included)")
    cal.add_argument("--rates", default=None, metavar="ENGINE=P,...",
                     help="injected failure probability per engine (default chromium=0.3,firefox=0.02[,webkit=0.2])")
    cal.add_argument("--cycles", type=int, default=20, help="real cycles per calibration = trials per engine (default 20)")
    cal.add_argument("--seed", type=int, default=42, help="seed of the extranet's fault RNG (default 42)")
    cal.add_argument("--equal-rate", type=float, default=None, metavar="P",
                     help="failure probability of every engine for the false-alarm estimate (default: mean of --rates)")
    cal.add_argument("--real-repeats", type=int, default=1, metavar="K",
                     help="real calibrations repeated under equal rates (slow: K × --cycles cycles; default 1, 0 = skip)")
    cal.add_argument("--simulations", type=int, default=2000, help="simulated repetitions (default 2000)")
    cal.add_argument("--alpha", type=float, default=None, help="significance level (default: [stats] alpha)")
    cal.add_argument("--continuous", action="store_true",
                     help="continuous monitoring: false alarms per week and detection delay, verdict read after "
                          "every cycle, old Fisher window vs the sequential test (simulated, then a short real run)")
    cal.add_argument("--weeks", type=int, default=1000, help="--continuous: simulated weeks (default 1000)")
    cal.add_argument("--journeys", type=int, default=8, help="--continuous: journeys per browser per cycle (default 8)")
    cal.add_argument("--real-cycles", type=int, default=8, metavar="N",
                     help="--continuous: real cycles, a jump half way (default 8, 0 = simulation only)")
    doc = sub.add_parser("doctor", help="open every screen the page objects know, read-only, and say which expected "
                                        "elements the target shows (exit 1 if one is missing)")
    _common(doc)
    doc.add_argument("--target-config", metavar="PATH", help="the target's TOML (default: SENTINEL_CONFIG, "
                     "else the reference extranet, started for the check)")
    doc.add_argument("--browser", action="append", metavar="NAME",
                     help="engine(s) to check with (default: [run] browsers, every engine)")
    doc.add_argument("--json", metavar="PATH", type=Path, help="also write the findings as JSON")
    stp = sub.add_parser("status-page", help="write the public status page (French HTML, status.json, one SVG badge per "
                                             "browser) from the store, read-only")
    _common(stp)
    stp.add_argument("--out", metavar="DIR", type=Path, required=True, help="folder to write the page into")
    chk = sub.add_parser("check-config", help="validate the configuration and print the effective values")
    _common(chk)
    return ap


def _config(args: argparse.Namespace) -> Config:
    """The file, then MONITOR_*, then these flags: one loader (monitor.config.load_config), one error form."""
    def given(name: str) -> object:
        value = getattr(args, name, None)
        return str(value) if isinstance(value, Path) else (value or None)

    return load_config(getattr(args, "config", None), flags={
        ("store", "path"): ("--db", given("db")),
        ("exporter", "listen"): ("--listen", given("listen")),
        ("exporter", "web_config_file"): ("--web.config.file", given("web_config_file")),
        ("run", "browsers"): ("--browser", given("browser")),
        ("run", "journeys"): ("--journey", given("journey")),
        ("pushgateway", "url"): ("--pushgateway", given("pushgateway")),
    })


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.WARNING if getattr(args, "quiet", False) else (
        logging.DEBUG if getattr(args, "verbose", 0) else logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: Sequence[str] | None = None, prog: str = "python -m monitor") -> int:
    """``prog``: how the usage names the command (``aparts-sentinel monitor`` from the console script)."""
    args = build_parser(prog).parse_args(argv)
    _setup_logging(args)
    try:
        cfg = _config(args)
        return COMMANDS[args.command](cfg, args)
    except ConfigError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_PROBER


if __name__ == "__main__":
    sys.exit(main())
