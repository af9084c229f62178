"""The monitor's commands (``run``, ``once``, ``report``, ``serve``, ``check-config``, ``calibrate``).

Each takes the validated ``Config`` and the parsed arguments and returns the exit code;
``monitor.__main__`` only parses and dispatches to them.
"""
from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from pathlib import Path

from monitor.classify import EXIT_PROBER
from monitor.config import Config, ConfigError, format_duration, parse_duration
from monitor.cycle.runner import CycleRunner, StopRequest
from monitor.doctor import cmd_doctor
from monitor.report.cycle_summary import summary_text, write_json, write_junit
from monitor.store.results_db import Store

log = logging.getLogger("monitor")


WEB_CONFIG_KEY = "[exporter] web_config_file (--web.config.file)"


def _door(cfg: Config):  # -> WebDoor | None
    """The exporter's TLS and basic auth from the web-config file, checked now (a bad file: exit 2)."""
    if cfg.web_config_file is None:
        return None
    from monitor.export.web_config import WebDoor, load_web_config
    return WebDoor(load_web_config(cfg.web_config_file, WEB_CONFIG_KEY), WEB_CONFIG_KEY)


def open_door_warning(host: str, door: object | None) -> str | None:
    """What an exporter reachable from other machines lacks, or None (loopback, or TLS and auth are on)."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    config = getattr(door, "config", None)
    missing = [what for what, there in (("TLS", config is not None and config.tls is not None),
                                        ("basic auth", config is not None and bool(config.users))) if not there]
    if not missing:
        return None
    return (f"the exporter listens on {host} (not loopback) without {' or '.join(missing)}: whoever reaches "
            "this address reads /metrics and the pages; give --web.config.file (or [exporter] web_config_file), "
            "see docs/operators.md § The monitor's own door")


def _exporter(cfg: Config, errors: object | None = None):  # -> ExporterServer
    from monitor.export.exporter import ExporterServer, StoreCollector
    collector = StoreCollector(cfg.db_path, journeys=cfg.journeys, browsers=cfg.browsers,
                               busy_timeout=cfg.busy_timeout, errors=errors,  # type: ignore[arg-type]
                               interval=cfg.interval, alpha=cfg.alpha)
    door = _door(cfg)
    warning = open_door_warning(cfg.listen_host, door)
    if warning:
        log.warning(warning)
    from monitor.export.exporter import STATUS_MAX_AGE
    from monitor.status.publish import ServedPage
    status = ServedPage(cfg, max_age=STATUS_MAX_AGE / 2, verdicts_of=collector.verdicts)
    try:
        return ExporterServer(collector, cfg.listen_host, cfg.listen_port, door=door, status=status)
    except OSError as exc:
        raise ConfigError("[exporter] listen", f"cannot listen on {cfg.listen_host}:{cfg.listen_port} ({exc.strerror})",
                          "choose a free port, or stop what is using it") from None


def cmd_run(cfg: Config, args: argparse.Namespace) -> int:
    from monitor.accounts_plan import refuse_captcha_ask
    refuse_captcha_ask(cfg)  # no person at the keyboard to type a code
    from fixtures.target.quota import plan_headline
    from monitor.accounts_plan import account_plans
    from monitor.cycle.scheduler import Scheduler
    from monitor.export.exporter import InProcessErrors
    plans, why = account_plans(cfg)  # said before the first cycle spends any quota
    headline = why or plan_headline(plans)
    if headline:
        (log.warning if any(not p.ok for p in plans) else log.info)("%s", headline)
    for plan in plans:
        (log.info if plan.ok else log.warning)("%s", plan.line())
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
    from monitor.accounts_plan import refuse_captcha_ask
    refuse_captcha_ask(cfg)  # no person at the keyboard to type a code
    from monitor.export.push import PushgatewayError, check_reachable, push_cycle
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
            write_json(report, args.json, cfg.location, cfg.budgets)
        if cfg.pushgateway_url:
            try:
                push_cycle(cfg.pushgateway_url, cfg.pushgateway_job, report, cfg.pushgateway_timeout,
                           cfg.pushgateway_instance, cfg.location, cfg.budgets)
            except PushgatewayError as exc:
                store.record_cycle_error("pushgateway_error")
                print(f"monitor: {exc}", file=sys.stderr)
                code = code or EXIT_PROBER
        store.apply_retention(results_max_age=cfg.results_max_age, artifacts_dir=cfg.artifacts_dir,
                              artifacts_max_age=cfg.artifacts_max_age, artifacts_max_bytes=cfg.artifacts_max_bytes)
        print(summary_text(report, cfg.location, cfg.budgets))
        return code
    finally:
        store.close()


def cmd_report(cfg: Config, args: argparse.Namespace) -> int:
    from monitor.report.history_html import write_html
    from monitor.report.history_model import compute
    from monitor.report.history_text import render_text
    windows = [parse_duration(w, "--window") for w in args.window] if args.window else list(cfg.windows)
    with Store.open_reader(cfg.db_path, busy_timeout=cfg.busy_timeout) as store:
        data = compute(store, windows, browsers=cfg.browsers, alpha=cfg.alpha, days=args.days, failures=args.failures,
                       location=cfg.location, interval=cfg.interval)
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


def cmd_status_page(cfg: Config, args: argparse.Namespace) -> int:
    """Write the public status page into ``--out`` (read-only on the store); exit 3 when the store could not
    be read (the page is written all the same, and says so)."""
    from monitor.status.publish import build
    from monitor.status.render import write
    page = build(cfg)
    written = write(page, args.out)
    print(f"status page written to {args.out} ({', '.join(p.name for p in written)}): {page.overall}, data {page.data}")
    return EXIT_PROBER if page.data == "unreadable" else 0


def cmd_check_config(cfg: Config, args: argparse.Namespace) -> int:
    from monitor.accounts_plan import refuse_captcha_ask
    refuse_captcha_ask(cfg)  # no person at the keyboard to type a code
    print(f"configuration OK (from {cfg.source}{'; env: ' + ', '.join(cfg.overrides) if cfg.overrides else ''})")
    print(f"  location: {cfg.location or '(not set: a single location)'}")
    print(f"  schedule: every {format_duration(cfg.interval)} ± {format_duration(cfg.jitter)}, run at start: {cfg.run_at_start}")
    print(f"  journeys: {', '.join(cfg.journeys)}; browsers: {', '.join(cfg.browsers)}; retries: {cfg.retries} "
          f"({', '.join(cfg.retry_outcomes)}); cycle timeout {format_duration(cfg.cycle_timeout)}")
    if cfg.connect:
        from fixtures.engines.remote import public_endpoint
        print("  remote browsers: " + ", ".join(f"{e} (remote: {public_endpoint(u)})" for e, u in cfg.connect.items()))
    print(f"  store: {cfg.db_path}; artifacts: {cfg.artifacts_dir}")
    door = _door(cfg)
    print(f"  exporter: {cfg.listen_host}:{cfg.listen_port}, "
          f"{door.config.describe() if door else 'plain HTTP, no basic auth'}; "
          f"windows: {', '.join(format_duration(w) for w in cfg.windows)}")
    warning = open_door_warning(cfg.listen_host, door)
    if warning:
        print(f"  warning: {warning}")
    from monitor.accounts_plan import account_plan_lines
    for line in account_plan_lines(cfg):
        print(f"  {line}")
    return 0


def cmd_calibrate(cfg: Config, args: argparse.Namespace) -> int:
    if args.continuous:
        return cmd_calibrate_continuous(cfg, args)
    from fixtures.core.outcomes import ServiceStartError
    from monitor.calibration.calibrate import CalibrationError, calibrate, parse_rates
    default = {"chromium": 0.3, "firefox": 0.02, "webkit": 0.2}
    if not args.browser:  # three engines where WebKit runs: Holm's correction then matters
        from fixtures.engines.resolve import resolve_all
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


def cmd_calibrate_continuous(cfg: Config, args: argparse.Namespace) -> int:
    """The verdict read after every cycle: Fisher's window vs the sequential test (monitor.calibration.continuous)."""
    from fixtures.core.outcomes import ServiceStartError
    from monitor.calibration.continuous import run_continuous
    alpha = args.alpha if args.alpha is not None else cfg.alpha
    if args.weeks < 1 or args.journeys < 1 or args.real_cycles < 0 or not 0 < alpha < 0.5:
        raise ConfigError("calibrate --continuous", "--weeks and --journeys must be ≥ 1, --real-cycles ≥ 0, "
                          "--alpha in (0, 0.5)", "e.g. --weeks 1000 --journeys 8 --real-cycles 8 --alpha 0.05")
    stop = StopRequest()
    stop.install()
    try:
        run_continuous(cfg, weeks=args.weeks, journeys=args.journeys, alpha=alpha, real_cycles=args.real_cycles,
                       seed=args.seed, db=getattr(args, "db", None), progress=log.info, stop=stop)
    except ServiceStartError as exc:
        print(f"monitor: calibration could not start its reference extranet: {exc}", file=sys.stderr)
        return EXIT_PROBER
    return EXIT_PROBER if stop.is_set() else 0


COMMANDS = {"calibrate": cmd_calibrate, "run": cmd_run, "once": cmd_once, "report": cmd_report, "serve": cmd_serve,
            "check-config": cmd_check_config, "doctor": cmd_doctor, "status-page": cmd_status_page}
