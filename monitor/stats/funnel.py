"""Per-step funnel per browser, and failure signatures grouped: where each browser drops out, and why.

Why: a success rate says *that* Firefox does worse; the support desk needs *where* (at which
step of the help page's procedure) and *why* (what the user saw, what broke in the page). For
each journey, each browser's first attempts are walked step by step: how many runs reached a
step, how many passed it; the step a run failed at is where it dropped. Failure signatures
(``fixtures.core.signature``) are grouped by their normalized line per journey × browser, with
counts, first and last seen, and one screenshot and one trace to look at.

Counting rules, the same as the rates': first attempts only; runs that did not judge the
target (``probe_error``, not run, ``unavailable``) are left out of the funnel (their signatures
are still listed, marked with their outcome). A run made of several tests (a
parametrised journey) reached a step if any test did, and passed it only if every test did.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from fixtures.core.contract import JourneyResult
from fixtures.core.outcomes import JUDGED_OUTCOMES, Outcome
from fixtures.core.steps import ETAPES, HORS_ETAPE, step_label


@dataclass(frozen=True)
class FunnelRun:
    """One first attempt of a journey × browser, as the funnel needs it."""

    ts: float
    journey: str
    browser: str
    outcome: str
    steps: Sequence[dict[str, Any]] = ()  # {"id", "name", "ok", ...} in the order they ran
    signatures: Sequence[dict[str, Any]] = ()  # fixtures.core.signature.Signature.to_dict()
    artifacts: Sequence[str] = ()


@dataclass
class StepRow:
    """One step of a journey: per browser, runs that reached it and runs that passed it."""

    id: str
    name: str
    reached: dict[str, int] = field(default_factory=dict)
    passed: dict[str, int] = field(default_factory=dict)

    def dropped(self, browser: str) -> int:
        return self.reached.get(browser, 0) - self.passed.get(browser, 0)


@dataclass
class SignatureGroup:
    """Runs of one browser on one journey that failed with the same signature line."""

    journey: str
    browser: str
    line: str
    step_id: str
    step: str
    outcomes: dict[str, int] = field(default_factory=dict)
    count: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0
    example: dict[str, Any] = field(default_factory=dict)  # the latest signature of the group
    screenshot: str | None = None
    trace: str | None = None


@dataclass
class JourneyFunnel:
    journey: str
    browsers: list[str]
    runs: dict[str, int]  # counted (first attempts that judged the target) per browser
    succeeded: dict[str, int]
    steps: list[StepRow]
    signatures: list[SignatureGroup]  # most frequent first, per browser

    def top_signatures(self, browser: str, n: int = 3) -> list[SignatureGroup]:
        return [g for g in self.signatures if g.browser == browser][:n]

    def drop_step(self, browser: str) -> StepRow | None:
        """The step where most of this browser's runs dropped out (None when none did)."""
        rows = [r for r in self.steps if r.dropped(browser) > 0]
        return max(rows, key=lambda r: r.dropped(browser), default=None)


def failed_step_ids(result: JourneyResult) -> list[str]:
    """The step ids (metric labels) a result failed at: its signatures' steps, else its failed
    steps, else ``none`` (it failed outside any step). One per step, whatever the test count."""
    ids = [s.step_id for s in result.signatures] or [s.id for s in result.steps if not s.ok] or [HORS_ETAPE.id]
    return sorted({step_label(i) for i in ids})


def _step_order(runs: Iterable[FunnelRun]) -> list[tuple[str, str]]:
    """(id, name) in procedure order: the longest run's order, others' extra steps after their predecessor."""
    order: list[tuple[str, str]] = []
    for run in sorted(runs, key=lambda r: -len(r.steps)):
        previous = -1
        for s in run.steps:
            key = (str(s.get("id") or HORS_ETAPE.id), str(s.get("name") or ""))
            if key in order:
                previous = order.index(key)
            else:
                previous += 1
                order.insert(previous, key)
    return order


def _artifact(paths: Sequence[str], suffix: str) -> str | None:
    return next((p for p in paths if p.endswith(suffix)), None)


