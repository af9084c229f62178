"""The ``run`` loop: cycles on a ``schedule`` timetable, never overlapping, stoppable.

Why this shape:
* Cycles run in the main thread, one at a time, so they cannot overlap; ``schedule``
  computes the next run from the end of the previous one, so a slow cycle delays the next
  instead of piling runs up.
* Jitter (``every(a).to(b)``) spreads the load when several monitors probe one target.
* Between cycles the loop sleeps in ``Event.wait(idle_seconds)``: no busy-wait, and a
  SIGTERM wakes it at once. During a cycle the same stop request aborts the child's
  process group, the cycle is recorded as ``interrupted`` and the process exits.
"""
from __future__ import annotations

import logging
from typing import Callable

import schedule

from monitor.config import Config
from monitor.cycle.runner import CycleReport, CycleRunner, StopRequest
from monitor.store.results_db import Store, StoreCorruptError, StoreError

log = logging.getLogger("monitor.cycle.scheduler")


class Scheduler:
    def __init__(self, cfg: Config, store: Store, stop: StopRequest,
                 on_cycle: Callable[[CycleReport], None] | None = None,
                 on_store_error: Callable[[], None] | None = None) -> None:
        self.cfg = cfg
        self.store = store
        self.stop = stop
        self.runner = CycleRunner(cfg, store, stop)
        self.on_cycle = on_cycle
        self.on_store_error = on_store_error
        self.cycles_run = 0
        self.fatal: StoreError | None = None
        self._sched = schedule.Scheduler()

    def _cycle(self) -> None:
        if self.stop.is_set():
            return
        try:
            report = self.runner.run_cycle(mode="run")
            self.cycles_run += 1
            if self.on_cycle:
                self.on_cycle(report)
            done = self.store.apply_retention(
                results_max_age=self.cfg.results_max_age, artifacts_dir=self.cfg.artifacts_dir,
                artifacts_max_age=self.cfg.artifacts_max_age, artifacts_max_bytes=self.cfg.artifacts_max_bytes)
            if any(done.values()):
                log.info("retention: %s", done)
        except StoreCorruptError as exc:
            self.fatal = exc
            self.stop.request("store corrupt")
        except StoreError as exc:  # locked for longer than busy_timeout, disk full...: try next cycle
            log.error("store error, cycle skipped: %s", exc)
            if self.on_store_error:
                self.on_store_error()

    def _job(self) -> schedule.Job:
        interval, jitter = self.cfg.interval, self.cfg.jitter
        if jitter >= 1:
            lo, hi = max(1, round(interval - jitter)), round(interval + jitter)
            return self._sched.every(lo).to(hi).seconds.do(self._cycle)
        # schedule takes any number of seconds (it builds a timedelta); its annotation says int.
        return self._sched.every(interval).seconds.do(self._cycle)  # type: ignore[arg-type]

    def run_forever(self, max_cycles: int | None = None) -> int:
        """Loop until stopped (or ``max_cycles`` ran); return the number of cycles run."""
        log.info("monitor running: every %gs ± %gs, journeys %s, browsers %s", self.cfg.interval, self.cfg.jitter,
                 ",".join(self.cfg.journeys), ",".join(self.cfg.browsers))
        if self.cfg.run_at_start:
            self._cycle()
        self._job()  # scheduled after the first cycle, so the spacing is from its end
        while not self.stop.is_set() and (max_cycles is None or self.cycles_run < max_cycles):
            idle = self._sched.idle_seconds
            if idle is None:
                break
            if idle > 0:
                log.debug("idle for %.1fs", idle)
                if self.stop.wait(idle):
                    break
            self._sched.run_pending()
        self._sched.clear()
        log.info("monitor stopping (%s) after %d cycle(s)", self.stop.reason or "done", self.cycles_run)
        return self.cycles_run

