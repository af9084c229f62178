"""What the status page stands on, as plain data: read from the store by ``gather``, put into words by ``decide``.

Why a module of plain records: the words (``decide``) are pure and tested without a store, and the
store is read in one place (``gather``). Every figure here is already a verdict or a count the
monitor keeps; nothing is estimated again for the page.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: The window the page's evidence counts over (« sur les 24 dernières heures »).
WINDOW_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class BrowserFacts:
    """One engine as the alerts see it, and the counts behind the sentence."""

    engine: str  # fixtures.core.engine_names id
    succeeded: int = 0  # first attempts that succeeded in the window
    judged: int = 0  # first attempts that judged the target in the window (the success-rate rule)
    failing_now: bool = False  # every journey's last run that judged the target failed (probe_success all 0)
    failing_since: float | None = None  # start of the first cycle of that streak
    alert: bool = False  # ExtranetBrowserFailsMoreOften's condition (monitor.verdicts)
    alert_since: float | None = None
    worse_than: tuple[str, ...] = ()  # engines it is alerted to fail more often than
    clean_since: float | None = None  # an alert still on, but the runs are clean since then: it is ending
    blocked: bool = False  # the monitor was blocked on its last attempts (it cannot see; says nothing of the browser)


@dataclass(frozen=True)
class MailFacts:
    """The recovery mails (identifier, reset link) of the window."""

    delivery_seconds: tuple[float, ...] = ()  # each mail's delivery time
    placed: int = 0  # mails whose folder was measured (IMAP)
    in_junk: int = 0  # of those, filed as junk


@dataclass(frozen=True)
class LinkValidity:
    """The reset link's measured validity (hook: filled once the measurement exists; None until then)."""

    measured_seconds: float
    announced_seconds: float | None = None


@dataclass(frozen=True)
class Maintenance:
    """A maintenance window from the configuration ([status] maintenance): the operator's words, bounded."""

    start: float
    end: float
    text: str = ""


@dataclass(frozen=True)
class Facts:
    now: float
    interval: float  # seconds between cycles ([schedule] interval): stale after twice that
    readable: bool = True  # the store could be opened and read
    last_cycle_at: float | None = None  # end of the last completed cycle
    browsers: tuple[BrowserFacts, ...] = ()
    target_failing: bool = False  # the target's incident: every browser failing now (ExtranetTargetDown)
    target_failing_since: float | None = None
    target_degraded: bool = False  # ExtranetTargetDegraded's condition
    target_degraded_since: float | None = None
    mail: MailFacts = field(default_factory=MailFacts)
    link_validity: LinkValidity | None = None
    maintenance: tuple[Maintenance, ...] = ()
    location: str | None = None  # shown only when configured ([status] show_location)
