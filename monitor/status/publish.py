"""Build the status page from the configuration: ``monitor status-page --out DIR`` and ``/status/`` of ``monitor serve``.

Why its own module: the command and the server build the same page from the same settings
([run] browsers, [schedule] interval, [stats] alpha, [status] maintenance and show_location).
"""
from __future__ import annotations

import threading
import time
from typing import Any

from monitor.config import Config
from monitor.status.decide import StatusPage, decide
from monitor.status.facts import Maintenance
from monitor.status.gather import gather


def build(cfg: Config, *, now: float | None = None, verdicts_of: Any = None) -> StatusPage:
    """The page now, read-only from ``cfg.db_path`` (an unreadable store gives a page that says so)."""
    maintenance = tuple(Maintenance(start, end, text) for start, end, text in cfg.status_maintenance)
    facts = gather(cfg.db_path, browsers=cfg.browsers, interval=cfg.interval, alpha=cfg.alpha,
                   maintenance=maintenance, location=cfg.location if cfg.status_show_location else None,
                   now=now, busy_timeout=cfg.busy_timeout, verdicts_of=verdicts_of)
    return decide(facts)


class ServedPage:
    """The files ``monitor serve`` answers under ``/status/``, rebuilt at most every ``max_age`` seconds.

    Why: a public page is requested far more often than it changes (once a cycle, or when it turns
    stale); each build reads the window's records. Thread-safe (the server is threaded).
    ``verdicts_of``: the exporter's cached verdicts (``StoreCollector.verdicts``), so both say the same.
    """

    def __init__(self, cfg: Config, *, max_age: float, verdicts_of: Any = None) -> None:
        self.cfg, self.max_age, self.verdicts_of = cfg, max_age, verdicts_of
        self._lock = threading.Lock()
        self._built: tuple[float, dict[str, bytes]] | None = None

    def __call__(self) -> dict[str, bytes]:
        from monitor.status.render import files
        with self._lock:
            now = time.monotonic()
            if self._built is None or now - self._built[0] >= self.max_age:
                self._built = (now, files(build(self.cfg, verdicts_of=self.verdicts_of)))
            return self._built[1]
