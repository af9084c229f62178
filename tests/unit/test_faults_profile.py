"""Unit tests of the fault profiles (extranet/faults.py): validation, parsing, steps, engines, RNG."""
from __future__ import annotations

import json

import pytest

from extranet.faults import ENDPOINTS, FaultProfile, FaultProfileError, FaultState, endpoint_of, engine_of
from extranet.mailer import SENDING_SERVICE_DOMAIN, TRANSIT_FOOTER, Mailer, Wire, build_message, relinked, render
from extranet.settings import SettingsError, load_settings


def test_empty_profile_is_normal_behaviour() -> None:
    profile = FaultProfile.from_dict({})
    assert profile.to_dict() == {} and not profile.active
    assert profile.failure_rate("chromium") == 0.0


def test_faults_combine_and_round_trip() -> None:
    data = {"reset_requires_client_hints": True, "engine_failure_rates": {"chromium": 0.3, "firefox": 0.02},
            "failure_endpoint": "reset_submit", "seed": 7, "mail_delay_seconds": 2, "mail_drop_rate": 0.1,
            "spammy_mail": True, "endpoint_errors": {"home": 503}, "endpoint_delays_seconds": {"login": 0.5},
            "incident_text": "Incident", "dkim_broken_in_transit": True, "spf_unauthorized_sender": True,
            "dmarc_misaligned": True, "mail_link_host": "autre.example:8443",
            "slow_endpoint": {"endpoint": "reset_submit", "engine": "firefox", "delay_seconds": 2}}
    profile = FaultProfile.from_dict(data)
    assert FaultProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile
    assert profile.failure_rate("chromium") == 0.3 and profile.failure_rate("webkit") == 0.0
    assert profile.failure_rate(None) == 0.0
    assert profile.slow_delay("reset_submit", "firefox") == 2.0
    assert profile.slow_delay("reset_submit", "chromium") == profile.slow_delay("login", "firefox") == 0.0
    assert profile.slow_delay("reset_submit", None) == 0.0  # an engine not told apart is not slowed


@pytest.mark.parametrize("data, named", [
    ({"no_such_fault": 1}, "no_such_fault"),
    ({"mail_drop_rate": 1.5}, "mail_drop_rate"),
    ({"mail_drop_rate": True}, "mail_drop_rate"),
    ({"mail_delay_seconds": -1}, "mail_delay_seconds"),
    ({"spammy_mail": "yes"}, "spammy_mail"),
    ({"engine_failure_rates": {"edge": 0.1}}, "edge"),
    ({"engine_failure_rates": {"firefox": 2}}, "engine_failure_rates.firefox"),
    ({"failure_endpoint": "nowhere"}, "failure_endpoint"),
    ({"endpoint_errors": {"home": 302}}, "endpoint_errors.home"),
    ({"endpoint_errors": {"cuisine": 500}}, "endpoint_errors.cuisine"),
    ({"endpoint_delays_seconds": {"home": "slow"}}, "endpoint_delays_seconds.home"),
    ({"incident_text": 3}, "incident_text"),
    ({"seed": 1.5}, "seed"),
    ({"dkim_broken_in_transit": 1}, "dkim_broken_in_transit"),
    ({"mail_link_host": "https://evil.example/"}, "mail_link_host"),
    ({"slow_endpoint": {"endpoint": "reset_submit", "engine": "edge", "delay_seconds": 2}}, "slow_endpoint.engine"),
    ({"slow_endpoint": {"endpoint": "nowhere", "engine": "firefox", "delay_seconds": 2}}, "slow_endpoint.endpoint"),
    ({"slow_endpoint": {"endpoint": "login", "engine": "firefox", "delay_seconds": -2}}, "slow_endpoint.delay_seconds"),
    ({"slow_endpoint": {"endpoint": "login", "engine": "firefox"}}, "slow_endpoint: needs exactly"),
])
def test_bad_profiles_are_refused_naming_the_key(data: dict, named: str) -> None:
    with pytest.raises(FaultProfileError, match=named.replace(".", r"\.")):
        FaultProfile.from_dict(data)


