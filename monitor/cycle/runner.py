"""Run one monitoring cycle: the journeys as a pytest child process, under a hard timeout.

Why a child process: a hung browser (or a pytest stuck in a driver call) must never stall the
monitor. The child runs under :mod:`monitor.cycle.reaper`, a child subreaper in a new session:
on timeout or shutdown the group gets SIGTERM, and the reaper sends SIGTERM, then SIGKILL after
``kill_grace``, to every process below it, also the browsers, which Playwright starts in sessions
of their own (``killpg`` alone missed them). The reaper, hence this runner, returns only when the
whole tree is reaped, or names the pids that outlived SIGKILL (``ChildRun.survivors``): the next
cycle never shares the machine with the last one's browser. Waiting is event-driven: a thread
blocks in ``waitpid`` and sets an Event, which the stop request also sets, so there is no polling.

What gets recorded (see monitor.classify):
* the child's results file → one row per journey × browser for this attempt;
* no usable results file (crash, usage error) → every scheduled journey × browser is
  ``probe_error`` / ``runner_crashed``; timeout → ``probe_error`` / ``cycle_timeout``;
* failed runs are run again (attempt 2, …) selecting their pytest node ids;
* a stop request (SIGTERM) aborts the child; the cycle is marked ``interrupted`` and the
  aborted attempt records nothing (an operator stop is neither a target nor a prober failure).
"""
from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from fixtures.core.aria_store import DIR_ENV as ARIA_DIR_ENV
from fixtures.core.contract import JourneyResult, ResultsFileError, bounded_result, load_results
from fixtures.core.untrusted import neutralize_block
from fixtures.engines.remote import CONNECT_ENV, format_connect
from fixtures.services.lifeline import die_with_parent  # a SIGKILLed monitor leaves no child running
from monitor.classify import (
    CYCLE_TIMEOUT,
    RUNNER_CRASHED,
    SUCCESS,
    Run,
    aggregate,
    exit_code,
    fold_attempts,
    needs_retry,
    prober_failure,
)
from monitor.config import Config
from monitor.cycle import reaper
from monitor.store.results_db import Store

log = logging.getLogger("monitor.cycle.runner")

KILL_WAIT = 5.0
"""Seconds the reaper waits, after its SIGKILL, for the last processes to be reaped before naming them:
a killed process is gone in milliseconds unless it is stuck in the kernel (uninterruptible sleep)."""
REAPER_SLACK = 5.0
"""Seconds more for the reaper itself, a bound for a reaper that is stuck; never reached otherwise."""


