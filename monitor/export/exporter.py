"""Prometheus exporter: a custom Collector that reads the store at every scrape.

Why read the store instead of keeping prometheus_client metrics in memory: counters then
survive restarts (they are persisted with the rows they count, see monitor.store.results_db), the
exporter can run as its own process (``python -m monitor serve``) beside the scheduler,
and what Prometheus sees is exactly what the reports read.

Naming follows blackbox_exporter: ``probe_success`` is about the *target*. When the
monitor itself breaks (runner crash, timeout, Mailpit down), the attempt is a
``probe_error``: ``probe_success`` keeps the last verdict about the target and
``extranet_journey_probe_error`` turns to 1, and the reason is counted in
``extranet_monitor_cycle_errors_total{reason}``. Labels are journey ids, browser engine
names, outcomes and fixed reasons only: never an address, an identifier or a URL.
"""
from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator, Sequence

from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from fixtures.core.outcomes import OUTCOMES
from monitor.cycle.classify import CYCLE_ERROR_REASONS
from monitor.export import metrics
from monitor.export.metrics import bucket_label, label_key
from monitor.store.results_db import CYCLE_STATUSES, Store, StoreError

log = logging.getLogger("monitor.export.exporter")


class InProcessErrors:
    """Self-errors that cannot be written to the store (because the store is the problem)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[str, float] = {}

    def inc(self, reason: str) -> None:
        with self._lock:
            self.counts[reason] = self.counts.get(reason, 0) + 1

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self.counts)


Rows = list[tuple[str, dict[str, str], float]]


class StoreCollector(Collector):
    """Builds every metric family of ``monitor.export.metrics.EXPORTED`` from the store's counters and gauges."""

    def __init__(self, db_path: Path, *, journeys: Sequence[str] = (), browsers: Sequence[str] = (),
                 busy_timeout: float = 5.0, errors: InProcessErrors | None = None, interval: float = 900.0,
                 alpha: float = 0.05) -> None:
        self.db_path = Path(db_path)
        self.interval, self.alpha = interval, alpha  # the sequential verdict's design (cycle length, α per week)
        self.journeys, self.browsers = list(journeys), list(browsers)
        self.busy_timeout = busy_timeout
        self.errors = errors or InProcessErrors()

    def describe(self) -> list[Metric]:
        return []  # no scrape at registration time

    def collect(self) -> Iterator[Metric]:
        try:
            with Store.open_reader(self.db_path, busy_timeout=self.busy_timeout) as store:
                counters = store.counters()
                gauges = store.gauges()
                difference = self._difference(store)
        except StoreError as exc:
            log.error("scrape: %s", exc)
            yield _family(metrics.STORE_UP, {(): 0.0})
            yield self._counter(metrics.CYCLE_ERRORS, self._with_in_process_errors([]))
            return
        yield _family(metrics.STORE_UP, {(): 1.0})
        counters = self._with_in_process_errors(counters)
        gauge_rows: Rows = [(name, labels, value) for name, labels, value, _ts in gauges]
        for metric in metrics.EXPORTED:
            if metric.kind == "histogram":
                yield _histogram(metric, counters)
            elif metric.kind == "counter":
                yield self._counter(metric, counters)
            elif metric.key:
                yield _family(metric, {_values(metric, labels): value
                                       for name, labels, value in gauge_rows if name == metric.key})
            elif metric in difference:
                yield _family(metric, difference[metric])

    def _difference(self, store: Store) -> dict[metrics.Metric, dict[tuple[str, ...], float]]:
        """The sequential verdicts (between browsers, and each browser against its own past) and their alerts."""
        from monitor.stats.browser_difference import (
            alert_by_direction,
            design_for,
            evaluate,
            evidence_by_direction,
            read_cycles,
        )
        from monitor.stats.degradation import evaluate_degradation
        browsers = self.browsers or sorted({row[3] for row in store.first_outcomes(since=time.time() - 86400)})
        design = design_for(self.interval, self.alpha, max(2, len(browsers)))
        cycles = read_cycles(store, design, time.time())
        verdicts = evaluate(cycles, browsers, design)
        own = evaluate_degradation(cycles, browsers, self.interval)
        evidence: dict[tuple[str, ...], float] = dict(sorted(evidence_by_direction(verdicts).items()))
        alert: dict[tuple[str, ...], float] = dict(sorted(alert_by_direction(verdicts).items()))
        threshold: dict[tuple[str, ...], float] = {(): own.browsers[0].threshold} if own.browsers else {}
        return {metrics.BROWSER_DIFFERENCE_EVIDENCE: evidence,
                metrics.BROWSER_DIFFERENCE_THRESHOLD: {(): design.threshold},
                metrics.BROWSER_DIFFERENCE_ALERT: alert,
                metrics.BROWSER_DEGRADATION_EVIDENCE: {(r.browser,): r.evidence for r in own.browsers},
                metrics.BROWSER_DEGRADATION_THRESHOLD: threshold,
                metrics.BROWSER_DEGRADATION_ALERT: {(r.browser,): float(r.alert) for r in own.browsers},
                metrics.TARGET_DEGRADATION_ALERT: {(): float(own.target)} if own.browsers else dict[tuple[str, ...], float]()}

    def _with_in_process_errors(self, counters: Rows) -> Rows:
        """Self-errors the store could not hold, added as if they were rows of ``CYCLE_ERRORS``."""
        return counters + [(metrics.CYCLE_ERRORS.key, {"reason": reason}, n)
                           for reason, n in self.errors.snapshot().items()]

    def _counter(self, metric: metrics.Metric, counters: Rows) -> Metric:
        totals = dict.fromkeys(self._prefilled(metric), 0.0)
        for name, labels, value in counters:
            if name == metric.key:
                key = _values(metric, labels)
                totals[key] = totals.get(key, 0.0) + value
                if metric.zero_for_every_browser:  # the other browsers passed it or never got there
                    at = metric.labels.index("browser")
                    for browser in self.browsers:
                        totals.setdefault((*key[:at], browser, *key[at + 1:]), 0.0)
        return _family(metric, dict(sorted(totals.items())))

    def _prefilled(self, metric: metrics.Metric) -> list[tuple[str, ...]]:
        """Every label combination a ``prefilled`` metric shows at zero before its first event."""
        if not metric.prefilled:
            return []
        domains: dict[str, Sequence[str]] = {
            "journey": self.journeys, "browser": self.browsers, "outcome": OUTCOMES,
            "status": [s for s in CYCLE_STATUSES if s != "running"], "reason": CYCLE_ERROR_REASONS}
        return list(itertools.product(*(domains[label] for label in metric.labels)))


