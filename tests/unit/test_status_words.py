"""The status page's words (monitor.status.decide): which verdict gives « fonctionne », « difficultés »,
« ne fonctionne pas » or « état inconnu », and that the page is never green by default or wrong by silence."""
from __future__ import annotations

import pytest

from monitor.status import french
from monitor.status.decide import DEGRADED, DOWN, OK, UNKNOWN, WORDS, decide, evidence
from monitor.status.facts import BrowserFacts, Facts, MailFacts, Maintenance

NOW = 1_796_700_000.0  # 2026-12-08, a Tuesday
INTERVAL = 900.0


def facts(*browsers: BrowserFacts, **kw: object) -> Facts:
    base: dict = {"now": NOW, "interval": INTERVAL, "last_cycle_at": NOW - 600}
    base.update(kw)
    return Facts(browsers=browsers, **base)


def healthy(engine: str, **kw: object) -> BrowserFacts:
    base: dict = {"succeeded": 95, "judged": 96}
    base.update(kw)
    return BrowserFacts(engine, **base)


def states(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {b.engine: b.state for b in page.browsers}


def test_every_browser_working_says_fonctionne_with_its_evidence_in_words() -> None:
    page = decide(facts(healthy("firefox"), healthy("chromium"), healthy("webkit")))
    assert states(page) == dict.fromkeys(("firefox", "chromium", "webkit"), OK)
    assert page.overall == OK and page.data == "fresh" and not page.notices and not page.incidents
    assert [b.words for b in page.browsers] == ["fonctionne"] * 3
    assert page.browsers[0].evidence == "Sur les 24 dernières heures, 95 parcours sur 96 ont abouti."
    assert [b.name for b in page.browsers] == ["Firefox", "Chrome / Edge", "Safari"]


def test_evidence_agrees_in_number() -> None:
    assert evidence(healthy("firefox", succeeded=1, judged=1)) == "Sur les 24 dernières heures, 1 parcours sur 1 a abouti."
    assert evidence(healthy("firefox", succeeded=0, judged=0)).startswith("Aucun parcours n'a pu être mesuré")


def test_safari_says_it_is_webkitgtk_and_what_that_does_not_see() -> None:
    page = decide(facts(healthy("webkit")))
    webkit = page.browsers[0]
    assert webkit.engine_words == "moteur WebKit"
    assert "WebKitGTK" in webkit.note and "non avec Safari lui-même" in webkit.note and "ne s'y voit pas" in webkit.note
    assert decide(facts(healthy("firefox"))).browsers[0].engine_words == ""  # Firefox is what it says


def test_a_browser_alert_is_difficultes_with_since_and_advice() -> None:
    since = NOW - 5 * 3600
    page = decide(facts(healthy("firefox"), healthy("chromium"),
                        healthy("webkit", succeeded=70, alert=True, alert_since=since, worse_than=("firefox",))))
    assert states(page) == {"firefox": OK, "chromium": OK, "webkit": DEGRADED}
    webkit = page.browsers[2]
    assert webkit.words == "difficultés" and webkit.since == since
    assert "plus souvent avec ce navigateur qu'avec Firefox depuis le " + french.when(since) in webkit.detail
    assert page.overall == DEGRADED
    assert "essayez avec Firefox et Chrome / Edge" in page.headline
    assert [(i.scope, i.engine, i.since) for i in page.incidents] == [("browser", "webkit", since)]


def test_failing_now_is_ne_fonctionne_pas_and_outranks_the_alert() -> None:
    since = NOW - 3600
    page = decide(facts(healthy("firefox"), healthy("webkit", failing_now=True, failing_since=since, alert=True)))
    assert states(page) == {"firefox": OK, "webkit": DOWN}
    assert page.browsers[1].words == "ne fonctionne pas" and page.browsers[1].since == since
    assert page.overall == DEGRADED and not any(i.scope == "target" for i in page.incidents)


def test_every_browser_failing_together_is_the_site_said_once() -> None:
    page = decide(facts(*(healthy(e, failing_now=True, failing_since=NOW - 1800) for e in ("firefox", "chromium"))))
    assert page.overall == DOWN and states(page) == {"firefox": DOWN, "chromium": DOWN}
    assert any("le problème vient du site lui-même, pas de votre navigateur" in n for n in page.notices)
    assert all("Le site lui-même est en panne" in b.detail for b in page.browsers)
    assert [i.scope for i in page.incidents] == ["target"]  # not one incident per browser


def test_the_target_degrading_for_everyone_is_said() -> None:
    page = decide(facts(healthy("firefox"), healthy("chromium"), target_degraded=True, target_degraded_since=NOW - 7200))
    assert any("avec tous les navigateurs" in n and "le site" in n for n in page.notices)
    assert [i.scope for i in page.incidents] == ["target"]


@pytest.mark.parametrize("kw, data, said", [
    ({"last_cycle_at": NOW - 2 * INTERVAL - 1}, "stale", "ne sont plus à jour"),
    ({"last_cycle_at": None}, "none", "Aucune mesure"),
    ({"readable": False}, "unreadable", "ne peuvent pas être lues"),
])
def test_no_fresh_data_is_never_green_and_says_why(kw: dict, data: str, said: str) -> None:
    page = decide(facts(healthy("firefox"), healthy("chromium"), **kw))
    assert page.data == data and page.overall == UNKNOWN
    assert set(states(page).values()) == {UNKNOWN}
    assert any(said in n for n in page.notices), page.notices
    assert said in page.headline or "inconnu" in page.headline.lower()
    assert not page.monitor_sees


def test_stale_begins_after_twice_the_interval_exactly() -> None:
    assert decide(facts(healthy("firefox"), last_cycle_at=NOW - 2 * INTERVAL)).data == "fresh"
    assert decide(facts(healthy("firefox"), last_cycle_at=NOW - 2 * INTERVAL - 1)).data == "stale"


def test_nothing_measured_is_unknown_not_green() -> None:
    assert decide(facts()).overall == UNKNOWN
    page = decide(facts(healthy("firefox"), BrowserFacts("webkit")))
    assert states(page) == {"firefox": OK, "webkit": UNKNOWN} and page.overall == UNKNOWN


def test_a_blocked_monitor_says_it_cannot_see_never_that_a_browser_fails() -> None:
    page = decide(facts(*(healthy(e, blocked=True, failing_now=True) for e in ("firefox", "chromium"))))
    assert set(states(page).values()) == {UNKNOWN} and page.overall == UNKNOWN and not page.monitor_sees
    assert any("bloqué" in n and "ne dit rien d'une panne d'un navigateur" in n for n in page.notices)
    assert all(i.scope == "monitor" for i in page.incidents)
    assert WORDS[DOWN] not in page.headline


def test_one_blocked_browser_is_unknown_and_the_others_still_speak() -> None:
    page = decide(facts(healthy("firefox"), healthy("webkit", blocked=True)))
    assert states(page) == {"firefox": OK, "webkit": UNKNOWN}
    assert any("bloqué pour Safari" in n for n in page.notices)


def test_mail_in_spam_gives_the_share_and_the_median() -> None:
    page = decide(facts(healthy("firefox"), mail=MailFacts((3.0, 5.0, 40.0), placed=10, in_junk=3)))
    assert page.mail.median_seconds == 5.0 and page.mail.in_junk == 3
    text = " ".join(page.mail.sentences)
    assert "arrivé en 5\u00a0secondes (délai médian, 3 courriels)" in text
    assert "30\u00a0% de ces courriels (3 sur 10) sont arrivés dans les courriers indésirables" in text


def test_mail_placement_not_measured_is_said_not_zero() -> None:
    text = " ".join(decide(facts(healthy("firefox"), mail=MailFacts((2.0,)))).mail.sentences)
    assert "n'est pas mesuré" in text and "0\u00a0%" not in text


def test_the_link_validity_hook_says_not_measured_until_it_is() -> None:
    from monitor.status.facts import LinkValidity
    assert "n'est pas mesurée" in decide(facts(healthy("firefox"))).link
    page = decide(facts(healthy("firefox"), link_validity=LinkValidity(3600.0, 3600.0)))
    assert page.link_measured_seconds == 3600.0 and "resté valable 1\u00a0heure" in page.link


def test_maintenance_windows_current_and_future_with_the_operators_text_cleaned() -> None:
    windows = (Maintenance(NOW - 60, NOW + 3600, "Mise à jour\u202e\x1b[2J" + "x" * 1000),
               Maintenance(NOW + 86400, NOW + 90000, "Plus tard"), Maintenance(NOW - 9000, NOW - 3600, "Passée"))
    page = decide(facts(healthy("firefox"), maintenance=windows))
    assert [(w.current, w.text[:11]) for w in page.maintenance] == [(True, "Mise à jour"), (False, "Plus tard")]
    assert "\u202e" not in page.maintenance[0].text and "\x1b" not in page.maintenance[0].text
    assert len(page.maintenance[0].text) <= 300
    assert any("maintenance est en cours" in n for n in page.notices)


@pytest.mark.parametrize("seconds, words", [(0.4, "moins d'une seconde"), (1, "1\u00a0seconde"), (12.4, "12\u00a0secondes"),
                                            (180, "3\u00a0minutes"), (3600, "1\u00a0heure"), (7200, "2\u00a0heures"),
                                            (3 * 86400, "3\u00a0jours")])
def test_durations_in_french(seconds: float, words: str) -> None:
    assert french.duration(seconds) == words


def test_dates_in_paris_time_and_french() -> None:
    assert french.when(1_796_706_000.0) == "8 décembre 2026 à 6\u00a0h\u00a000"  # 05:00 UTC, winter
    assert french.when(1_782_882_000.0) == "1er juillet 2026 à 7\u00a0h\u00a000"  # 05:00 UTC, summer
    assert french.iso(1_796_706_000.0) == "2026-12-08T05:00:00Z"


def test_the_targets_incident_makes_every_measured_browser_the_sites_failure() -> None:
    """The target's incident holds the browsers' own back (monitor.verdicts): the page still says the site is down."""
    page = decide(facts(healthy("firefox"), healthy("webkit"), target_failing=True, target_failing_since=NOW - 900))
    assert page.overall == DOWN and states(page) == {"firefox": DOWN, "webkit": DOWN}
    assert [(i.scope, i.since) for i in page.incidents] == [("target", NOW - 900)]


def test_an_alert_whose_runs_are_clean_says_it_is_ending() -> None:
    page = decide(facts(healthy("firefox"), healthy("webkit", alert=True, alert_since=NOW - 9000,
                                                    clean_since=NOW - 1800)))
    webkit = page.browsers[1]
    assert webkit.state == DEGRADED  # still what the alert says
    assert f"réussissent depuis le {french.when(NOW - 1800)} : l'incident se termine" in webkit.detail
