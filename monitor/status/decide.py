"""From the alerts' verdicts to plain French: « fonctionne », « difficultés », « ne fonctionne pas ».

Rules, in this order (each one says why in words, none is silent):

1. the store cannot be read, no cycle was ever completed, or none for twice the interval:
   every browser « état inconnu », and a notice says which (never green by default);
2. the monitor was blocked (failure class ``blocked``: a firewall or the site refusing the
   monitor): that browser is « état inconnu » and the page says the monitor cannot see — never
   that a browser fails;
3. every browser measured fails now (the alert ``ExtranetTargetDown``'s condition) or degrades
   together (``ExtranetTargetDegraded``): the site itself, said once, so nobody changes browser
   for nothing;
4. a browser whose every journey's last judged run failed: « ne fonctionne pas »; one whose alert
   is on (``ExtranetBrowserFailsMoreOften``: worse than another browser, or than its own past):
   « difficultés »; one measured in the window with neither: « fonctionne »; not measured:
   « état inconnu ».

The verdicts come from ``monitor.verdicts`` through ``gather``; nothing is estimated here.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from fixtures.core.engine_names import DISPLAY_NAMES, PUBLIC_NAMES
from fixtures.core.untrusted import clean
from monitor.status import french
from monitor.status.facts import BrowserFacts, Facts, Maintenance

OK, DEGRADED, DOWN, UNKNOWN = "ok", "degraded", "down", "unknown"
#: The page's words for each state (status.json carries both).
WORDS = {OK: "fonctionne", DEGRADED: "difficultés", DOWN: "ne fonctionne pas", UNKNOWN: "état inconnu"}
#: Data freshness, as status.json names it.
FRESH, STALE, NONE, UNREADABLE = "fresh", "stale", "none", "unreadable"
STALE_AFTER_INTERVALS = 2  # no completed cycle for twice the interval: the page stops vouching
WINDOW_WORDS = "sur les 24 dernières heures"
#: What each engine's figure says and does not say (one fact per engine).
ENGINE_NOTES = {
    "firefox": "Mesuré avec Firefox ESR, la version à support étendu de Firefox.",
    "chromium": ("Mesuré avec Chromium, le moteur de Google Chrome et de Microsoft Edge : un problème du site "
                 "avec ce moteur se voit ici ; un réglage ou une extension propre à votre Chrome ou Edge, non."),
    "webkit": ("Mesuré avec WebKitGTK, le moteur WebKit sous Linux, et non avec Safari lui-même : un problème du site "
               "avec le moteur WebKit (celui de Safari) se voit ici ; un problème propre à Safari, à macOS, à "
               "l'iPhone ou à l'iPad ne s'y voit pas."),
}
MAX_OPERATOR_TEXT = 300  # a maintenance note from the configuration, bounded like any text shown


@dataclass(frozen=True)
class BrowserStatus:
    engine: str
    name: str  # the browser people know (« Chrome / Edge »)
    engine_words: str  # « moteur Chromium »
    state: str
    words: str
    evidence: str  # « Sur les 24 dernières heures, 95 parcours sur 96 ont abouti. »
    detail: str  # what to do, or why the state is unknown
    note: str  # what the figure does and does not say
    since: float | None = None
    succeeded: int = 0
    judged: int = 0


@dataclass(frozen=True)
class Incident:
    scope: str  # "target" | "browser" | "monitor"
    text: str
    since: float | None = None
    engine: str | None = None


@dataclass(frozen=True)
class MailStatus:
    sentences: tuple[str, ...]
    mails: int = 0
    median_seconds: float | None = None
    placed: int = 0
    in_junk: int = 0


@dataclass(frozen=True)
class MaintenanceStatus:
    start: float
    end: float
    text: str
    current: bool


@dataclass(frozen=True)
class StatusPage:
    generated_at: float
    data: str  # FRESH | STALE | NONE | UNREADABLE
    overall: str  # OK | DEGRADED | DOWN | UNKNOWN
    headline: str
    notices: tuple[str, ...]
    browsers: tuple[BrowserStatus, ...]
    mail: MailStatus
    link: str
    link_measured_seconds: float | None
    incidents: tuple[Incident, ...]
    maintenance: tuple[MaintenanceStatus, ...]
    last_cycle_at: float | None = None
    interval: float = 900.0
    location: str | None = None
    monitor_sees: bool = True


def freshness(f: Facts) -> str:
    if not f.readable:
        return UNREADABLE
    if f.last_cycle_at is None:
        return NONE
    if f.now - f.last_cycle_at > STALE_AFTER_INTERVALS * f.interval:
        return STALE
    return FRESH


def evidence(b: BrowserFacts) -> str:
    if not b.judged:
        return f"Aucun parcours n'a pu être mesuré {WINDOW_WORDS}."
    verb = "a abouti" if b.succeeded <= 1 else "ont abouti"
    return f"{WINDOW_WORDS[0].upper()}{WINDOW_WORDS[1:]}, {b.succeeded} parcours sur {b.judged} {verb}."


def _name(engine: str) -> str:
    return PUBLIC_NAMES.get(engine, engine)


def _engine_words(engine: str) -> str:
    """« moteur Chromium » where the browser people know is not the engine measured; "" for Firefox."""
    display = DISPLAY_NAMES.get(engine, engine)
    return "" if display == _name(engine) else f"moteur {display}"


def browser_state(b: BrowserFacts, data: str, target_down: bool) -> tuple[str, str, float | None]:
    """(state, what to do or why unknown, since) for one engine."""
    if data == UNREADABLE:
        return UNKNOWN, "Les mesures ne peuvent pas être lues pour le moment.", None
    if data == NONE:
        return UNKNOWN, "Aucune mesure n'a encore été faite.", None
    if data == STALE:
        return UNKNOWN, "Les mesures ne sont plus à jour : cet état n'est plus garanti.", None
    if b.blocked:
        return (UNKNOWN, "Le moniteur est bloqué (pare-feu ou refus du site) : il ne voit pas si la procédure "
                         "fonctionne avec ce navigateur. Ce n'est pas une panne du navigateur.", None)
    if not b.judged:
        return UNKNOWN, f"Ce navigateur n'a pas été mesuré {WINDOW_WORDS}.", None
    if target_down:
        return DOWN, "Le site lui-même est en panne : changer de navigateur n'aidera pas.", b.failing_since
    ending = (f" Les derniers essais réussissent depuis le {french.when(b.clean_since)} : l'incident se termine."
              if b.clean_since else "")
    if b.failing_now:
        since = f" depuis le {french.when(b.failing_since)}" if b.failing_since else ""
        return DOWN, f"Les derniers essais ont tous échoué avec ce navigateur{since}.{ending}", b.failing_since
    if b.alert:
        since = f" depuis le {french.when(b.alert_since)}" if b.alert_since else ""
        versus = [_name(e) for e in b.worse_than]
        than = f" qu'avec {french.listing(versus)}" if versus else " qu'à l'habitude"
        return DEGRADED, f"La procédure échoue plus souvent avec ce navigateur{than}{since}.{ending}", b.alert_since
    return OK, "La procédure aboutit avec ce navigateur.", None


def _advice(statuses: list[BrowserStatus]) -> str:
    working = [s.name for s in statuses if s.state == OK]
    troubled = [s for s in statuses if s.state in (DEGRADED, DOWN)]
    if not troubled:
        return ""
    if working:
        return f" En cas d'échec, essayez avec {french.listing(working)}."
    return ""


def mail_status(f: Facts, data: str) -> MailStatus:
    m = f.mail
    if data == UNREADABLE:
        return MailStatus(("Les mesures du courriel ne peuvent pas être lues pour le moment.",))
    out: list[str] = []
    median = statistics.median(m.delivery_seconds) if m.delivery_seconds else None
    if median is None:
        out.append(f"Aucun courriel de récupération n'a été reçu par le moniteur {WINDOW_WORDS}.")
    else:
        n = len(m.delivery_seconds)
        out.append(f"{WINDOW_WORDS[0].upper()}{WINDOW_WORDS[1:]}, le courriel de récupération (identifiant ou lien "
                   f"de réinitialisation) est arrivé en {french.duration(median)} (délai médian, "
                   f"{n} courriel{'s' if n > 1 else ''}).")
    if m.placed:
        if m.in_junk:
            out.append(f"{french.percent(m.in_junk, m.placed)} de ces courriels ({m.in_junk} sur {m.placed}) "
                       "sont arrivés dans les courriers indésirables (spam) : pensez à y regarder.")
        else:
            out.append(f"Aucun n'est arrivé dans les courriers indésirables (spam) ({m.placed} vérifiés).")
    elif median is not None:
        out.append("Le classement en courriers indésirables (spam) n'est pas mesuré par ce moniteur : pensez "
                   "quand même à y regarder.")
    if data in (STALE, NONE):
        out.append("Ces chiffres ne sont plus à jour." if data == STALE else "")
    return MailStatus(tuple(s for s in out if s), len(m.delivery_seconds), median, m.placed, m.in_junk)


def link_sentence(f: Facts) -> tuple[str, float | None]:
    lv = f.link_validity
    if lv is None:
        return ("La durée de validité réelle du lien de réinitialisation n'est pas mesurée par ce moniteur "
                "(le message du site annonce 60 minutes)."), None
    text = f"Le lien de réinitialisation est resté valable {french.duration(lv.measured_seconds)} lors de la dernière mesure"
    if lv.announced_seconds:
        text += f" (le site annonce {french.duration(lv.announced_seconds)})"
    return text + ".", lv.measured_seconds


def maintenance_status(windows: tuple[Maintenance, ...], now: float) -> tuple[MaintenanceStatus, ...]:
    """Current and future windows, soonest first; the operator's text cleaned and bounded."""
    kept = sorted((w for w in windows if w.end > now), key=lambda w: w.start)
    return tuple(MaintenanceStatus(w.start, w.end, clean(w.text)[:MAX_OPERATOR_TEXT], w.start <= now < w.end)
                 for w in kept)