class StopRequest:
    """A stop flag that wakes every waiter (the idle sleep and a running child's wait).

    Signal handlers must not call ``Event.set`` directly (it takes a lock the interrupted
    code may hold), so :meth:`install` hands the request to a short-lived thread.
    """

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason = ""
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def is_set(self) -> bool:
        return self.event.is_set()

    def request(self, reason: str = "stop requested") -> None:
        with self._lock:
            if not self.reason:
                self.reason = reason
            listeners = list(self._listeners)
        self.event.set()
        for cb in listeners:
            cb()

    def subscribe(self, cb: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(cb)
        if self.event.is_set():
            cb()

    def unsubscribe(self, cb: Callable[[], None]) -> None:
        with self._lock:
            if cb in self._listeners:
                self._listeners.remove(cb)

    def wait(self, timeout: float | None) -> bool:
        return self.event.wait(timeout)

    def install(self, signals: Sequence[int] = (signal.SIGTERM, signal.SIGINT)) -> None:
        def handler(signum: int, _frame: object) -> None:
            name = signal.Signals(signum).name
            threading.Thread(target=self.request, args=(f"{name} received",), daemon=True).start()
        for s in signals:
            signal.signal(s, handler)


@dataclass
class ChildRun:
    argv: list[str]
    returncode: int | None
    timed_out: bool
    aborted: bool
    seconds: float
    log_path: Path
    results: list[JourneyResult] | None = None
    error: str | None = None  # why the results are unusable
    survivors: tuple[str, ...] = ()  # "pid name" of each process that outlived SIGKILL (normally none)


@dataclass
class CycleReport:
    cycle_id: int
    status: str  # completed | timeout | interrupted
    started_at: float
    finished_at: float
    runs: list[Run] = field(default_factory=list)
    attempts: list[tuple[int, JourneyResult]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the monitor's own problems, human-readable

    @property
    def exit_code(self) -> int:
        from monitor.classify import EXIT_PROBER
        if self.status == "interrupted":
            return EXIT_PROBER
        return exit_code(self.runs)


def _expand(template: Sequence[str], scalars: dict[str, str], lists: dict[str, list[str]]) -> list[str]:
    """Expand the command template: '{targets}' alone becomes several arguments."""
    argv: list[str] = []
    for arg in template:
        name = arg[1:-1] if arg.startswith("{") and arg.endswith("}") else None
        if name in lists:
            argv.extend(lists[name])
        else:
            argv.append(arg.format(**scalars))
    return argv


def build_command(cfg: Config, *, results_json: Path, output_dir: Path, browsers: Sequence[str],
                  targets: Sequence[str], k_expr: str, journeys: Sequence[str] = ()) -> list[str]:
    scalars = {"python": cfg.python, "results_json": str(results_json), "output_dir": str(output_dir),
               "workdir": str(Path(cfg.workdir).resolve())}
    lists = {
        "targets": list(targets),
        "browser_args": [a for b in browsers for a in ("--browser", b)],
        "k_args": ["-k", k_expr] if k_expr else [],
        "journey_args": [a for j in journeys for a in ("--journey", j)],
    }
    return _expand(cfg.command, scalars, lists) + list(cfg.extra_args)


def child_env(cfg: Config) -> dict[str, str]:
    """What the child gets beside the monitor's environment: remote browser endpoints (off the logged
    command line: their path is a token) and where the last good accessibility snapshots live."""
    env = {ARIA_DIR_ENV: str(Path(cfg.aria_snapshots_dir).resolve())}
    if cfg.connect:
        env[CONNECT_ENV] = format_connect(cfg.connect)
    return env


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def reaped_command(argv: Sequence[str], *, kill_grace: float, report_fd: int) -> list[str]:
    """``argv`` run under the reaper (with the monitor's own interpreter: it needs only the stdlib)."""
    return [sys.executable, reaper.__file__, str(kill_grace), str(KILL_WAIT), str(report_fd), "--", *argv]


def _read_report(fd: int) -> tuple[str, ...]:
    """The reaper's survivors, read once it has exited (every writer is gone: the read ends)."""
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return tuple(line for line in b"".join(chunks).decode("ascii", "replace").splitlines() if line)


def describe_exit(returncode: int | None) -> str:
    """'exited with code 3' / 'was killed by SIGABRT' (pytest's own codes are named too)."""
    if returncode is None:
        return "did not start"
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    names = {2: " (pytest: interrupted)", 3: " (pytest: internal error)", 4: " (pytest: usage error)",
             5: " (pytest: no tests collected)"}
    return f"exited with code {returncode}{names.get(returncode, '')}"


def run_child(argv: list[str], *, cwd: Path, results_json: Path, log_path: Path, timeout: float,
              kill_grace: float, stop: StopRequest, env: dict[str, str] | None = None) -> ChildRun:
    """Start the child in its own session, wait for exit, timeout or stop; read its results.

    ``env`` is added to the monitor's environment: what must stay off the logged command line
    (remote browser endpoints, whose path is a token) travels there.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    results_json.unlink(missing_ok=True)
    start = time.monotonic()
    wake, exited = threading.Event(), threading.Event()
    report_r, report_w = os.pipe()
    try:
        with open(log_path, "wb") as out:
            out.write(("$ " + " ".join(argv) + "\n").encode())
            out.flush()
            try:
                proc = subprocess.Popen(reaped_command(argv, kill_grace=kill_grace, report_fd=report_w), cwd=cwd,
                                        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env={**os.environ, **env} if env else None, pass_fds=(report_w,),
                                        start_new_session=True, preexec_fn=die_with_parent())
            except OSError as exc:
                os.close(report_r)
                return ChildRun(argv, None, False, False, 0.0, log_path, error=f"could not start the child: {exc}")
    finally:
        os.close(report_w)

    def waiter() -> None:
        proc.wait()
        exited.set()
        wake.set()

    threading.Thread(target=waiter, name=f"wait-{proc.pid}", daemon=True).start()
    stop.subscribe(wake.set)
    try:
        wake.wait(max(0.0, timeout))
    finally:
        stop.unsubscribe(wake.set)
    timed_out = aborted = False
    survivors: tuple[str, ...] = ()
    if not exited.is_set():
        aborted = stop.is_set()
        timed_out = not aborted
        log.warning("child %d: %s, stopping its process tree", proc.pid, "stop requested" if aborted else f"timeout after {timeout:.0f}s")
        _kill_group(proc, signal.SIGTERM)  # the reaper takes it from there, down to every descendant
        # The reaper exits once its whole tree is reaped, within kill_grace + KILL_WAIT of the SIGTERM.
        # Past that (the reaper itself stuck), its group is SIGKILLed; what left the group may live on.
        if not exited.wait(kill_grace + KILL_WAIT + REAPER_SLACK):
            _kill_group(proc, signal.SIGKILL)
            exited.wait()
            survivors = (f"{proc.pid} reaper (stuck: what left its group may still run)",)
    survivors = survivors or _read_report(report_r)
    os.close(report_r)
    if survivors:
        log.error("child %d: processes outlived SIGKILL: %s", proc.pid, ", ".join(survivors))
    clean_log(log_path)
    run = ChildRun(argv, proc.returncode, timed_out, aborted, time.monotonic() - start, log_path,
                   survivors=survivors)
    if timed_out or aborted:
        return run
    try:
        # The child's records hold the target's text: bounded before the store, summaries and reports.
        run.results = [bounded_result(r) for r in load_results(results_json).results]
    except ResultsFileError as exc:
        run.error = f"child {describe_exit(proc.returncode)} without a usable results file: {exc}"
        return run
    if not run.results and proc.returncode not in (0, 1):
        run.error = f"child {describe_exit(proc.returncode)} and reported no result (see {log_path})"
        run.results = None
    return run


def clean_log(path: Path) -> None:
    """The child's log with every control, bidi and XML-invalid character shown as its escape.

    Why after the fact: the plugin cleans what it reports, but a child prints what pytest, Playwright
    or a browser prints; an operator who ``cat``s or ``tail``s the log must never run the target's
    escape sequences (``fixtures.core.untrusted``). Bytes that are not UTF-8 show as U+FFFD.
    """
    try:
        raw = path.read_bytes()
    except OSError:
        return
    text = raw.decode("utf-8", errors="replace")
    cleaned = neutralize_block(text)
    if cleaned.encode("utf-8") != raw:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(cleaned, encoding="utf-8")
        tmp.replace(path)


@dataclass(frozen=True)
class AttemptPlan:
    """What one child run covers: the journey × browser pairs expected, and how to select them."""

    pairs: tuple[tuple[str, str], ...]
    browsers: tuple[str, ...]
    targets: tuple[str, ...] = ("journeys",)  # pytest paths or node ids
    k_expr: str = ""

    @property
    def whole_suite(self) -> bool:
        return self.targets == ("journeys",)


def first_attempt(cfg: Config) -> AttemptPlan:
    """Attempt 1: every configured journey × browser, the whole suite selected by ``[run] pytest_k``."""
    return AttemptPlan(tuple((j, b) for j in cfg.journeys for b in cfg.browsers), tuple(cfg.browsers),
                       k_expr=cfg.pytest_k)


def plan_retry(previous: AttemptPlan, results: Sequence[JourneyResult], raw: Sequence[JourneyResult],
               retry_outcomes: Sequence[str]) -> AttemptPlan | None:
    """The next attempt, or None when nothing needs one. Pure: a decision, no I/O.

    ``results`` are the attempt's aggregated results (one per journey × browser), ``raw`` the
    child's per-test results. Only the failed tests are rerun, by node id, when every one of
    them has an id; otherwise the previous selection is rerun for the failed browsers.
    """
    retry = [r for r in results if needs_retry(r, retry_outcomes)]
    if not retry:
        return None
    pairs = tuple((r.journey, r.browser) for r in retry)
    browsers = tuple(sorted({r.browser for r in retry}))
    failed_tests = [r for r in raw if (r.journey, r.browser) in set(pairs) and r.outcome != SUCCESS]
    if failed_tests and all(r.test for r in failed_tests):
        return AttemptPlan(pairs, browsers, tuple(sorted({r.test for r in failed_tests})), "")
    return AttemptPlan(pairs, browsers, previous.targets, previous.k_expr)


class CycleRunner:
    """Runs cycles against one store; the scheduler and ``once`` both use it."""

    def __init__(self, cfg: Config, store: Store, stop: StopRequest | None = None) -> None:
        self.cfg = cfg
        self.store = store
        self.stop = stop or StopRequest()

    def run_cycle(self, mode: str = "run") -> CycleReport:
        cfg = self.cfg
        started = time.time()
        cid = self.store.start_cycle(cfg.journeys, cfg.browsers, mode=mode, now=started)
        report = CycleReport(cid, "completed", started, started)
        cycle_dir = (cfg.artifacts_dir / f"cycle-{cid:06d}").resolve()
        deadline = time.monotonic() + cfg.cycle_timeout
        plan = first_attempt(cfg)
        log.info("cycle %d: start (%s × %s)", cid, ",".join(cfg.journeys), ",".join(cfg.browsers))
        for attempt in range(1, cfg.retries + 2):
            adir = cycle_dir / f"attempt-{attempt}"
            argv = build_command(cfg, results_json=adir / "results.json", output_dir=adir / "output",
                                 browsers=plan.browsers, targets=plan.targets, k_expr=plan.k_expr,
                                 journeys=cfg.journeys if plan.whole_suite else ())
            child = run_child(argv, cwd=cfg.workdir, results_json=adir / "results.json", log_path=adir / "child.log",
                              timeout=deadline - time.monotonic(), kill_grace=cfg.kill_grace, stop=self.stop,
                              env=child_env(cfg))
            if child.survivors:
                report.errors.append(f"attempt {attempt}: outlived SIGKILL: " + ", ".join(child.survivors))
            if child.aborted:
                report.status = "interrupted"
                report.errors.append(f"attempt {attempt} aborted: {self.stop.reason}")
                break
            if child.timed_out or child.results is None:
                fclass = CYCLE_TIMEOUT if child.timed_out else RUNNER_CRASHED
                msg = (f"cycle timeout ({cfg.cycle_timeout:.0f}s) reached during attempt {attempt}" if child.timed_out
                       else child.error or "runner crashed")
                results = [dataclasses.replace(r, artifacts=(str(child.log_path),))
                           for r in prober_failure(plan.pairs, fclass, msg)]
                self.store.record_attempt(cid, attempt, results, budgets=cfg.budgets)
                self.store.record_cycle_error(fclass)
                report.attempts += [(attempt, r) for r in results]
                report.errors.append(msg)
                if child.timed_out:
                    report.status = "timeout"
                break
            raw = [self._absolute_artifacts(r) for r in child.results]
            if attempt > 1:  # keep only what was retried (a fallback rerun may report more)
                wanted = set(plan.pairs)
                raw = [r for r in raw if (r.journey, r.browser) in wanted]
            results = aggregate(raw)
            reported = {(r.journey, r.browser) for r in results}
            missing = [p for p in plan.pairs if p not in reported]
            if missing:
                self.store.record_cycle_error("missing_result", len(missing))
                report.errors.append(f"attempt {attempt}: no result for " + ", ".join(f"{j}/{b}" for j, b in missing))
            self.store.record_attempt(cid, attempt, results, budgets=cfg.budgets)
            report.attempts += [(attempt, r) for r in results]
            retry = plan_retry(plan, results, raw, cfg.retry_outcomes)
            if retry is None or attempt > cfg.retries:
                break
            if self.stop.is_set() or time.monotonic() >= deadline:
                break
            log.info("cycle %d: retrying %d run(s) as attempt %d", cid, len(retry.pairs), attempt + 1)
            plan = retry
        report.runs = fold_attempts(report.attempts)
        report.finished_at = time.time()
        message = "; ".join(report.errors)[:2000] or None
        self.store.finish_cycle(cid, report.status, message, now=report.finished_at)
        log.info("cycle %d: %s in %.1fs (%s)", cid, report.status, report.finished_at - started,
                 ", ".join(f"{r.journey}/{r.browser}={r.final}{' (flaky)' if r.flaky else ''}" for r in report.runs) or "no runs")
        return report

    def _absolute_artifacts(self, r: JourneyResult) -> JourneyResult:
        """The child reports paths relative to its working directory; store absolute ones."""
        if not r.artifacts:
            return r
        paths = tuple(a if os.path.isabs(a) else str((self.cfg.workdir / a).resolve()) for a in r.artifacts)
        return dataclasses.replace(r, artifacts=paths)