def build(runs: Iterable[FunnelRun], browsers: Sequence[str] = ()) -> list[JourneyFunnel]:
    """One funnel per journey, browsers in the given order (then any others seen)."""
    by_journey: dict[str, list[FunnelRun]] = {}
    for run in runs:
        by_journey.setdefault(run.journey, []).append(run)
    out = []
    for journey, jruns in sorted(by_journey.items()):
        seen = list(dict.fromkeys([*browsers, *sorted({r.browser for r in jruns})]))
        counted = [r for r in jruns if r.outcome in JUDGED_OUTCOMES]
        # A browser that never judged the target here (not installed, not run) gets no column;
        # one whose runs all broke the prober keeps one, for its signatures.
        present = [b for b in seen if any(r.browser == b and (r.outcome in JUDGED_OUTCOMES or r.signatures)
                                          for r in jruns)]
        rows = {key: StepRow(*key) for key in _step_order(counted)}
        runs_n: dict[str, int] = {}
        ok_n: dict[str, int] = {}
        for run in counted:
            runs_n[run.browser] = runs_n.get(run.browser, 0) + 1
            if run.outcome == Outcome.SUCCESS.value:
                ok_n[run.browser] = ok_n.get(run.browser, 0) + 1
            verdicts: dict[tuple[str, str], bool] = {}
            for s in run.steps:
                key = (str(s.get("id") or HORS_ETAPE.id), str(s.get("name") or ""))
                verdicts[key] = verdicts.get(key, True) and bool(s.get("ok", True))
            for key, ok in verdicts.items():
                row = rows[key]
                row.reached[run.browser] = row.reached.get(run.browser, 0) + 1
                if ok:
                    row.passed[run.browser] = row.passed.get(run.browser, 0) + 1
        out.append(JourneyFunnel(journey, present, runs_n, ok_n, list(rows.values()), _groups(journey, jruns)))
    return out


def _groups(journey: str, runs: Sequence[FunnelRun]) -> list[SignatureGroup]:
    groups: dict[tuple[str, str], SignatureGroup] = {}
    for run in sorted(runs, key=lambda r: r.ts):
        for sig in run.signatures:
            line = str(sig.get("line") or "")
            key = (run.browser, line)
            g = groups.get(key)
            if g is None:
                step_id = str(sig.get("step_id") or HORS_ETAPE.id)
                g = groups[key] = SignatureGroup(journey, run.browser, line, step_id, str(sig.get("step") or ""),
                                                 first_seen=run.ts)
            g.count += 1
            g.outcomes[run.outcome] = g.outcomes.get(run.outcome, 0) + 1
            g.last_seen, g.example = run.ts, dict(sig)
            shot, trace = _artifact(run.artifacts, ".png"), _artifact(run.artifacts, ".zip")
            if shot or trace:  # the latest run's files: the likeliest to be kept by retention
                g.screenshot, g.trace = shot or g.screenshot, trace or g.trace
    return sorted(groups.values(), key=lambda g: (g.browser, -g.count, -g.last_seen))


def step_words(step_id: str) -> str:
    """The help page's words for a step id (the id itself if the vocabulary no longer has it)."""
    known = ETAPES.get(step_id)
    return known.name if known else step_id


def drop_clause(funnel: JourneyFunnel, browser: str, label: str | None = None) -> str | None:
    """« Firefox fails at « step » (3/3: 422 « alert… », TypeError …) », or None if it never dropped.

    The count is runs that dropped at that step over runs that reached it; the cause is the most
    frequent signature there, without its step (already named).
    """
    row = funnel.drop_step(browser)
    if row is None:
        return None
    at_step = [g for g in funnel.signatures if g.browser == browser and g.step_id == row.id]
    cause = ""
    if at_step:
        top = max(at_step, key=lambda g: g.count)
        parts = top.line.split(" · ")
        cause = ": " + " · ".join(parts[1:]) if len(parts) > 1 else ""
    return (f"{label or browser} fails at « {row.name} » "
            f"({row.dropped(browser)}/{row.reached.get(browser, 0)}{cause})")


def drop_sentences(funnel: JourneyFunnel, label: Callable[[str], str] = str) -> list[str]:
    """« J2.2b: Firefox fails at « … » (3/3: …); Chromium passes it (3/3) », one per browser that dropped.

    Said whether or not the gap is significant yet: where a browser fails is a fact of the runs;
    whether it differs from the others is the verdict's business.
    """
    out = []
    for browser in funnel.browsers:
        clause = drop_clause(funnel, browser, label(browser))
        if clause is None:
            continue
        row = funnel.drop_step(browser)
        assert row is not None
        others = [f"{label(b)} passes it ({row.passed.get(b, 0)}/{row.reached[b]})" for b in funnel.browsers
                  if b != browser and row.reached.get(b) and not row.dropped(b)]
        out.append(f"{funnel.journey}: {clause}" + (f"; {', '.join(others)}" if others else ""))
    return out