def decide(f: Facts) -> StatusPage:
    """The whole page's content, in words, from the facts."""
    data = freshness(f)
    judged = [b for b in f.browsers if b.judged and not b.blocked]
    blocked = [b for b in f.browsers if b.blocked]
    live = data == FRESH
    target_down = live and not blocked and (f.target_failing or (bool(judged) and all(b.failing_now for b in judged)))
    statuses = []
    for b in f.browsers:
        state, detail, since = browser_state(b, data, target_down)
        statuses.append(BrowserStatus(b.engine, _name(b.engine), _engine_words(b.engine), state, WORDS[state],
                                      evidence(b), detail, ENGINE_NOTES.get(b.engine, ""), since, b.succeeded,
                                      b.judged))
    notices: list[str] = []
    incidents: list[Incident] = []
    maintenance = maintenance_status(f.maintenance, f.now)
    for w in maintenance:
        if w.current:
            notices.append(f"Une maintenance est en cours jusqu'au {french.when(w.end)} : la procédure peut être "
                           "indisponible pendant ce temps.")
    if data == UNREADABLE:
        notices.append("Les mesures du moniteur ne peuvent pas être lues pour le moment : cette page ne peut rien "
                       "affirmer sur la procédure. Ce n'est pas une indication sur le site.")
        incidents.append(Incident("monitor", "Les mesures ne peuvent pas être lues."))
    elif data == NONE:
        notices.append("Aucune mesure n'a encore été faite : cette page ne peut encore rien affirmer.")
    elif data == STALE:
        assert f.last_cycle_at is not None
        notices.append(f"Les mesures ne sont plus à jour : la dernière date du {french.when(f.last_cycle_at)}, alors "
                       f"qu'il en faut une toutes les {french.duration(f.interval)}. Tant qu'elles n'ont pas repris, "
                       "l'état des navigateurs est inconnu.")
        incidents.append(Incident("monitor", "Les mesures se sont arrêtées.", f.last_cycle_at))
    if live and blocked:
        names = french.listing([_name(b.engine) for b in blocked])
        everyone = len(blocked) == len(f.browsers)
        notices.append(("Le moniteur est actuellement bloqué (par un pare-feu ou par le site) : il ne peut pas voir "
                        "si la procédure fonctionne. " if everyone else
                        f"Le moniteur est bloqué pour {names} : il ne voit pas si la procédure fonctionne avec "
                        f"{'ce navigateur' if len(blocked) == 1 else 'ces navigateurs'}. ")
                       + "Cela ne dit rien d'une panne d'un navigateur.")
        incidents.append(Incident("monitor", "Le moniteur est bloqué : il ne voit pas le site."))
    if target_down:
        since = f.target_failing_since or min((b.failing_since for b in judged if b.failing_since), default=None)
        notices.append("La procédure ne fonctionne avec aucun navigateur : le problème vient du site lui-même, pas "
                       "de votre navigateur. Changer de navigateur n'aidera pas.")
        incidents.append(Incident("target", "Le site ne permet plus la récupération, quel que soit le navigateur.",
                                  since))
    elif live and f.target_degraded:
        from_ = f" depuis le {french.when(f.target_degraded_since)}" if f.target_degraded_since else ""
        notices.append(f"La procédure échoue plus souvent qu'à l'habitude avec tous les navigateurs{from_} : le site "
                       "lui-même a des difficultés.")
        incidents.append(Incident("target", "Le site a des difficultés avec tous les navigateurs.",
                                  f.target_degraded_since))
    for s in statuses:
        if s.state in (DOWN, DEGRADED) and not target_down:
            incidents.append(Incident("browser", f"{s.name} : {s.words}. {s.detail}", s.since,
                                      s.engine))
    overall = _overall(statuses, data, target_down, bool(blocked))
    link, link_seconds = link_sentence(f)
    return StatusPage(f.now, data, overall, _headline(statuses, overall, target_down, data, bool(blocked)),
                      tuple(notices), tuple(statuses), mail_status(f, data), link, link_seconds, tuple(incidents),
                      maintenance, f.last_cycle_at, f.interval, f.location, monitor_sees=live and not blocked)


