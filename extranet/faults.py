"""Fault profiles of the reference extranet: known, reproducible misbehaviour for the suite.

Why it exists: the suite and the monitor must show they *detect* what the help page complains
about (a flow "less systematic" in some browsers, mails late, lost or filed as spam, errors,
an incident notice). A profile is one JSON object; every key is one fault, all combinable; an
unknown key or a bad value is refused with a message naming it, so a typo never silently does
nothing. Set by ``--faults JSON`` / ``--faults @file.json`` / ``EXTRANET_FAULTS`` at start, or
replaced at run time by ``POST /__operator__/faults`` (the operator's profile wins until
``POST /__operator__/reset``).

Faults (defaults mean "behave normally"):

``reset_requires_client_hints: true`` — engine-dependent through a real mechanism, not by
    looking at the User-Agent. The new-password page (reset and activation) gets a script that,
    on submit, copies ``navigator.userAgentData.platform`` (User-Agent Client Hints, a JS API)
    into a hidden field ``empreinte``; the server then refuses a submission without it (422,
    visible alert). Chromium implements ``navigator.userAgentData`` (secure contexts; loopback
    is one) and passes. Firefox (checked on ESR 153: ``typeof navigator.userAgentData ===
    "undefined"``) and WebKit/Safari do not implement it: the script throws, the form is
    submitted without the field and the user sees the alert. J2.2b fails on Firefox, passes on
    Chromium. (Tried first and rejected: a cookie ``SameSite=None`` without ``Secure`` and a
    third-party cookie on the other loopback name: Chromium 156 and Firefox 153 both refuse
    them in Playwright, so they do not tell the engines apart.)

``engine_failure_rates: {"chromium": 0.3, "firefox": 0.02, "webkit": 0.2}`` with
    ``failure_endpoint`` (default ``reset_submit``) — a synthetic failure with a *known true rate*
    per engine: that endpoint answers HTTP 500 (error page) with that probability. Here, and only
    here, the server tells engines apart from request headers (``Sec-CH-UA`` naming Chromium,
    else ``User-Agent``: ``Firefox/`` → firefox, ``AppleWebKit`` without ``Chrome`` → webkit),
    because the point is a truth known per engine to calibrate the monitor's statistics; no
    other fault looks at who the browser is.

``slow_endpoint: {"endpoint": "reset_submit", "engine": "firefox", "delay_seconds": 2}`` — a slow-down
    with a *known truth* for one engine: that endpoint answers ``delay_seconds`` late for requests
    of that engine only (told apart from the headers, as for ``engine_failure_rates``, and for the
    same reason: the monitor's timing comparison must be shown to find a known step × browser).

``seed: int`` — seeds the profile's RNG (``random.Random``) used for failures and mail drops.

``mail_delay_seconds: N`` — every mail is handed to SMTP N seconds later (a timer thread; the
    page answers at once). ``mail_drop_rate: p`` — each mail is silently not sent with
    probability p (the page still says a mail was sent). ``spammy_mail: true`` — mails get what
    SpamAssassin scores high: shouting subject prefix and body ("FREE MONEY", "ACT NOW",
    "100% GUARANTEED", "CLICK HERE"), HTML-only body with no text part, no Date and no
    Message-ID, a From display name unlike its address.

``dkim_broken_in_transit: true`` — the mail's body changes after it was signed (a footer a gateway
    appends): DKIM fails with "body hash mismatch"; with the lab's DMARC (``aspf=s``, the Return-Path
    on ``retours.``) nothing aligned passes, so DMARC quarantines it. ``spf_unauthorized_sender: true`` —
    the mail leaves from ``127.0.0.2``, an address the SPF record does not list: SPF fails (DMARC still
    passes through DKIM). ``dmarc_misaligned: true`` — a third-party sending service
    (``routeur-mail.invalid``) sends and signs: SPF and DKIM pass for *its* domain, neither aligns with
    From, DMARC fails and ``p=quarantine`` applies. ``mail_link_host: "host"`` — every link of the mails
    points to that host (same path): a user must not click it. The first three need a DKIM key
    (``--dkim-key``) and a receiver that checks (the lab's gateway); the suite explains them from the
    mail's headers alone (``fixtures/mail/path.py``).

``endpoint_errors: {"<endpoint>": status}`` — that endpoint answers the status (400-599) with the error
    page. ``endpoint_delays_seconds: {"<endpoint>": s}`` — that endpoint answers s seconds late.

``links_leave_root_path: true`` — the pages' links, forms and redirects leave out the root path
    (``/mot-de-passe-oublie`` from a portal served under ``/aparts/``, which answers 404 there):
    an application that does not know it is deployed under a path. The suite must say so
    (failure class ``left_target_path``), not just "no heading". No effect at the root.

``session_in_url: true`` — every link, form, redirect and image of the pages carries the
    session as a path parameter, ``/aparts/mon-espace;jsessionid=5E8F…`` (32 hex digits, one
    per session), as Java servers do when unsure of cookies (Servlet URL rewriting). The
    extranet, like a servlet container, ignores path parameters when routing. The suite must
    treat the value as a secret wherever a URL is kept (traces, signatures, reports).
``label_overrides: {"Valider": "Confirmer", "Identifiant": "Identifiant de connexion"}`` — renames
    labels on every page, several at once: any whole text node or accessible-name attribute equal to
    a key is shown as its value (``extranet/relabel.py``; form field names and values are unchanged,
    so the forms still work). What a portal redesign does to the suite's page objects: the screen
    diff of a failed step and ``monitor doctor`` must name each change.

``incident_text: "..."`` — shows the incident notice with this text; ``""`` forces it off;
    absent/null leaves the operator's or the flag's notice as it is.

``hostile_text: true`` — a screen the suite must not trust: every page shows, instead of its
    content, a level-1 heading, an alert (``role="alert"``), a page title, a ``console.error`` and an
    uncaught JavaScript error, each of :data:`HOSTILE_SIZE` characters (100 kB) starting with
    :data:`HOSTILE_SAMPLE`: every C0 control but tab/LF/CR (NUL, SOH, BEL…), an OSC title sequence
    ``ESC ]0;…BEL``, ANSI CSI colours, a C1 CSI (U+009B), a bidi override and isolate, zero-width
    characters, the noncharacters U+FFFE/U+FFFF, DEL, markup (``<img onerror>``, ``<script>``) and,
    in the JavaScript texts, a lone surrogate. Every journey fails at
    its first screen; the point is what reaches the terminal, the JUnit XML, the reports, the logs
    and the store (``fixtures.core.untrusted``).

``bot_defence_user_agent: true | ["token", …]`` — a bot defence refuses every request whose user agent
    (or ``Sec-CH-UA`` brands) carries one of the tokens (``true``: :data:`HEADLESS_TOKENS`, headless
    browsers) with a ``403`` F5-style page « Request Rejected … Your support ID is: N ».
    ``bot_defence_automation: true`` — a JavaScript challenge (``403`` « Vérification de votre
    navigateur… ») on every page: its script lets the browser in (a cookie, a reload) only when
    ``navigator.webdriver`` is false. ``bot_defence_rate: {"requests": N, "window_seconds": S}`` — more
    than N requests in S seconds answer ``429`` with ``Retry-After``. All three: ``extranet/bot_defence.py``;
    operator routes and ``/healthz`` are never refused. The suite must report them as the prober's
    problem (``probe_error``, class ``blocked``), never as a browser's failure.

Endpoints (``ENDPOINTS``): a name per request the extranet answers (method + path), found by
``endpoint_of``. Not the journeys' steps (``fixtures/core/steps.py``): one step may send several requests.
"""
from __future__ import annotations

