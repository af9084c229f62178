"""What one cycle found, for CI: a terminal summary, a JSON summary and JUnit XML.

Beside ``monitor.report.history_model`` (which reads the store over windows of time), these read one
``CycleReport``: ``once`` writes them so a CI job shows the cycle as test results.

The records were bounded when read (``fixtures.core.contract.bounded_result``); every text taken
from them is cleaned again here (``fixtures.core.untrusted.clean``, idempotent), so a terminal
never gets an escape sequence and the JUnit XML always parses, whatever reached the report.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from fixtures.core import coverage
from fixtures.core.contract import JourneyResult
from fixtures.core.outcomes import NOT_RUN_OUTCOMES, TARGET_FAILURES, AccountQuota, Outcome
from fixtures.core.signature import junit_properties
from fixtures.core.untrusted import clean
from monitor.budgets import Budgets, Overrun, journey_browser_seconds, judged_steps, overruns
from monitor.cycle.runner import CycleReport


def over_budget(report: CycleReport, budgets: Budgets | None) -> list[Overrun]:
    """Every step (and journey) of the cycle's attempts that took longer than its budget."""
    return [o for _, r in report.attempts for o in overruns(r, budgets or Budgets())]


def summary_text(report: CycleReport, location: str = "", budgets: Budgets | None = None) -> str:
    where = f" at {location}" if location else ""
    lines = [f"cycle {report.cycle_id}{where}: {report.status} in {report.finished_at - report.started_at:.1f}s"]
    last = {(r.journey, r.browser): r for _, r in report.attempts}
    for r in report.runs:
        extra = " (flaky: passed on retry)" if r.flaky else ""
        if r.final in NOT_RUN_OUTCOMES:  # on purpose: the reason, and why in a sentence
            why = last[(r.journey, r.browser)].message
            lines.append(f"  {r.journey:<6} {r.browser:<9} not run ({r.failure_class})" + (f": {clean(why)}" if why else ""))
            continue
        fc = f" [{r.failure_class}]" if r.failure_class and r.final != Outcome.SUCCESS else ""
        signatures = last[(r.journey, r.browser)].signatures if r.final != Outcome.SUCCESS else ()
        why = f": {clean(signatures[0].line)}" if signatures else ""  # where and why it failed
        lines.append(f"  {r.journey:<6} {r.browser:<9} {r.final}{fc}{extra}{why}")
    times = [t for t in (_times(last.get((r.journey, r.browser))) for r in report.runs) if t]
    if times:  # the browsers' clocks first; the driver's wall clock apart, never what browsers are compared on
        lines.append("  time (browser time, from the browsers' own clocks / prober time, the driver's wall clock): "
                     + "; ".join(times))
    # A warning, never a failure: the procedure worked, slowly (the 60-minute link makes time part of it).
    lines += [f"  warning: over budget: {o.line()}" for o in over_budget(report, budgets)]
    short = [r.accounts_short or 1 for _, r in report.attempts if r.failure_class == AccountQuota.failure_class]
    if short:  # the schedule spent the test accounts' quota: say it once, with the number
        lines.append(f"  test accounts exhausted: {short[-1]} more account{'s' if short[-1] != 1 else ''} or a "
                     "longer interval (those journeys were not run, never counted as failures)")
    lines += [f"  coverage {c.line()}" for c in cycle_coverage(report)]
    lines += [f"  monitor error: {clean(e)}" for e in report.errors]
    return "\n".join(lines)


def _times(result: JourneyResult | None) -> str:
    """``R1 chromium 0.19s / 1.31s`` for an attempt that judged the target; "" otherwise."""
    steps = judged_steps(result) if result is not None else []
    if result is None or not steps:
        return ""
    browser = (f"{journey_browser_seconds(result):.2f}s" if any(s.browser_seconds is not None for s in steps)
               else "—")
    return f"{result.journey} {result.browser} {browser} / {sum(s.prober_seconds for s in steps):.2f}s"


def _seconds(result: JourneyResult | None) -> dict[str, float | None]:
    """The run's browser time (None: no step measured) and prober time, for the JSON summary."""
    steps = judged_steps(result) if result is not None else []
    if result is None or not steps:
        return {"browser_seconds": None, "prober_seconds": None}
    return {"browser_seconds": round(journey_browser_seconds(result), 4)
            if any(s.browser_seconds is not None for s in steps) else None,
            "prober_seconds": round(sum(s.prober_seconds for s in steps), 4)}
def cycle_coverage(report: CycleReport) -> list[coverage.EngineCoverage]:
    """The help page's steps this cycle exercised per engine, and why the others were not (the last
    attempt of each journey; probe errors say nothing of the target and are left out)."""
    return coverage.by_engine(r for _, r in report.attempts if r.outcome != Outcome.PROBE_ERROR)


def summary_dict(report: CycleReport, location: str = "", budgets: Budgets | None = None) -> dict[str, Any]:
    last = {(r.journey, r.browser): r for _, r in report.attempts}
    return {
        "location": location or None,  # null: no [monitor] location configured
        "cycle_id": report.cycle_id, "status": report.status, "exit_code": report.exit_code,
        "started_at": report.started_at, "finished_at": report.finished_at, "errors": [clean(e) for e in report.errors],
        "runs": [{"journey": r.journey, "browser": r.browser, "first_outcome": r.first, "final_outcome": r.final,
                  "attempts": r.attempts, "flaky": r.flaky, "failure_class": r.failure_class,
                  **_seconds(last.get((r.journey, r.browser)))} for r in report.runs],
        "attempts": [{"attempt": a, **r.to_dict()} for a, r in report.attempts],
        "over_budget": [{"journey": o.journey, "browser": o.browser, "step": o.step_id, "seconds": o.seconds,
                         "budget_seconds": o.budget} for o in over_budget(report, budgets)],
        "coverage": [{"browser": c.browser, "exercised": c.exercised, "declared": c.declared,
                      "not_exercised": {k: list(v) for k, v in c.not_exercised.items()}}
                     for c in cycle_coverage(report)],
    }


def write_json(report: CycleReport, path: Path, location: str = "", budgets: Budgets | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary_dict(report, location, budgets), indent=1, ensure_ascii=False),
                    encoding="utf-8")


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
                ET.SubElement(props, "property", name=k, value=clean(v))
            # The signature's line says where and why; the exception's message is its last part.
            msg = clean((res.signatures[0].line if res.signatures else None) or res.message or res.failure_class
                        or run.final)
            if run.final in TARGET_FAILURES:
                counts["failures"] += 1
                ET.SubElement(case, "failure", type=res.failure_class or run.final, message=msg).text = msg
            elif run.final == Outcome.PROBE_ERROR:
                counts["errors"] += 1
                ET.SubElement(case, "error", type=res.failure_class or Outcome.PROBE_ERROR.value, message=msg).text = msg
            elif run.final in NOT_RUN_OUTCOMES:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", type=res.failure_class or run.final, message=msg)
            if res.artifacts:
                ET.SubElement(case, "system-out").text = "\n".join(f"[[ATTACHMENT|{clean(a)}]]" for a in res.artifacts)
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
