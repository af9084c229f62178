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

import contextlib
import hashlib
import itertools
import json
import logging
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

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

from fixtures.core.blocking import PRODUCTS
from fixtures.core.outcomes import OUTCOMES
from monitor import metrics
from monitor.classify import CYCLE_ERROR_REASONS
from monitor.export.web_config import WebDoor
from monitor.metrics import bucket_label
from monitor.store.results_db import CYCLE_STATUSES, Store, StoreError

if TYPE_CHECKING:
    from monitor.verdicts import Verdicts

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
    """Builds every metric family of ``monitor.metrics.EXPORTED`` from the store's counters and gauges."""

    def __init__(self, db_path: Path, *, journeys: Sequence[str] = (), browsers: Sequence[str] = (),
                 busy_timeout: float = 5.0, errors: InProcessErrors | None = None, interval: float = 900.0,
                 alpha: float = 0.05) -> None:
        self.db_path = Path(db_path)
        self.interval, self.alpha = interval, alpha  # the sequential verdict's design (cycle length, α per week)
        self.journeys, self.browsers = list(journeys), list(browsers)
        self.busy_timeout = busy_timeout
        self.errors = errors or InProcessErrors()
        # (history version, the alerts' verdicts): see verdicts()
        self._verdicts: tuple[Any, Verdicts] | None = None
        self._verdicts_lock = threading.Lock()

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
        by_name = _by_name(self._with_in_process_errors(counters))  # each family reads its own rows only
        gauge_rows = _by_name([(name, labels, value) for name, labels, value, _ts in gauges])
        for metric in metrics.EXPORTED:
            if metric.kind == "histogram":
                yield _histogram(metric, by_name)
            elif metric.kind == "counter":
                yield self._counter(metric, by_name.get(metric.key, []))
            elif metric.key:
                yield _family(metric, {_values(metric, labels): value
                                       for _name, labels, value in gauge_rows.get(metric.key, [])})
            elif metric in difference:
                yield _family(metric, difference[metric])

    def _difference(self, store: Store) -> dict[metrics.Metric, dict[tuple[str, ...], float]]:
        """The sequential verdicts (between browsers, and each browser against its own past) and their alerts."""
        from monitor.stats.alert_verdicts import TARGET
        from monitor.stats.browser_difference import alert_by_direction, evidence_by_direction
        verdicts = self.verdicts(store)
        own = verdicts.own
        evidence: dict[tuple[str, ...], float] = dict(sorted(evidence_by_direction(verdicts.pairs).items()))
        alert: dict[tuple[str, ...], float] = dict(sorted(alert_by_direction(verdicts.pairs).items()))
        threshold: dict[tuple[str, ...], float] = {(): own.browsers[0].threshold} if own.browsers else {}
        return {metrics.BROWSER_DIFFERENCE_EVIDENCE: evidence,
                metrics.BROWSER_DIFFERENCE_THRESHOLD: {(): verdicts.design.threshold},
                metrics.BROWSER_DIFFERENCE_ALERT: alert,
                metrics.BROWSER_DEGRADATION_EVIDENCE: {(r.browser,): r.evidence for r in own.browsers},
                metrics.BROWSER_DEGRADATION_THRESHOLD: threshold,
                metrics.BROWSER_DEGRADATION_ALERT: {(r.browser,): float(r.alert) for r in own.browsers},
                metrics.TARGET_DEGRADATION_ALERT: {(): float(own.target)} if own.browsers else dict[tuple[str, ...], float](),
                metrics.BROWSER_INCIDENT: {(v.subject,): float(v.incident) for v in verdicts.alerts if v.subject != TARGET},
                metrics.TARGET_INCIDENT: dict([((), float(v.incident)) for v in verdicts.alerts if v.subject == TARGET])}

    def verdicts(self, store: Store, now: float | None = None) -> Verdicts:
        """The alerts' verdicts (``monitor.verdicts``), recomputed only when the history changed.

        They change only when a cycle is written or leaves the history: computed once per version of
        the history, not per scrape (they read weeks of cycles: ~0.5 s of CPU). The status page
        (``/status``) reads the same object, so it cannot disagree with the alerts.
        """
        from monitor.stats.browser_difference import design_for, history_seconds
        from monitor.verdicts import read_verdicts
        now = time.time() if now is None else now
        browsers = self.browsers or sorted({row[3] for row in store.first_outcomes(since=now - 86400)})
        design = design_for(self.interval, self.alpha, max(2, len(browsers)))
        key = (tuple(browsers), store.history_version(since=now - history_seconds(design)))
        with self._verdicts_lock:
            if self._verdicts is None or self._verdicts[0] != key:
                self._verdicts = (key, read_verdicts(store, browsers, interval=self.interval, alpha=self.alpha, now=now))
            return self._verdicts[1]

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
            "status": [s for s in CYCLE_STATUSES if s != "running"], "reason": CYCLE_ERROR_REASONS,
            "product": PRODUCTS}
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


def _by_name(rows: Rows) -> dict[str, Rows]:
    out: dict[str, Rows] = {}
    for row in rows:
        out.setdefault(row[0], []).append(row)
    return out


