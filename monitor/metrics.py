"""Every metric the monitor exposes, in one catalogue: name, type, help, labels, buckets.

Why one file: as in blackbox_exporter (each metric declared beside its name and help), a reader
finds what a series means, which labels it has and where it comes from in one place. The store
(``monitor.store.results_db``: rows under ``key``), the exporter (``monitor.export.exporter``: families built by
looping over ``EXPORTED``) and the Pushgateway path (``monitor.export.push``: gauges built by looping
over ``PUSHED``) all take their names, help, labels and buckets from here.

Naming follows Prometheus: counters end in ``_total`` once exposed (prometheus_client adds it
to the family name), durations are ``_seconds``, ``probe_success`` has blackbox_exporter's
meaning. Labels are journey ids, engine names, outcomes and fixed reasons only (see
``monitor.classify``): never an address, an identifier or a URL.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal, Mapping

Kind = Literal["counter", "gauge", "histogram"]

#: Journey attempt durations: a journey takes seconds to minutes (the 60-minute journey moves a clock).
DURATION_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: Mail delivery: the help page says a mail may take a while; an hour is the procedure's validity.
#: One step of a journey in a browser: a click and a page load take a fraction of a second, a step
#: waiting for a mail up to the mail timeout; past 2 minutes a step is as good as hung.
STEP_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
#: Page-load figures in seconds, with the Web Vitals thresholds as edges (TTFB 0.8/1.8 s, INP 0.2/0.5 s,
#: LCP 2.5/4 s), so "share of good loads" is one bucket ratio.
PAGE_LOAD_BUCKETS = (0.05, 0.1, 0.2, 0.5, 0.8, 1.0, 1.8, 2.5, 4.0, 10.0, 30.0)
#: Cumulative Layout Shift (unitless): good ≤ 0.1, poor > 0.25.
LAYOUT_SHIFT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)
MAIL_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
#: One relay's delay: a healthy hop takes a second; greylisting holds 5 to 15 minutes; queues retry for hours.
HOP_BUCKETS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0)


@dataclass(frozen=True)
class Metric:
    """One metric: what Prometheus sees (``name``, ``kind``, ``help``, ``labels``) and where it lives.

    ``key`` names its rows in the store's counters/gauges tables (kept as they were, so an
    existing database keeps counting); empty for a metric computed at scrape or push time.
    ``prefilled`` series exist at zero before the first event, so ``rate()`` and alerts see them.
    """

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    key: str = ""
    buckets: tuple[float, ...] = ()
    prefilled: bool = False
    #: A series seen for one browser is shown at 0 for every configured browser (same other labels).
    zero_for_every_browser: bool = False


# -- served by the exporter, from the store ----------------------------------------------------
STORE_UP = Metric("extranet_monitor_store_up", "gauge",
                  "1 if the monitor's results store could be read at this scrape")
RUNS = Metric("extranet_journey_runs", "counter",
              "Journey runs (journey x browser x cycle) by first-attempt outcome; "
              "retries show in extranet_journey_flaky_total",
              ("journey", "browser", "outcome"), key="runs_total", prefilled=True)
FLAKY = Metric("extranet_journey_flaky", "counter", "Runs that failed on the first attempt and passed on a retry",
               ("journey", "browser"), key="flaky_total", prefilled=True)
STEP_FAILURES = Metric("extranet_journey_step_failures", "counter",
                       "First-attempt runs that failed at a step of the procedure, by the step's fixed id "
                       "(fixtures/core/steps.py; 'none' = outside any step); a step any browser reached is exported "
                       "at 0 for every browser", ("journey", "browser", "step"), key="step_failures_total",
                       zero_for_every_browser=True)
CYCLES = Metric("extranet_monitor_cycles", "counter", "Monitoring cycles by final status",
                ("status",), key="cycles_total", prefilled=True)
CYCLE_ERRORS = Metric("extranet_monitor_cycle_errors", "counter",
                      "The monitor's own errors by reason (a broken prober, never a target failure)",
                      ("reason",), key="cycle_errors_total", prefilled=True)
DURATION = Metric("extranet_journey_duration_seconds", "histogram",
                  "Journey duration per attempt that judged the target (probe errors left out)",
                  ("journey", "browser"), key="duration_seconds", buckets=DURATION_BUCKETS)
STEP_BROWSER = Metric("extranet_journey_step_browser_seconds", "histogram",
                      "Browser time of each completed step of the procedure (fixed ids of fixtures/core/steps.py), "
                      "every attempt that judged the target: what the browser measured for the person "
                      "(fixtures/core/page_load.py BrowserTime: Navigation Timing of the documents it loaded, else "
                      "Event Timing of its interactions); a step without one has no sample and is counted in "
                      "extranet_journey_step_browser_unmeasured_total; budgets judge this time",
                      ("journey", "browser", "step"), key="step_browser_seconds", buckets=PAGE_LOAD_BUCKETS)
STEP_BROWSER_UNMEASURED = Metric("extranet_journey_step_browser_unmeasured", "counter",
                                 "Completed steps without a browser time, by why: not_exposed (the engine lacks the "
                                 "API), no_interaction, not_reached (the page had not loaded), not_collected",
                                 ("browser", "step", "reason"), key="step_browser_unmeasured_total")
#: Kept under its old store key: the stored history of the wall clock carries on under its new name.
STEP_DURATION = Metric("extranet_journey_step_prober_seconds", "histogram",
                       "Prober time of each completed step (fixed ids of fixtures/core/steps.py): the step's wall "
                       "clock in the driver, automation round trips included (WebDriver BiDi pays more per call "
                       "than CDP); not what browsers are compared or budgets judged on "
                       "(extranet_journey_step_browser_seconds); a failed step is counted in step_failures_total",
                       ("journey", "browser", "step"), key="step_duration_seconds", buckets=STEP_BUCKETS)
STEP_OVER_BUDGET = Metric("extranet_journey_step_over_budget", "counter",
                          "Completed steps whose browser time (extranet_journey_step_browser_seconds) was longer than "
                          "their [budgets] entry (a warning, not a failure); "
                          "a budgeted step is exported at 0 from its first run",
                          ("journey", "browser", "step"), key="step_over_budget_total")
JOURNEY_OVER_BUDGET = Metric("extranet_journey_over_budget", "counter",
                             "Successful attempts whose journey browser time (its steps' browser times and its mails' "
                             "delivery) was longer than its [budgets] journeys entry; "
                             "a budgeted journey is exported at 0 from its first success",
                             ("journey", "browser"), key="journey_over_budget_total")
PAGE_LOAD = Metric("extranet_page_load_seconds", "histogram",
                   "Page-load figures of the documents each completed step loaded, by figure (ttfb, dom_content_loaded, "
                   "load, lcp, inp: fixtures/core/page_load.py); a figure the step could not measure has no sample and is "
                   "counted in extranet_page_figure_unmeasured_total, never observed as 0",
                   ("journey", "browser", "step", "figure"), key="page_load_seconds", buckets=PAGE_LOAD_BUCKETS)
LAYOUT_SHIFT = Metric("extranet_page_layout_shift", "histogram",
                      "Cumulative Layout Shift (largest session window, unitless) of the documents each completed step "
                      "loaded, on engines that expose layout shifts", ("journey", "browser", "step"),
                      key="page_layout_shift", buckets=LAYOUT_SHIFT_BUCKETS)
PAGE_FIGURE_UNMEASURED = Metric("extranet_page_figure_unmeasured", "counter",
                                "Step page loads without a figure, by why: not_exposed (the engine lacks the API), "
                                "no_interaction (INP), not_reached (the step ended first), not_collected",
                                ("browser", "figure", "reason"), key="page_figure_unmeasured_total")
MAIL_DELIVERY = Metric("extranet_mail_delivery_seconds", "histogram",
                       "Time from the request on the site to the mail in the inbox",
                       ("journey",), key="mail_delivery_seconds", buckets=MAIL_BUCKETS)
MAIL_PLACEMENT = Metric("extranet_mail_placement", "counter",
                        "Mails read over IMAP by where the mailbox filed them: folder = inbox | junk "
                        "(fixtures.mail.source.Placement); junk is a success with a warning",
                        ("journey", "folder"), key="mail_placement_total")
MAIL_AUTH = Metric("extranet_mail_auth", "counter",
                   "Mails by authentication verdict read from their Authentication-Results (RFC 8601): "
                   "mechanism = spf | dkim | dmarc, result = fixtures.core.mail_path.AuthResult (none: no verdict)",
                   ("mechanism", "result"), key="mail_auth_total")
MAIL_HOP_DELAY = Metric("extranet_mail_hop_delay_seconds", "histogram",
                        "Delay each relay added, from the mails' Received chain (hop = relay index, oldest first, "
                        "'10+' beyond 9; clock skew counts 0; a hop without a date is left out)",
                        ("hop",), key="mail_hop_delay_seconds", buckets=HOP_BUCKETS)
ACCOUNTS_EXHAUSTED = Metric("extranet_test_accounts_exhausted", "counter",
                            "Journey runs not run because every test account had spent the recovery requests the "
                            "target allows per window (not_run, reason account_quota): the schedule needs more "
                            "accounts or a longer interval; never counted in a success rate",
                            ("journey", "browser"), key="test_accounts_exhausted_total")
ACCOUNTS_MISSING = Metric("extranet_test_accounts_missing", "gauge",
                          "How many more test accounts the last run of a recovery journey said the schedule needs "
                          "(measured over the target's window: fixtures.target.quota); 0 after a run that got an account",
                          key="test_accounts_missing")
BLOCKED = Metric("extranet_monitor_blocked", "counter",
                 "Journey runs (first attempts) a bot defence, WAF, CDN challenge or rate limit refused (probe_error, "
                 "class blocked: the prober's problem, in no success rate), by product "
                 "(fixtures/core/blocking.py PRODUCTS; its reference id is in the record, never a label)",
                 ("product",), key="blocked_total", prefilled=True)
HELP_PAGE_STEPS = Metric("extranet_help_page_steps", "gauge",
                         "Steps of the help page the last run of a journey (probe errors aside) exercised on this target "
                         "(state = exercised), and the others by why not: captcha, write_guard, needs_operator, "
                         "account_quota… (fixtures.core.coverage.STATES; not_reached: it stopped earlier)",
                         ("journey", "browser", "state"), key="help_page_steps")
PROBE_SUCCESS = Metric("probe_success", "gauge",
                       "1 if the last run that judged the target succeeded (probe errors do not change it)",
                       ("journey", "browser"), key="probe_success")
PROBE_ERROR = Metric("extranet_journey_probe_error", "gauge",
                     "1 if the last attempt could not judge the target (the monitor's own failure)",
                     ("journey", "browser"), key="probe_error")
LAST_SUCCESS = Metric("extranet_journey_last_success_timestamp_seconds", "gauge",
                      "Unix time of the last successful attempt", ("journey", "browser"),
                      key="last_success_timestamp_seconds")
SPAM_SCORE = Metric("extranet_mail_spam_score", "gauge",
                    "Highest spam score of the mails read in the last run that read any", ("journey",),
                    key="mail_spam_score")
INCIDENT_NOTICE = Metric("extranet_incident_notice", "gauge",
                         "1 while the home page shows an incident notice (reported by journey N1)",
                         key="incident_notice")
LAST_CYCLE = Metric("extranet_monitor_last_cycle_timestamp_seconds", "gauge",
                    "Unix time the last completed cycle ended (pushed: the pushed cycle, whatever its status)",
                    key="last_cycle_timestamp_seconds")
BROWSER_DIFFERENCE_EVIDENCE = Metric(
    "extranet_browser_difference_evidence", "gauge",
    "E-value that `browser` fails more often than `versus` (always-valid sequential test, monitor.stats.sequential: "
    "largest live e-process, paired by journey and cycle); the claim holds while it is >= "
    "extranet_browser_difference_evidence_threshold", ("browser", "versus"))
BROWSER_DIFFERENCE_THRESHOLD = Metric(
    "extranet_browser_difference_evidence_threshold", "gauge",
    "Evidence needed to claim a browser fails more often: e-processes read per week / alpha, so false alarms "
    "stay under alpha per week however often this is read")
BROWSER_DIFFERENCE_ALERT = Metric(
    "extranet_browser_difference_alert", "gauge",
    "1 while the alert `browser` fails more often than `versus` is on: on when the evidence crosses its threshold, "
    "off when the recent runs show the recovery (monitor.stats.alert_state), so one incident is one alert",
    ("browser", "versus"))
BROWSER_DEGRADATION_EVIDENCE = Metric(
    "extranet_browser_degradation_evidence", "gauge",
    "E-value that `browser` fails more often than its own baseline (the week before; CUSUM e-detector, "
    "monitor.stats.degradation); the alarm is at extranet_browser_degradation_evidence_threshold", ("browser",))
BROWSER_DEGRADATION_THRESHOLD = Metric(
    "extranet_browser_degradation_evidence_threshold", "gauge",
    "Evidence a browser's own-baseline detector needs: its guaranteed mean cycles to a false alarm")
BROWSER_DEGRADATION_ALERT = Metric(
    "extranet_browser_degradation_alert", "gauge",
    "1 while `browser` fails more often than it used to and the others do not (held back when every browser "
    "degrades: extranet_target_degradation_alert)", ("browser",))
TARGET_DEGRADATION_ALERT = Metric(
    "extranet_target_degradation_alert", "gauge",
    "1 while every browser fails more often than it used to: the target degraded, not a browser")
BROWSER_INCIDENT = Metric(
    "extranet_browser_incident", "gauge",
    "1 while `browser` is failing now (most of its runs failed two cycles in a row, until two cycles mostly pass: "
    "monitor.stats.incident) and the others are not (every browser: extranet_target_incident)", ("browser",))
TARGET_INCIDENT = Metric(
    "extranet_target_incident", "gauge",
    "1 while every browser is failing now: the target's incident, not a browser's")

# -- pushed only: one cycle's view, for ``once`` in CI or cron ------------------------------------
#: A gauge, not the exporter's counter: a push reports one cycle (exposed without ``_total``).
FLAKY_IN_CYCLE = Metric("extranet_journey_flaky", "gauge", "1 if the journey failed first and passed on a retry",
                        ("journey", "browser"))
LAST_DURATION = Metric("extranet_journey_last_duration_seconds", "gauge",
                       "Duration of the last attempt that judged the target", ("journey", "browser"))
STEP_LAST_DURATION = Metric("extranet_journey_step_last_prober_seconds", "gauge",
                            "Prober time (the driver's wall clock) of each completed step in this cycle's last attempt "
                            "that judged the target", ("journey", "browser", "step"))
STEP_LAST_BROWSER = Metric("extranet_journey_step_last_browser_seconds", "gauge",
                           "Browser time of each completed step in this cycle's last attempt that judged the target "
                           "(absent when not measured)", ("journey", "browser", "step"))
#: A gauge, not the exporter's counter: a push reports one cycle (exposed without ``_total``).
PAGE_LOAD_LAST = Metric("extranet_page_load_last_seconds", "gauge",
                        "Page-load figures of each completed step in this cycle's last attempt (absent when not measured)",
                        ("journey", "browser", "step", "figure"))
#: CLS is unitless, so not a ``_seconds`` figure: its own gauge, as ``LAYOUT_SHIFT`` beside ``PAGE_LOAD``.
LAYOUT_SHIFT_LAST = Metric("extranet_page_layout_shift_last", "gauge",
                           "Cumulative Layout Shift (unitless) of each completed step in this cycle's last attempt "
                           "(absent when the engine does not expose layout shifts)", ("journey", "browser", "step"))
STEP_OVER_BUDGET_IN_CYCLE = Metric("extranet_journey_step_over_budget", "gauge",
                                   "1 if the step took longer than its [budgets] entry in this cycle, 0 if within it",
                                   ("journey", "browser", "step"))
CYCLE_STATUS = Metric("extranet_monitor_cycle_status", "gauge", "1 for this cycle's final status", ("status",))

#: What ``/metrics`` serves, in this order.
EXPORTED: tuple[Metric, ...] = (STORE_UP, RUNS, FLAKY, STEP_FAILURES, CYCLES, CYCLE_ERRORS, DURATION, STEP_BROWSER,
                                STEP_BROWSER_UNMEASURED, STEP_DURATION, STEP_OVER_BUDGET, JOURNEY_OVER_BUDGET, PAGE_LOAD, LAYOUT_SHIFT, PAGE_FIGURE_UNMEASURED,
                                MAIL_DELIVERY, MAIL_PLACEMENT, MAIL_AUTH, MAIL_HOP_DELAY, ACCOUNTS_EXHAUSTED, ACCOUNTS_MISSING,
                                BLOCKED, HELP_PAGE_STEPS, PROBE_SUCCESS, PROBE_ERROR, LAST_SUCCESS, SPAM_SCORE, INCIDENT_NOTICE,
                                LAST_CYCLE,
                                BROWSER_DIFFERENCE_EVIDENCE, BROWSER_DIFFERENCE_THRESHOLD, BROWSER_DIFFERENCE_ALERT,
                                BROWSER_DEGRADATION_EVIDENCE, BROWSER_DEGRADATION_THRESHOLD, BROWSER_DEGRADATION_ALERT,
                                TARGET_DEGRADATION_ALERT, BROWSER_INCIDENT, TARGET_INCIDENT)
#: What a push sends (``INCIDENT_NOTICE`` only when N1 said something).
PUSHED: tuple[Metric, ...] = (PROBE_SUCCESS, PROBE_ERROR, FLAKY_IN_CYCLE, LAST_DURATION, STEP_LAST_BROWSER, STEP_LAST_DURATION,
                              STEP_OVER_BUDGET_IN_CYCLE, PAGE_LOAD_LAST, LAYOUT_SHIFT_LAST, SPAM_SCORE,
                              LAST_CYCLE, CYCLE_STATUS, INCIDENT_NOTICE)
#: Every metric, exported or pushed.
CATALOGUE: tuple[Metric, ...] = tuple(dict.fromkeys(EXPORTED + PUSHED))


def label_key(labels: Mapping[str, str]) -> str:
    """The one encoding of a label set as the store's ``labels`` column: sorted, compact JSON."""
    return json.dumps(dict(labels), sort_keys=True, separators=(",", ":"))


def bucket_label(le: float) -> str:
    """A histogram bucket's ``le`` as the store writes it (``repr`` of a float, or ``+Inf``)."""
    return "+Inf" if le == float("inf") else repr(float(le))