import functools
import json
import math
import random
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

ENGINES = ("chromium", "firefox", "webkit")
MAX_DELAY_SECONDS = 600.0
MAX_LABEL_OVERRIDES = 50
MAX_LABEL_CHARS = 200
#: What ``bot_defence_user_agent: true`` refuses: headless browsers, in the user agent or its brands.
HEADLESS_TOKENS = ("HeadlessChrome", "Headless")

#: What ``hostile_text`` shows first in each text: one of each character an output could choke on.
#: Every C0 control XML 1.0 refuses (all but tab, LF, CR; the HTML parser drops NUL from the DOM, a
#: script keeps it), a terminal's title and colour sequences, C1, bidi, noncharacters and markup.
HOSTILE_SAMPLE = ("C0[" + "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "] "
                  "OSC\x1b]0;owned title\x07 CSI\x1b[31mred\x1b[0m\x1b[2J C1\x9b2J bidi\u202eevil\u202c "
                  "isolate\u2066x\u2069 zw\u200b\ufeff nonchar\ufffe\uffff DEL\x7f "
                  "html<img src=x onerror=alert(1)><script>window.owned=1</script>")
#: Characters of each hostile text (100 kB: bigger than any field the suite keeps).
HOSTILE_SIZE = 100_000


@functools.cache
def hostile_texts() -> dict[str, str]:
    """The texts a ``hostile_text`` page shows, by place (each HOSTILE_SIZE characters)."""
    def text(place: str, extra: str = "") -> str:
        start = f"{place}: {HOSTILE_SAMPLE}{extra} "
        return (start + "x" * HOSTILE_SIZE)[:HOSTILE_SIZE]

    # A lone surrogate cannot be sent as UTF-8 HTML; a script carries it (as a JSON escape).
    return {"heading": text("heading"), "alert": text("alert"), "title": text("title"),
            "console": text("console", " surrogate\ud800"), "error": text("error", " surrogate\udfff")}