def _histogram(metric: metrics.Metric, by_name: dict[str, Rows]) -> HistogramMetricFamily:
    """A histogram from the store's ``<key>_bucket``/``_sum``/``_count`` counter rows."""
    def series_of(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:  # the label set without ``le``
        return tuple(sorted((k, v) for k, v in labels.items() if k != "le"))

    buckets: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
    for _name, labels, value in by_name.get(metric.key + "_bucket", []):
        buckets.setdefault(series_of(labels), {})[labels.get("le", "")] = value
    sums = {series_of(labels): value for _name, labels, value in by_name.get(metric.key + "_sum", [])}
    series = sorted({series_of(labels) for _name, labels, _value in by_name.get(metric.key + "_count", [])})
    family = HistogramMetricFamily(metric.name, metric.help, labels=list(metric.labels))
    for key in series:
        counts = buckets.get(key, {})
        family.add_metric(list(_values(metric, dict(key))),
                          [(floatToGoString(le), counts.get(bucket_label(le), 0.0)) for le in (*metric.buckets, float("inf"))],
                          sums.get(key, 0.0))
    return family


def make_registry(collector: StoreCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


class _DoorServer(ThreadingHTTPServer):
    """A threaded HTTP server that, given a web config with TLS, speaks TLS on each connection.

    The handshake runs in the connection's own thread (never in the accept loop, where one slow
    client would hold every other), and a client speaking plain HTTP to the TLS port gets the same
    clear answer as from Go's servers (the toolkit's): ``400 Client sent an HTTP request to an HTTPS server``.
    """

    daemon_threads = True
    door: WebDoor | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        context = self.door.config.tls if self.door else None
        if context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(_HANDSHAKE_SECONDS)
        try:
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first and first != b"\x16":  # not a TLS handshake record: most likely plain HTTP
            log.warning("exporter: plain HTTP from %s to the TLS port, refused", client_address[0])
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                                b"Client sent an HTTP request to an HTTPS server.\n")
            return
        try:
            secure = context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as exc:
            log.warning("exporter: TLS handshake with %s failed: %s", client_address[0], exc)
            return
        try:
            secure.settimeout(None)
            super().finish_request(secure, client_address)
        finally:
            with contextlib.suppress(OSError):
                secure.close()


_HANDSHAKE_SECONDS = 10.0
#: Where ``monitor serve`` publishes the status page (``monitor.status``), and how long a cache may keep it:
#: a minute, far below a cycle (the page changes at most once a cycle), so a CDN in front holds the load.
STATUS_PATH = "/status"
STATUS_MAX_AGE = 60
_REALM = b'Basic realm="extranet monitor", charset="UTF-8"'


class ExporterServer:
    """``/metrics``, ``/healthz`` and ``/`` on a small threaded HTTP server (no framework needed).

    With a ``WebDoor`` (``--web.config.file``, ``monitor.export.web_config``) every path is behind its
    TLS and basic auth, as with Prometheus' own exporters.
    """

    def __init__(self, collector: StoreCollector, host: str, port: int,
                 health: Callable[[], tuple[bool, dict]] | None = None, door: WebDoor | None = None,
                 status: Callable[[], dict[str, bytes]] | None = None) -> None:
        self.collector = collector
        self.status = status  # the status page's files (monitor.status.render.files), built per request
        self.registry = make_registry(collector)
        self.health = health or self._default_health
        self.door = door
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if exporter.door is not None and not exporter.door.authorized(self.headers.get("Authorization")):
                    self._send(401, "text/plain; charset=utf-8", b"Unauthorized\n", {"WWW-Authenticate": _REALM.decode()})
                    return
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
                elif exporter.status is not None and path == STATUS_PATH:
                    self._send(308, "text/plain; charset=utf-8", b"", {"Location": STATUS_PATH + "/"})
                elif exporter.status is not None and path.startswith(STATUS_PATH + "/"):
                    self._status(path[len(STATUS_PATH) + 1:] or "index.html")
                else:
                    self._send(404, "text/plain; charset=utf-8", b"not found\n")

            def _status(self, name: str) -> None:
                """One file of the status page, with the cache headers a CDN and a browser honour."""
                from monitor.status.render import content_type
                assert exporter.status is not None
                files = exporter.status()
                if name not in files:
                    self._send(404, "text/plain; charset=utf-8", b"not found\n")
                    return
                body = files[name]
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                headers = {"Cache-Control": f"public, max-age={STATUS_MAX_AGE}", "ETag": etag,
                           "X-Content-Type-Options": "nosniff", "Access-Control-Allow-Origin": "*"}
                if etag in [t.strip() for t in self.headers.get("If-None-Match", "").split(",")]:
                    self._send(304, content_type(name), b"", headers)
                    return
                self._send(200, content_type(name), body, headers)

            def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in {**(exporter.door.config.headers if exporter.door else {}), **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args: object) -> None:
                log.debug("%s " + fmt, self.address_string(), *args)

        self.httpd = _DoorServer((host, port), Handler)
        self.httpd.door = door
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
        scheme = "https" if self.door is not None and self.door.config.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> "ExporterServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="exporter", daemon=True)
        self._thread.start()
        log.info("exporter listening on %s/metrics (%s)", self.url,
                 self.door.config.describe() if self.door else "plain HTTP, no basic auth")
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
