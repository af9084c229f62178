"""Prometheus exporter: a custom Collector that reads the store at every scrape.

Why read the store instead of keeping prometheus_client metrics in memory: counters then
survive restarts (they are persisted with the rows they count, see monitor.store), the
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

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from prometheus_client.core import (CollectorRegistry, CounterMetricFamily, GaugeMetricFamily,
                                    HistogramMetricFamily, Metric)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from fixtures.outcomes import OUTCOMES
from monitor.classify import CYCLE_ERROR_REASONS
from monitor.store import CYCLE_STATUSES, DURATION_BUCKETS, MAIL_BUCKETS, Store, StoreError

log = logging.getLogger("monitor.exporter")


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


def _histogram(name: str, doc: str, labelnames: list[str], buckets: Sequence[float],
               counters: dict[tuple[str, str], float], keys: Iterable[str]) -> HistogramMetricFamily:
    fam = HistogramMetricFamily(name, doc, labels=labelnames)
    for key in sorted(set(keys)):
        labels = json.loads(key)
        values = [labels[l] for l in labelnames]
        bucket_list = []
        for le in buckets:
            bl = json.dumps({**labels, "le": repr(float(le))}, sort_keys=True, separators=(",", ":"))
            bucket_list.append((floatToGoString(le), counters.get(("_bucket", bl), 0.0)))
        inf = json.dumps({**labels, "le": "+Inf"}, sort_keys=True, separators=(",", ":"))
        bucket_list.append(("+Inf", counters.get(("_bucket", inf), 0.0)))
        fam.add_metric(values, bucket_list, counters.get(("_sum", key), 0.0))
    return fam


class StoreCollector(Collector):
    """Builds every metric family from the store's counters and gauges tables."""

    def __init__(self, db_path: Path, *, journeys: Sequence[str] = (), browsers: Sequence[str] = (),
                 busy_timeout: float = 5.0, errors: InProcessErrors | None = None) -> None:
        self.db_path = Path(db_path)
        self.journeys, self.browsers = list(journeys), list(browsers)
        self.busy_timeout = busy_timeout
        self.errors = errors or InProcessErrors()

    def describe(self) -> list[Metric]:
        return []  # no scrape at registration time

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("extranet_monitor_store_up", "1 if the monitor's results store could be read at this scrape")
        try:
            with Store.open_reader(self.db_path, busy_timeout=self.busy_timeout) as store:
                counters = store.counters()
                gauges = store.gauges()
        except StoreError as exc:
            log.error("scrape: %s", exc)
            up.add_metric([], 0.0)
            yield up
            yield self._errors_family([])
            return
        up.add_metric([], 1.0)
        yield up
        yield from self._families(counters, gauges)

    def _errors_family(self, counters: list[tuple[str, dict[str, str], float]]) -> CounterMetricFamily:
        fam = CounterMetricFamily("extranet_monitor_cycle_errors",
                                  "The monitor's own errors by reason (a broken prober, never a target failure)",
                                  labels=["reason"])
        totals = {r: 0.0 for r in CYCLE_ERROR_REASONS}
        for name, labels, value in counters:
            if name == "cycle_errors_total":
                totals[labels.get("reason", "unknown")] = totals.get(labels.get("reason", "unknown"), 0.0) + value
        for reason, n in self.errors.snapshot().items():
            totals[reason] = totals.get(reason, 0.0) + n
        for reason, value in sorted(totals.items()):
            fam.add_metric([reason], value)
        return fam

    def _families(self, counters: list[tuple[str, dict[str, str], float]],
                  gauges: list[tuple[str, dict[str, str], float, float]]) -> Iterator[Metric]:
        runs = CounterMetricFamily("extranet_journey_runs",
                                   "Journey runs (journey x browser x cycle) by first-attempt outcome; "
                                   "retries show in extranet_journey_flaky_total",
                                   labels=["journey", "browser", "outcome"])
        run_values: dict[tuple[str, str, str], float] = {
            (j, b, o): 0.0 for j in self.journeys for b in self.browsers for o in OUTCOMES}
        flaky = CounterMetricFamily("extranet_journey_flaky",
                                    "Runs that failed on the first attempt and passed on a retry",
                                    labels=["journey", "browser"])
        flaky_values: dict[tuple[str, str], float] = {(j, b): 0.0 for j in self.journeys for b in self.browsers}
        step_failures = CounterMetricFamily(
            "extranet_journey_step_failures",
            "First-attempt runs that failed at a step of the procedure, by the step's fixed id (fixtures/steps.py; "
            "'none' = outside any step); a step any browser reached is exported at 0 for every browser",
            labels=["journey", "browser", "step"])
        step_values: dict[tuple[str, str, str], float] = {}
        cycles = CounterMetricFamily("extranet_monitor_cycles", "Monitoring cycles by final status", labels=["status"])
        cycle_values = {s: 0.0 for s in CYCLE_STATUSES if s != "running"}
        hist: dict[str, dict[tuple[str, str], float]] = {"duration_seconds": {}, "mail_delivery_seconds": {}}
        hist_keys: dict[str, list[str]] = {"duration_seconds": [], "mail_delivery_seconds": []}
        for name, labels, value in counters:
            if name == "runs_total":
                run_values[(labels["journey"], labels["browser"], labels["outcome"])] = value
            elif name == "flaky_total":
                flaky_values[(labels["journey"], labels["browser"])] = value
            elif name == "step_failures_total":
                step_values[(labels["journey"], labels["browser"], labels["step"])] = value
                for b in self.browsers:  # the other browsers passed it or never got there: 0 so far
                    step_values.setdefault((labels["journey"], b, labels["step"]), 0.0)
            elif name == "cycles_total":
                cycle_values[labels["status"]] = value
            else:
                for h in hist:
                    if name.startswith(h + "_"):
                        suffix = name[len(h):]
                        key = json.dumps(labels, sort_keys=True, separators=(",", ":"))
                        hist[h][(suffix, key)] = value
                        if suffix == "_count":
                            hist_keys[h].append(key)
        for (j, b, o), v in sorted(run_values.items()):
            runs.add_metric([j, b, o], v)
        for (j, b), v in sorted(flaky_values.items()):
            flaky.add_metric([j, b], v)
        for s, v in sorted(cycle_values.items()):
            cycles.add_metric([s], v)
        for (j, b, s), v in sorted(step_values.items()):
            step_failures.add_metric([j, b, s], v)
        yield runs
        yield flaky
        yield step_failures
        yield cycles
        yield self._errors_family(counters)
        yield _histogram("extranet_journey_duration_seconds",
                         "Journey duration per attempt that judged the target (probe errors left out)",
                         ["journey", "browser"], DURATION_BUCKETS, hist["duration_seconds"], hist_keys["duration_seconds"])
        yield _histogram("extranet_mail_delivery_seconds", "Time from the request on the site to the mail in the inbox",
                         ["journey"], MAIL_BUCKETS, hist["mail_delivery_seconds"], hist_keys["mail_delivery_seconds"])

        g = {
            "probe_success": GaugeMetricFamily(
                "probe_success", "1 if the last run that judged the target succeeded (probe errors do not change it)",
                labels=["journey", "browser"]),
            "probe_error": GaugeMetricFamily(
                "extranet_journey_probe_error", "1 if the last attempt could not judge the target (the monitor's own failure)",
                labels=["journey", "browser"]),
            "last_success_timestamp_seconds": GaugeMetricFamily(
                "extranet_journey_last_success_timestamp_seconds", "Unix time of the last successful attempt",
                labels=["journey", "browser"]),
            "mail_spam_score": GaugeMetricFamily(
                "extranet_mail_spam_score", "Highest spam score of the mails read in the last run that read any",
                labels=["journey"]),
            "incident_notice": GaugeMetricFamily(
                "extranet_incident_notice", "1 while the home page shows an incident notice (reported by journey N1)"),
            "last_cycle_timestamp_seconds": GaugeMetricFamily(
                "extranet_monitor_last_cycle_timestamp_seconds", "Unix time the last completed cycle ended"),
        }
        for name, labels, value, _ts in gauges:
            fam = g.get(name)
            if fam is None:
                continue
            order = {"probe_success": ["journey", "browser"], "probe_error": ["journey", "browser"],
                     "last_success_timestamp_seconds": ["journey", "browser"], "mail_spam_score": ["journey"]}.get(name, [])
            fam.add_metric([labels[k] for k in order], value)
        yield from g.values()


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
        self.host, self.port = self.httpd.server_address[:2]
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