#: endpoint name → (method, path pattern)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "home": ("GET", r"/"),
    "login": ("POST", r"/connexion"),
    "create_form": ("GET", r"/creer-mon-espace"),
    "create_submit": ("POST", r"/creer-mon-espace"),
    "account_submit": ("POST", r"/creer-mon-espace/compte"),
    "forgot_identifier_form": ("GET", r"/identifiant-oublie"),
    "forgot_identifier_submit": ("POST", r"/identifiant-oublie"),
    "forgot_password_form": ("GET", r"/mot-de-passe-oublie"),
    "forgot_password_submit": ("POST", r"/mot-de-passe-oublie"),
    "reset_form": ("GET", r"/reinitialisation/.+"),
    "reset_submit": ("POST", r"/reinitialisation/.+"),
    "activation_form": ("GET", r"/activation/.+"),
    "activation_submit": ("POST", r"/activation/.+"),
    "assistance_submit": ("POST", r"/assistance(-technique)?"),
}
_ENDPOINT_RE = {name: (method, re.compile(pattern + r"\Z")) for name, (method, pattern) in ENDPOINTS.items()}


class FaultProfileError(ValueError):
    """The submitted profile is not a JSON object of known faults; the message names the key."""


def endpoint_of(method: str, path: str) -> str | None:
    """The endpoint a request is, or None (operator routes, static files, health are never faulted)."""
    for name, (step_method, pattern) in _ENDPOINT_RE.items():
        if method == step_method and pattern.match(path):
            return name
    return None


def engine_of(headers: Mapping[str, str]) -> str | None:
    """Which engine sent a request, from Sec-CH-UA then User-Agent (known-truth faults only:
    ``engine_failure_rates`` and ``slow_endpoint``)."""
    ch_ua = headers.get("sec-ch-ua", "")
    if "Chromium" in ch_ua or "Google Chrome" in ch_ua:
        return "chromium"
    ua = headers.get("user-agent", "")
    if "Firefox/" in ua:
        return "firefox"
    if "Chrome/" in ua or "Chromium/" in ua:
        return "chromium"
    if "AppleWebKit" in ua:
        return "webkit"
    return None


