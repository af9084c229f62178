"""Outcome classification: attempts → runs, retries, flakiness, runner failures, exit codes.

Why here and not in the store or exporter: the rule "a broken prober is never mixed with a
target failure" (blackbox_exporter's principle) must be applied once, the same way, for
the store, the metrics, the reports and the CI exit code.

The outcomes and their groups are ``fixtures.core.outcomes``'s (judged the target / the
prober's fault / not run). The monitor's own failure classes for a whole child run are
``runner_crashed`` (exited without a usable results file) and ``cycle_timeout``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence

from fixtures.core.contract import JourneyResult
from fixtures.core.fold import fold
from fixtures.core.outcomes import NOT_RUN_OUTCOMES, TARGET_FAILURES, Outcome

SUCCESS, PROBE_ERROR = Outcome.SUCCESS.value, Outcome.PROBE_ERROR.value

RUNNER_CRASHED = "runner_crashed"
CYCLE_TIMEOUT = "cycle_timeout"

# Reasons for extranet_monitor_cycle_errors_total: a closed set, so the label stays bounded.
CYCLE_ERROR_REASONS = ("runner_crashed", "cycle_timeout", "missing_result", "store_error",
                       "pushgateway_error", "interrupted")

EXIT_OK, EXIT_TARGET_FAILED, EXIT_CONFIG, EXIT_PROBER = 0, 1, 2, 3

JOURNEY_ID = re.compile(r"[A-Z][A-Za-z0-9.]{0,15}")  # short ids such as J2.2b; also config's rule
_BROWSER_RE = re.compile(r"[a-z][a-z0-9_-]{0,15}")


def journey_label(journey: str) -> str:
    """Journey ids are short (J2.2b); anything else becomes 'unknown' so labels stay bounded."""
    return journey if JOURNEY_ID.fullmatch(journey) else "unknown"


def browser_label(browser: str) -> str:
    return browser if _BROWSER_RE.fullmatch(browser) else "unknown"


# Which outcome wins when one journey has several tests (parametrised cases) in a browser:
# a target failure is known for sure; a probe error hides whether the rest would pass; a
# test that passed judged the target, which its not-run siblings (N1's operator part) did not.
PRECEDENCE = tuple(o.value for o in (Outcome.FAILURE, Outcome.MAIL_NOT_RECEIVED, Outcome.PROBE_ERROR,
                                      Outcome.SUCCESS, Outcome.NOT_RUN, Outcome.UNAVAILABLE))


def aggregate(results: Iterable[JourneyResult]) -> list[JourneyResult]:
    """One result per journey × browser: a journey may be several pytest tests.

    The worst outcome wins (failure > mail_not_received > probe_error > success > not_run >
    unavailable); every other field folds by the rule it declares (``fixtures.core.fold``:
    durations add up, steps, mails and artifacts are concatenated, warnings are or-ed, what
    describes the outcome comes from the worst test), so a field added to the contract is
    carried with no change here.
    """
    groups: dict[tuple[str, str], list[JourneyResult]] = {}
    for r in results:
        groups.setdefault((r.journey, r.browser), []).append(r)
    out = []
    for rs in groups.values():
        worst = min(range(len(rs)), key=lambda i: PRECEDENCE.index(rs[i].outcome))
        out.append(fold(rs, worst))
    return out


def needs_retry(result: JourneyResult, retry_outcomes: Iterable[str]) -> bool:
    """Retry target failures (and, if configured, probe errors); never a journey that did not run."""
    return result.outcome in tuple(retry_outcomes) and result.outcome not in NOT_RUN_OUTCOMES


@dataclass(frozen=True)
class Run:
    """One journey × browser in one cycle, across its attempts."""

    journey: str
    browser: str
    first: str  # outcome of attempt 1: what rates count
    final: str  # outcome of the last attempt: what probe_success shows
    attempts: int
    failure_class: str | None = None  # of the final attempt, or of attempt 1 when flaky

    @property
    def flaky(self) -> bool:
        """Failed first, passed on a retry: counted apart from first-attempt success."""
        return self.first != SUCCESS and self.final == SUCCESS and self.attempts > 1

    @property
    def target_failed(self) -> bool:
        """The target failed and no later attempt cleared it (a retry that broke the
        prober does not turn a known target failure into a prober failure)."""
        return self.final in TARGET_FAILURES or (self.final == PROBE_ERROR and self.first in TARGET_FAILURES)

    @property
    def prober_failed(self) -> bool:
        return self.final == PROBE_ERROR and not self.target_failed


class Attempted(Protocol):
    """What folding attempts reads of each (a ``JourneyResult``, or a stored row's key columns)."""

    @property
    def journey(self) -> str: ...
    @property
    def browser(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def failure_class(self) -> str | None: ...


def fold_attempts(rows: Sequence[tuple[int, Attempted]]) -> list[Run]:
    """(attempt, result) pairs of one cycle → one :class:`Run` per journey × browser."""
    by_key: dict[tuple[str, str], list[tuple[int, Attempted]]] = {}
    for attempt, r in rows:
        by_key.setdefault((r.journey, r.browser), []).append((attempt, r))
    runs = []
    for (journey, browser), attempts in by_key.items():
        attempts.sort(key=lambda a: a[0])
        first, last = attempts[0][1], attempts[-1][1]
        fc = last.failure_class if last.outcome != SUCCESS else first.failure_class if len(attempts) > 1 else None
        runs.append(Run(journey, browser, first.outcome, last.outcome, len(attempts), fc))
    runs.sort(key=lambda r: (r.journey, r.browser))
    return runs


def prober_failure(pairs: Iterable[tuple[str, str]], failure_class: str, message: str) -> list[JourneyResult]:
    """Every scheduled journey × browser as ``probe_error`` when the child run itself failed."""
    return [JourneyResult(journey=j, browser=b, outcome=PROBE_ERROR, failure_class=failure_class, message=message)
            for j, b in pairs]


def exit_code(runs: Iterable[Run]) -> int:
    """CI exit code: 1 if the target failed anywhere; 3 if only the prober failed; else 0.

    A journey not run (engine not installed, write-guard, needs the operator) is not a
    failure of anything and exits 0.
    """
    runs = list(runs)
    if any(r.target_failed for r in runs):
        return EXIT_TARGET_FAILED
    if any(r.prober_failed for r in runs):
        return EXIT_PROBER
    return EXIT_OK