def _values(metric: metrics.Metric, labels: dict[str, str]) -> tuple[str, ...]:
    """A stored label set as the family's label values, in the catalogue's order."""
    return tuple(labels.get(name, "unknown") for name in metric.labels)


def _family(metric: metrics.Metric, values: dict[tuple[str, ...], float]) -> Metric:
    family_type = CounterMetricFamily if metric.kind == "counter" else GaugeMetricFamily
    family = family_type(metric.name, metric.help, labels=list(metric.labels))
    for label_values, value in values.items():
        family.add_metric(list(label_values), value)
    return family


def _histogram(metric: metrics.Metric, counters: Rows) -> HistogramMetricFamily:
    """A histogram from the store's ``<key>_bucket``/``_sum``/``_count`` counter rows."""
    rows = {(name, label_key(labels)): value for name, labels, value in counters
            if name.startswith(metric.key + "_")}
    series = sorted({label_key(labels) for name, labels, _ in counters if name == metric.key + "_count"})
    family = HistogramMetricFamily(metric.name, metric.help, labels=list(metric.labels))
    for key in series:
        labels = json.loads(key)
        buckets = [(floatToGoString(le), rows.get((metric.key + "_bucket", label_key({**labels, "le": bucket_label(le)})), 0.0))
                   for le in (*metric.buckets, float("inf"))]
        family.add_metric(list(_values(metric, labels)), buckets, rows.get((metric.key + "_sum", key), 0.0))
    return family


def make_registry(collector: StoreCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


class ExporterServer:
    """``/metrics`` and ``/healthz`` on a small threaded HTTP server (no framework needed)."""

    def __init__(self, collector: StoreCollector, host: str, port: int,
                 health: Callable[[], tuple[bool, dict]] | None = None) -> None:
        self.collector = collector
        self.registry = make_registry(collector)
        self.health = health or self._default_health
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                    body = encoder(exporter.registry)
                    self._send(200, content_type, body)
                elif path == "/healthz":
                    ok, info = exporter.health()
                    self._send(200 if ok else 503, "application/json", json.dumps(info).encode())
                elif path == "/":
                    self._send(200, "text/html; charset=utf-8",
                               b'<h1>Extranet monitor</h1><p><a href="/metrics">metrics</a> '
                               b'<a href="/healthz">healthz</a></p>')
                else:
                    self._send(404, "text/plain; charset=utf-8", b"not found\n")

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args: object) -> None:
                log.debug("%s " + fmt, self.address_string(), *args)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        bound_host, bound_port = self.httpd.server_address[:2]  # port 0 asked: the one the kernel gave
        self.host: str = bound_host if isinstance(bound_host, str) else bytes(bound_host).decode()
        self.port: int = bound_port
        self._thread: threading.Thread | None = None

    def _default_health(self) -> tuple[bool, dict]:
        try:
            with Store.open_reader(self.collector.db_path) as store:
                last = store.last_completed_cycle_ts()
        except StoreError as exc:
            return False, {"status": "error", "error": str(exc)}
        age = None if last is None else round(time.time() - last, 1)
        return True, {"status": "ok", "last_completed_cycle_age_seconds": age}

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ExporterServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="exporter", daemon=True)
        self._thread.start()
        log.info("exporter listening on %s/metrics", self.url)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