def test_not_an_object() -> None:
    with pytest.raises(FaultProfileError, match="JSON object"):
        FaultProfile.from_dict([1])


def test_parse_inline_file_and_bad_json(tmp_path) -> None:
    assert FaultProfile.parse('{"spammy_mail": true}').spammy_mail
    path = tmp_path / "profile.json"
    path.write_text('{"mail_drop_rate": 0.5}')
    assert FaultProfile.parse(f"@{path}").mail_drop_rate == 0.5
    with pytest.raises(FaultProfileError, match="cannot read"):
        FaultProfile.parse(f"@{tmp_path / 'missing.json'}")
    with pytest.raises(FaultProfileError, match="not valid JSON"):
        FaultProfile.parse("{nope")
    assert FaultProfile.parse("  ") == FaultProfile()


def test_settings_flag_and_environment() -> None:
    assert load_settings(["--faults", '{"spammy_mail": true}'], environ={}).faults.spammy_mail
    assert load_settings([], environ={"EXTRANET_FAULTS": '{"mail_drop_rate": 1}'}).faults.mail_drop_rate == 1.0
    with pytest.raises(SettingsError, match="EXTRANET_FAULTS / --faults: unknown fault.*typo"):
        load_settings(["--faults", '{"typo": 1}'], environ={})


@pytest.mark.parametrize("method, path, step", [
    ("GET", "/", "home"), ("POST", "/connexion", "login"), ("POST", "/mot-de-passe-oublie", "forgot_password_submit"),
    ("GET", "/reinitialisation/abc", "reset_form"), ("POST", "/reinitialisation/abc", "reset_submit"),
    ("POST", "/activation/abc", "activation_submit"), ("POST", "/assistance-technique", "assistance_submit"),
    ("POST", "/creer-mon-espace/compte", "account_submit"), ("GET", "/healthz", None),
    ("POST", "/__operator__/faults", None), ("GET", "/static/extranet.css", None), ("GET", "/mon-espace", None),
])
def test_step_of(method: str, path: str, step: str | None) -> None:
    assert endpoint_of(method, path) == step


def test_every_step_name_is_reachable() -> None:
    assert set(ENDPOINTS) == {endpoint_of(m, p.replace(".+", "x").replace("(-technique)?", "")) for m, p in ENDPOINTS.values()}