def _rate(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0.0 <= value <= 1.0:
        raise FaultProfileError(f"{key}: must be a probability between 0 and 1, got {value!r}")
    return float(value)


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0.0 <= value <= MAX_DELAY_SECONDS:
        raise FaultProfileError(f"{key}: must be a number of seconds between 0 and {MAX_DELAY_SECONDS:.0f}, "
                                f"got {value!r}")
    return float(value)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FaultProfileError(f"{key}: must be true or false, got {value!r}")
    return value


def _endpoint(key: str, value: Any) -> str:
    if value not in ENDPOINTS:
        raise FaultProfileError(f"{key}: unknown endpoint {value!r}; known: {', '.join(ENDPOINTS)}")
    return str(value)


def _mapping(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FaultProfileError(f"{key}: must be a JSON object, got {value!r}")
    return value


def _slow_endpoint(key: str, value: Any) -> dict[str, Any]:
    slow = _mapping(key, value)
    fields_ = ("endpoint", "engine", "delay_seconds")
    if sorted(slow) != sorted(fields_):
        raise FaultProfileError(f"{key}: needs exactly the keys {', '.join(fields_)}, got {', '.join(sorted(slow)) or 'none'}")
    if slow["engine"] not in ENGINES:
        raise FaultProfileError(f"{key}.engine: unknown engine {slow['engine']!r}; known: {', '.join(ENGINES)}")
    return {"endpoint": _endpoint(f"{key}.endpoint", slow["endpoint"]), "engine": slow["engine"],
            "delay_seconds": _seconds(f"{key}.delay_seconds", slow["delay_seconds"])}


def _labels(key: str, value: Any) -> dict[str, str]:
    labels = _mapping(key, value)
    if len(labels) > MAX_LABEL_OVERRIDES:
        raise FaultProfileError(f"{key}: at most {MAX_LABEL_OVERRIDES} labels, got {len(labels)}")
    for old, new in labels.items():
        if not isinstance(new, str) or not old.strip() or not new.strip() \
                or len(old) > MAX_LABEL_CHARS or len(new) > MAX_LABEL_CHARS:
            raise FaultProfileError(f"{key}.{old}: must map a label to a new label (non-empty text, at most "
                                    f"{MAX_LABEL_CHARS} characters), got {new!r}")
    return {str(old): str(new) for old, new in labels.items()}


def _user_agent_tokens(key: str, value: Any) -> tuple[str, ...]:
    if value is True:
        return HEADLESS_TOKENS
    if value is False:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(t, str) and t.strip() for t in value) \
            or len(value) > MAX_LABEL_OVERRIDES:
        raise FaultProfileError(f"{key}: must be true, false or a list of user-agent tokens such as "
                                f"[\"HeadlessChrome\"], got {value!r}")
    return tuple(str(t) for t in value)


def _rate_limit(key: str, value: Any) -> dict[str, float]:
    limit = _mapping(key, value)
    if sorted(limit) != ["requests", "window_seconds"]:
        raise FaultProfileError(f"{key}: needs exactly the keys requests, window_seconds, got "
                                f"{', '.join(sorted(limit)) or 'none'}")
    requests = limit["requests"]
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise FaultProfileError(f"{key}.requests: must be a whole number ≥ 1, got {requests!r}")
    window = _seconds(f"{key}.window_seconds", limit["window_seconds"])
    if window <= 0:
        raise FaultProfileError(f"{key}.window_seconds: must be more than 0 seconds, got {window!r}")
    return {"requests": requests, "window_seconds": window}


@dataclass(frozen=True)
class FaultProfile:
    """A validated, combinable set of faults; the empty profile means "behave normally"."""

    reset_requires_client_hints: bool = False
    engine_failure_rates: dict[str, float] = field(default_factory=dict)
    failure_endpoint: str = "reset_submit"
    seed: int | None = None
    mail_delay_seconds: float = 0.0
    mail_drop_rate: float = 0.0
    spammy_mail: bool = False
    endpoint_errors: dict[str, int] = field(default_factory=dict)
    endpoint_delays_seconds: dict[str, float] = field(default_factory=dict)
    slow_endpoint: dict[str, Any] = field(default_factory=dict)  # {"endpoint", "engine", "delay_seconds"}
    incident_text: str | None = None
    hostile_text: bool = False
    dkim_broken_in_transit: bool = False
    spf_unauthorized_sender: bool = False
    dmarc_misaligned: bool = False
    mail_link_host: str | None = None
    links_leave_root_path: bool = False
    session_in_url: bool = False
    label_overrides: dict[str, str] = field(default_factory=dict)
    bot_defence_user_agent: tuple[str, ...] = ()  # user-agent tokens refused (true: HEADLESS_TOKENS)
    bot_defence_automation: bool = False
    bot_defence_rate: dict[str, float] = field(default_factory=dict)  # {"requests", "window_seconds"}

    @classmethod
    def from_dict(cls, data: Any) -> "FaultProfile":
        if not isinstance(data, dict):
            raise FaultProfileError("the fault profile must be a JSON object")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise FaultProfileError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(known)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if value is None and key in ("seed", "incident_text", "mail_link_host"):
                continue
            if key in ("reset_requires_client_hints", "spammy_mail", "links_leave_root_path", "session_in_url",
                       "dkim_broken_in_transit", "spf_unauthorized_sender", "dmarc_misaligned", "hostile_text",
                       "bot_defence_automation"):
                values[key] = _bool(key, value)
            elif key == "engine_failure_rates":
                rates = _mapping(key, value)
                bad = sorted(set(rates) - set(ENGINES))
                if bad:
                    raise FaultProfileError(f"{key}: unknown engine(s) {', '.join(bad)}; known: {', '.join(ENGINES)}")
                values[key] = {engine: _rate(f"{key}.{engine}", rate) for engine, rate in rates.items()}
            elif key == "failure_endpoint":
                values[key] = _endpoint(key, value)
            elif key == "seed":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise FaultProfileError(f"seed: must be an integer or null, got {value!r}")
                values[key] = value
            elif key == "mail_delay_seconds":
                values[key] = _seconds(key, value)
            elif key == "mail_drop_rate":
                values[key] = _rate(key, value)
            elif key == "endpoint_errors":
                out = {}
                for endpoint, status in _mapping(key, value).items():
                    _endpoint(f"{key}.{endpoint}", endpoint)
                    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
                        raise FaultProfileError(f"{key}.{endpoint}: must be an HTTP status 400-599, got {status!r}")
                    out[endpoint] = status
                values[key] = out
            elif key == "endpoint_delays_seconds":
                values[key] = {_endpoint(f"{key}.{endpoint}", endpoint): _seconds(f"{key}.{endpoint}", s)
                               for endpoint, s in _mapping(key, value).items()}
            elif key == "mail_link_host":
                if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d{1,5})?", value):
                    raise FaultProfileError(f"mail_link_host: must be a host name (optionally :port), got {value!r}")
                values[key] = value
            elif key == "label_overrides":
                values[key] = _labels(key, value)
            elif key == "bot_defence_user_agent":
                values[key] = _user_agent_tokens(key, value)
            elif key == "bot_defence_rate":
                values[key] = _rate_limit(key, value)
            elif key == "slow_endpoint":
                values[key] = _slow_endpoint(key, value)
            elif key == "incident_text":
                if not isinstance(value, str):
                    raise FaultProfileError(f"incident_text: must be text, \"\" (notice off) or null, got {value!r}")
                values[key] = value
        return cls(**values)

    @classmethod
    def parse(cls, raw: str) -> "FaultProfile":
        """From the ``--faults`` flag: inline JSON, or ``@path`` to a JSON file."""
        text = raw.strip()
        if text.startswith("@"):
            try:
                text = Path(text[1:]).expanduser().read_text(encoding="utf-8")
            except OSError as exc:
                raise FaultProfileError(f"cannot read the fault profile file {raw[1:]!r}: {exc.strerror}") from None
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise FaultProfileError(f"the fault profile is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """Only the faults that differ from normal behaviour (the empty profile is ``{}``)."""
        default = FaultProfile()
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != getattr(default, f.name)}

    @property
    def active(self) -> bool:
        return bool(self.to_dict())

    def failure_rate(self, engine: str | None) -> float:
        return self.engine_failure_rates.get(engine or "", 0.0)

    def slow_delay(self, endpoint: str, engine: str | None) -> float:
        """Seconds ``slow_endpoint`` adds to this request (0 unless its endpoint and engine)."""
        slow = self.slow_endpoint
        return float(slow["delay_seconds"]) if slow and (slow["endpoint"], slow["engine"]) == (endpoint, engine) else 0.0


class FaultState:
    """The profile in force and its seeded RNG (one per profile, so a seed reproduces a run)."""

    def __init__(self, profile: FaultProfile) -> None:
        self.profile = profile
        self.rng = random.Random(profile.seed)

    def draw(self, probability: float) -> bool:
        """True with the given probability (always draws, so a seeded sequence stays aligned)."""
        return self.rng.random() < probability
