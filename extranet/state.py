"""The application state every handler reads: settings, store, clock, mailer, fault profile.

Why one object: a handler gets everything through ``extranet_of(request)`` and nothing is a
module-level global, so two apps (tests start several) never share state.
"""
from __future__ import annotations

import hmac
import json
import logging
import threading
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from . import mailer as mail
from .cryptogram import Cryptograms
from .faults import FaultProfile, FaultState
from .security import Clock, log_ref
from .settings import Settings
from .store import Store

log = logging.getLogger("extranet")


@dataclass
class Extranet:
    """Everything a handler needs, built once per application."""

    settings: Settings
    store: Store
    clock: Clock
    cryptograms: Cryptograms
    mailer: mail.Mailer
    templates: Jinja2Templates
    _fault_key: str | None = dataclass_field(default=None, init=False)
    _fault_state: FaultState | None = dataclass_field(default=None, init=False)
    _fault_lock: threading.Lock = dataclass_field(default_factory=threading.Lock, init=False)

    def now(self) -> float:
        return self.clock.now()

    def faults(self) -> FaultState:
        """The fault profile in force: the operator's if set, else --faults; one RNG per profile."""
        stored = self.store.get_setting("faults")
        with self._fault_lock:
            if self._fault_state is None or stored != self._fault_key:
                profile = FaultProfile.from_dict(json.loads(stored)) if stored else self.settings.faults
                self._fault_key, self._fault_state = stored, FaultState(profile)
                if profile.active:
                    log.warning("fault profile in force: %s", ", ".join(sorted(profile.to_dict())))
            return self._fault_state

    def restart_faults(self) -> None:
        """A new RNG at the next request, even for the same profile: a seed replays from the start."""
        self._fault_state = None

    def draw_fault(self, state: FaultState, rate: float) -> bool:
        """One draw of ``state``'s RNG, under the lock the mail thread shares."""
        with self._fault_lock:
            return rate > 0 and state.draw(rate)

    def deliver(self, outgoing: mail.OutgoingMail, state: FaultState | None = None) -> bool:
        """Send a mail, through the mail faults (drop, delay, spammy) of ``state``.

        ``state`` is the profile in force when the request was handled: a mail sent after the
        response (background task) must not pick up a profile the operator set in between.
        Blocking (SMTP): call from a worker thread. A delayed mail is sent by a timer thread so
        the page answers at once.
        """
        state = state or self.faults()
        profile = state.profile
        if self.draw_fault(state, profile.mail_drop_rate):
            log.warning("fault: mail kind=%s to=%s dropped (mail_drop_rate=%s)", outgoing.kind,
                        log_ref(outgoing.to.lower()), profile.mail_drop_rate)
            return False
        if profile.mail_link_host:
            outgoing = mail.relinked(outgoing, self.settings.base_url, profile.mail_link_host)
        wire = mail.Wire(spam=profile.spammy_mail, break_dkim=profile.dkim_broken_in_transit,
                         unauthorized_source=profile.spf_unauthorized_sender, misaligned=profile.dmarc_misaligned)
        if profile.mail_delay_seconds > 0:
            log.warning("fault: mail kind=%s delayed by %s s", outgoing.kind, profile.mail_delay_seconds)
            timer = threading.Timer(profile.mail_delay_seconds, self.mailer.send, args=(outgoing,),
                                    kwargs={"wire": wire})
            timer.daemon = True
            timer.start()
            return True
        return self.mailer.send(outgoing, wire=wire)

    async def send_mail(self, outgoing: mail.OutgoingMail) -> bool:
        """Send from a worker thread so the event loop never waits on SMTP."""
        return await run_in_threadpool(self.deliver, outgoing, self.faults())

    def incident_text(self) -> str | None:
        """The fault profile's text if it sets one ("" hides the notice), else the operator's
        text if set (``null`` hides the notice), else the --incident-text flag."""
        forced = self.faults().profile.incident_text
        if forced is not None:
            return forced if forced.strip() else None
        stored = self.store.get_setting("incident_text")
        if stored is None:
            return self.settings.incident_text
        value = json.loads(stored)
        return value if isinstance(value, str) and value.strip() else None

    def operator_authorized(self, request: Request) -> bool:
        key = self.settings.operator_key
        given = request.headers.get("x-operator-key")
        if not key or not given:
            return False
        return hmac.compare_digest(key.encode(), given.encode())


    def captcha_bypassed(self, request: Request) -> bool:
        """The request carries the bypass the operators granted (``--captcha-bypass-header``/``-cookie``)."""
        expected = self.settings.captcha_bypass_value
        header, cookie = self.settings.captcha_bypass_header, self.settings.captcha_bypass_cookie
        given = request.headers.get(header) if header else request.cookies.get(cookie) if cookie else None
        if not expected or not given:
            return False
        return hmac.compare_digest(expected.encode(), given.encode())


def extranet_of(request: Request) -> Extranet:
    """The state of the application that received ``request``."""
    return request.app.state.extranet  # type: ignore[no-any-return]
