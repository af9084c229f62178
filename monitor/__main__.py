"""Synthetic monitor of the Extranet account-recovery journeys: python -m monitor {run,once,report,serve,check-config,calibrate}.

Exit codes (the same for every command, so cron, systemd and CI can act on them):
0 all good · 1 a journey failed on the target (failure or mail_not_received) ·
2 bad configuration or usage (nothing was started) · 3 the monitor itself failed
(store unusable, runner crashed or timed out, push failed) with no target failure.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Sequence

from fixtures.outcomes import NOT_RUN_OUTCOMES, TARGET_FAILURES
from fixtures.signature import junit_properties
from monitor.classify import EXIT_CONFIG, EXIT_PROBER
from monitor.config import Config, ConfigError, format_duration, load_config, parse_duration
from monitor.runner import CycleReport, CycleRunner, StopRequest
from monitor.store import Store, StoreError

log = logging.getLogger("monitor")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=argparse.SUPPRESS, metavar="PATH",
                   help="TOML config file (default: $MONITOR_CONFIG, else built-in defaults)")
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH", help="results database (overrides [store] path)")
    p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS)
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m monitor", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    _common(ap)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run cycles forever on the configured schedule, serving /metrics")
    _common(run)
    run.add_argument("--listen", metavar="HOST:PORT", help="exporter address (overrides [exporter] listen)")
    run.add_argument("--no-exporter", action="store_true", help="do not serve /metrics from this process")
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
    srv = sub.add_parser("serve", help="serve /metrics and /healthz from the store (no scheduling)")
    _common(srv)
    srv.add_argument("--listen", metavar="HOST:PORT", help="exporter address (overrides [exporter] listen)")
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
    chk = sub.add_parser("check-config", help="validate the configuration and print the effective values")
    _common(chk)
    return ap


def _config(args: argparse.Namespace) -> Config:
    cfg = load_config(getattr(args, "config", None))
    if getattr(args, "db", None):
        cfg.db_path = Path(args.db)
    if getattr(args, "listen", None):
        from monitor.config import _parse_listen
        cfg.listen_host, cfg.listen_port = _parse_listen(args.listen, "--listen")
    if getattr(args, "browser", None):
        cfg.browsers = tuple(args.browser)
    if getattr(args, "journey", None):
        cfg.journeys = tuple(args.journey)
    if getattr(args, "pushgateway", None):
        cfg.pushgateway_url = args.pushgateway
    from monitor.config import validate
    return validate(cfg)


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.WARNING if getattr(args, "quiet", False) else (
        logging.DEBUG if getattr(args, "verbose", 0) else logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _exporter(cfg: Config, errors: object | None = None):  # -> ExporterServer
    from monitor.exporter import ExporterServer, StoreCollector
    collector = StoreCollector(cfg.db_path, journeys=cfg.journeys, browsers=cfg.browsers,
                               busy_timeout=cfg.busy_timeout, errors=errors)  # type: ignore[arg-type]
    try:
        return ExporterServer(collector, cfg.listen_host, cfg.listen_port)
    except OSError as exc:
        raise ConfigError("[exporter] listen", f"cannot listen on {cfg.listen_host}:{cfg.listen_port} ({exc.strerror})",
                          "choose a free port, or stop what is using it") from None


# --- commands ----------------------------------------------------------------------
def cmd_run(cfg: Config, args: argparse.Namespace) -> int:
    from monitor.exporter import InProcessErrors
    from monitor.scheduler import Scheduler
    errors = InProcessErrors()
    store = Store.open_writer(cfg.db_path, busy_timeout=cfg.busy_timeout)
    server = None
    try:
        if not args.no_exporter:
            server = _exporter(cfg, errors).start()
        stop = StopRequest()
        stop.install()
        sched = Scheduler(cfg, store, stop, on_store_error=lambda: errors.inc("store_error"))
        sched.run_forever(max_cycles=args.max_cycles)
        if sched.fatal:
            print(f"monitor: {sched.fatal}", file=sys.stderr)
            return EXIT_PROBER
        return 0
    finally:
        if server:
            server.stop()
        store.close()


def cmd_once(cfg: Config, args: argparse.Namespace) -> int:
    from monitor.push import PushgatewayError, check_reachable, push_cycle
    if cfg.pushgateway_url:
        try:
            check_reachable(cfg.pushgateway_url, cfg.pushgateway_timeout)
        except PushgatewayError as exc:
            raise ConfigError("--pushgateway / [pushgateway] url", str(exc).split(";")[0],
                              "start the Pushgateway, correct the URL, or leave it out to skip the push") from None
    store = Store.open_writer(cfg.db_path, busy_timeout=cfg.busy_timeout)
    try:
        stop = StopRequest()
        stop.install()
        report = CycleRunner(cfg, store, stop).run_cycle(mode="once")
        code = report.exit_code
        if args.junit_xml:
            write_junit(report, args.junit_xml)
        if args.json:
            write_json(report, args.json, cfg.location)
        if cfg.pushgateway_url:
            try:
                push_cycle(cfg.pushgateway_url, cfg.pushgateway_job, report, cfg.pushgateway_timeout,
                           cfg.pushgateway_instance, cfg.location)
            except PushgatewayError as exc:
                store.record_cycle_error("pushgateway_error")
                print(f"monitor: {exc}", file=sys.stderr)
                code = code or EXIT_PROBER
        store.apply_retention(results_max_age=cfg.results_max_age, artifacts_dir=cfg.artifacts_dir,
                              artifacts_max_age=cfg.artifacts_max_age, artifacts_max_bytes=cfg.artifacts_max_bytes)
        print(summary_text(report, cfg.location))
        return code
    finally:
        store.close()


def cmd_report(cfg: Config, args: argparse.Namespace) -> int:
    from monitor.report import compute, render_text, write_html
    windows = [parse_duration(w, "--window") for w in args.window] if args.window else list(cfg.windows)
    with Store.open_reader(cfg.db_path, busy_timeout=cfg.busy_timeout) as store:
        data = compute(store, windows, browsers=cfg.browsers, alpha=cfg.alpha, days=args.days, failures=args.failures,
                       location=cfg.location)
    sys.stdout.write(render_text(data))
    if args.html:
        write_html(data, args.html)
        print(f"HTML report written to {args.html}")
    return 0


def cmd_serve(cfg: Config, args: argparse.Namespace) -> int:
    server = _exporter(cfg)
    stop = StopRequest()
    stop.install()
    server.start()
    stop.wait(None)
    server.stop()
    return 0


def cmd_check_config(cfg: Config, args: argparse.Namespace) -> int:
    print(f"configuration OK (from {cfg.source}{'; env: ' + ', '.join(cfg.overrides) if cfg.overrides else ''})")
    print(f"  location: {cfg.location or '(not set: a single location)'}")
    print(f"  schedule: every {format_duration(cfg.interval)} ± {format_duration(cfg.jitter)}, run at start: {cfg.run_at_start}")
    print(f"  journeys: {', '.join(cfg.journeys)}; browsers: {', '.join(cfg.browsers)}; retries: {cfg.retries} "
          f"({', '.join(cfg.retry_outcomes)}); cycle timeout {format_duration(cfg.cycle_timeout)}")
    print(f"  store: {cfg.db_path}; artifacts: {cfg.artifacts_dir}")
    print(f"  exporter: {cfg.listen_host}:{cfg.listen_port}; windows: {', '.join(format_duration(w) for w in cfg.windows)}")
    return 0


# --- CI summaries ------------------------------------------------------------------
def summary_text(report: CycleReport, location: str = "") -> str:
    where = f" at {location}" if location else ""
    lines = [f"cycle {report.cycle_id}{where}: {report.status} in {report.finished_at - report.started_at:.1f}s"]
    last = {(r.journey, r.browser): r for _, r in report.attempts}
    for r in report.runs:
        extra = " (flaky: passed on retry)" if r.flaky else ""
        if r.final in NOT_RUN_OUTCOMES:  # on purpose: the reason, and why in a sentence
            why = last[(r.journey, r.browser)].message
            lines.append(f"  {r.journey:<6} {r.browser:<9} not run ({r.failure_class})" + (f": {why}" if why else ""))
            continue
        fc = f" [{r.failure_class}]" if r.failure_class and r.final != "success" else ""
        signatures = last[(r.journey, r.browser)].signatures if r.final != "success" else ()
        why = f": {signatures[0].line}" if signatures else ""  # where and why it failed
        lines.append(f"  {r.journey:<6} {r.browser:<9} {r.final}{fc}{extra}{why}")
    lines += [f"  monitor error: {e}" for e in report.errors]
    return "\n".join(lines)


def summary_dict(report: CycleReport, location: str = "") -> dict:
    return {
        "location": location or None,  # null: no [monitor] location configured
        "cycle_id": report.cycle_id, "status": report.status, "exit_code": report.exit_code,
        "started_at": report.started_at, "finished_at": report.finished_at, "errors": report.errors,
        "runs": [{"journey": r.journey, "browser": r.browser, "first_outcome": r.first, "final_outcome": r.final,
                  "attempts": r.attempts, "flaky": r.flaky, "failure_class": r.failure_class} for r in report.runs],
        "attempts": [{"attempt": a, **r.to_dict()} for a, r in report.attempts],
    }


def write_json(report: CycleReport, path: Path, location: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary_dict(report, location), indent=1, ensure_ascii=False), encoding="utf-8")


def write_junit(report: CycleReport, path: Path) -> None:
    """One testsuite per browser, one testcase per journey; probe errors are <error>, not <failure>."""
    last = {}
    for attempt, r in report.attempts:
        last[(r.journey, r.browser)] = (attempt, r)
    root = ET.Element("testsuites", name="extranet-monitor")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for browser in sorted({r.browser for r in report.runs}):
        runs = [r for r in report.runs if r.browser == browser]
        suite = ET.SubElement(root, "testsuite", name=browser)
        counts = {"tests": len(runs), "failures": 0, "errors": 0, "skipped": 0}
        for run in runs:
            _, res = last[(run.journey, run.browser)]
            case = ET.SubElement(suite, "testcase", classname=f"extranet.{browser}", name=run.journey,
                                 time=f"{res.duration_seconds:.3f}")
            props = ET.SubElement(case, "properties")
            for k, v in (("first_outcome", run.first), ("final_outcome", run.final), ("attempts", run.attempts),
                         ("flaky", str(run.flaky).lower())):
                ET.SubElement(props, "property", name=k, value=str(v))
            for k, v in junit_properties(res.signatures[0] if res.signatures else None):
                ET.SubElement(props, "property", name=k, value=v)
            # The signature's line says where and why; the exception's message is its last part.
            msg = (res.signatures[0].line if res.signatures else None) or res.message or res.failure_class or run.final
            if run.final in TARGET_FAILURES:
                counts["failures"] += 1
                ET.SubElement(case, "failure", type=res.failure_class or run.final, message=msg).text = msg
            elif run.final == "probe_error":
                counts["errors"] += 1
                ET.SubElement(case, "error", type=res.failure_class or "probe_error", message=msg).text = msg
            elif run.final in NOT_RUN_OUTCOMES:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", type=res.failure_class or run.final, message=msg)
            if res.artifacts:
                ET.SubElement(case, "system-out").text = "\n".join(f"[[ATTACHMENT|{a}]]" for a in res.artifacts)
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def cmd_calibrate(cfg: Config, args: argparse.Namespace) -> int:
    from fixtures.outcomes import ServiceStartError
    from monitor.calibrate import CalibrationError, calibrate, parse_rates
    default = {"chromium": 0.3, "firefox": 0.02, "webkit": 0.2}
    if not args.browser:  # three engines where WebKit runs: Holm's correction then matters
        from fixtures.engines import resolve_all
        cfg.browsers = tuple(name for name, engine in resolve_all().items() if engine.available)
    try:
        rates = parse_rates(args.rates or ",".join(f"{b}={default[b]}" for b in cfg.browsers), cfg.browsers)
        if args.cycles < 1 or args.real_repeats < 0 or args.simulations < 0:
            raise CalibrationError("--cycles must be ≥ 1, --real-repeats and --simulations ≥ 0")
        equal = args.equal_rate if args.equal_rate is not None else sum(rates.values()) / len(rates)
        if not 0 <= equal <= 1:
            raise CalibrationError(f"--equal-rate {equal} is not a probability")
        alpha = args.alpha if args.alpha is not None else cfg.alpha
        if not 0 < alpha < 0.5:
            raise CalibrationError(f"--alpha {alpha} is out of range: use e.g. 0.05")
    except CalibrationError as exc:
        raise ConfigError("calibrate", str(exc), "see python -m monitor calibrate --help") from None
    stop = StopRequest()
    stop.install()
    try:
        calibrate(cfg, failure_rates=rates, cycles=args.cycles, seed=args.seed, equal_rate=equal,
                  real_repeats=args.real_repeats, simulations=args.simulations, alpha=alpha,
                  db=Path(args.db) if getattr(args, "db", None) else None, progress=log.info, stop=stop)
    except ServiceStartError as exc:
        print(f"monitor: calibration could not start its reference extranet: {exc}", file=sys.stderr)
        return EXIT_PROBER
    return EXIT_PROBER if stop.is_set() else 0


COMMANDS = {"calibrate": cmd_calibrate, "run": cmd_run, "once": cmd_once, "report": cmd_report, "serve": cmd_serve, "check-config": cmd_check_config}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