def _overall(statuses: list[BrowserStatus], data: str, target_down: bool, blocked: bool) -> str:
    if data != FRESH or not statuses:
        return UNKNOWN
    if target_down:
        return DOWN
    states = {s.state for s in statuses}
    if DOWN in states or DEGRADED in states:
        return DEGRADED
    if states == {OK} and not blocked:
        return OK
    return UNKNOWN


def _headline(statuses: list[BrowserStatus], overall: str, target_down: bool, data: str, blocked: bool) -> str:
    if data == UNREADABLE:
        return "État inconnu : les mesures ne peuvent pas être lues."
    if data == NONE:
        return "État inconnu : aucune mesure pour le moment."
    if data == STALE:
        return "État inconnu : les mesures ne sont plus à jour."
    if target_down:
        return "La récupération d'identifiant et de mot de passe ne fonctionne pas, quel que soit le navigateur."
    if overall == OK:
        return "La récupération d'identifiant et de mot de passe fonctionne avec tous les navigateurs mesurés."
    if overall == DEGRADED:
        parts = [f"{verb} avec {french.listing([s.name for s in statuses if s.state == state])}"
                 for state, verb in ((OK, "fonctionne"), (DEGRADED, "a des difficultés"), (DOWN, "ne fonctionne pas"))
                 if any(s.state == state for s in statuses)]
        return "La récupération " + " ; ".join(parts) + "." + _advice(statuses)
    if blocked:
        return "État inconnu : le moniteur est bloqué et ne voit pas le site."
    return "État inconnu : tous les navigateurs n'ont pas pu être mesurés."