@pytest.mark.parametrize("headers, engine", [
    ({"sec-ch-ua": '"Chromium";v="156", "Not.A/Brand";v="99"',
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"},
     "chromium"),
    ({"user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0"},
     "chromium"),
    ({"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"}, "firefox"),
    ({"user-agent": "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15"},
     "webkit"),
    ({"user-agent": "python-httpx/0.28"}, None),
])
def test_engine_of(headers: dict, engine: str | None) -> None:
    assert engine_of(headers) == engine


def test_seeded_rng_replays_and_rate_is_the_truth() -> None:
    profile = FaultProfile.from_dict({"seed": 42, "engine_failure_rates": {"chromium": 0.3}})
    first = [FaultState(profile).draw(0.3) for _ in range(1)]
    a, b = FaultState(profile), FaultState(profile)
    draws_a = [a.draw(0.3) for _ in range(2000)]
    assert draws_a == [b.draw(0.3) for _ in range(2000)] and first == draws_a[:1]
    assert 0.27 < sum(draws_a) / len(draws_a) < 0.33


def test_spammy_message_looks_like_spam_and_keeps_the_link() -> None:
    mail = render("reinitialisation", "a@example.test", civilite="Madame", nom="Dupont",
                  link="http://127.0.0.1:1/reinitialisation/TOKEN", ttl_minutes=60)
    normal, spam = build_message(mail), build_message(mail, spam=True)
    assert normal["Date"] and normal["Message-ID"] and normal.is_multipart()
    assert spam["Date"] is None and spam["Message-ID"] is None and not spam.is_multipart()
    assert spam.get_content_type() == "text/html"
    assert spam["Subject"] == "Réinitialisation de votre mot de passe", "journeys check the subject"
    assert "WINNER" in spam["From"]
    body = spam.get_content()
    assert "FREE MONEY" in body and 'href="http://127.0.0.1:1/reinitialisation/TOKEN"' in body
    assert spam["X-Extranet-Kind"] == "reinitialisation"


def test_mail_faults_act_on_the_wire_and_links() -> None:
    mail = render("reinitialisation", "a@example.test", civilite="Madame", nom="Dupont",
                  link="http://127.0.0.1:1/reinitialisation/TOKEN", ttl_minutes=60)
    moved = relinked(mail, "http://127.0.0.1:1", "autre.example")
    assert "http://autre.example/reinitialisation/TOKEN" in moved.text and "127.0.0.1:1" not in moved.html
    mailer = Mailer("127.0.0.1", 1)  # no key: unsigned, the envelope apart from From
    envelope, data = mailer.wire_bytes(mail)
    assert envelope == "ne-pas-repondre@retours.activitepartielle.invalid" and b"DKIM-Signature" not in data
    envelope, broken = mailer.wire_bytes(mail, Wire(break_dkim=True, misaligned=True))
    assert envelope == f"envoi@{SENDING_SERVICE_DOMAIN}" and broken.endswith(TRANSIT_FOOTER)


# -- bot defences (extranet/bot_defence.py) ------------------------------------------------


def test_bot_defence_faults_parse_and_combine() -> None:
    from extranet.faults import HEADLESS_TOKENS, FaultProfile

    profile = FaultProfile.from_dict({"bot_defence_user_agent": True, "bot_defence_automation": True,
                                      "bot_defence_rate": {"requests": 5, "window_seconds": 10}, "seed": 1})
    assert profile.bot_defence_user_agent == HEADLESS_TOKENS and profile.bot_defence_automation
    assert profile.bot_defence_rate == {"requests": 5, "window_seconds": 10.0}
    assert FaultProfile.from_dict(profile.to_dict() | {"bot_defence_user_agent": list(HEADLESS_TOKENS)}) == profile
    assert FaultProfile.from_dict({"bot_defence_user_agent": ["Firefox/"]}).bot_defence_user_agent == ("Firefox/",)


@pytest.mark.parametrize(("profile", "named"), [
    ({"bot_defence_user_agent": "HeadlessChrome"}, "bot_defence_user_agent"),
    ({"bot_defence_user_agent": []}, "bot_defence_user_agent"),
    ({"bot_defence_automation": 1}, "bot_defence_automation"),
    ({"bot_defence_rate": {"requests": 0, "window_seconds": 10}}, "bot_defence_rate.requests"),
    ({"bot_defence_rate": {"requests": 3}}, "bot_defence_rate"),
    ({"bot_defence_rate": {"requests": 3, "window_seconds": 0}}, "bot_defence_rate.window_seconds"),
])
def test_bad_bot_defence_faults_are_refused_by_name(profile: dict, named: str) -> None:
    from extranet.faults import FaultProfile, FaultProfileError

    with pytest.raises(FaultProfileError, match=named):
        FaultProfile.from_dict(profile)


def test_the_rate_window_slides() -> None:
    from extranet.bot_defence import RateWindow

    window = RateWindow()
    assert [window.admit(2, 10.0, now=t) for t in (0.0, 1.0)] == [None, None]
    assert window.admit(2, 10.0, now=2.0) == pytest.approx(8.0)
    assert window.admit(2, 10.0, now=10.5) is None  # the first request left the window


def test_user_agent_tokens_are_looked_for_in_the_brands_too() -> None:
    from extranet.bot_defence import refuses_user_agent

    assert refuses_user_agent({"user-agent": "x HeadlessChrome/1"}, ("HeadlessChrome",))
    assert refuses_user_agent({"user-agent": "x Chrome/1", "sec-ch-ua": '"HeadlessChrome";v="1"'}, ("HeadlessChrome",))
    assert not refuses_user_agent({"user-agent": "x Chrome/1", "sec-ch-ua": '"Chromium";v="1"'}, ("HeadlessChrome",))
