"""Build the status page from the configuration: ``monitor status-page --out DIR`` and ``/status/`` of ``monitor serve``.

Why its own module: the command and the server build the same page from the same settings
([run] browsers, [schedule] interval, [stats] alpha, [status] maintenance and show_location).
"""
from __future__ import annotations

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
