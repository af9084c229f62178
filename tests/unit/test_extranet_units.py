"""Unit tests of the reference extranet's rules: SIRET/Luhn, password policy, link tokens
under the operator clock offset, cryptogram challenges, mail rendering, settings."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import random

import pytest

from extranet import __main__ as cli
from extranet import cryptogram, mailer, security, siret
from extranet.faults import FaultProfile, FaultProfileError
from extranet.settings import Settings, SettingsError, load_settings
from extranet.store import AccountExists, AlreadySubmitted, Store

GOOD_PASSWORD = "Correct-Horse-42"


# -- SIRET -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["73282932000074", "44306184100047", "35600000000048"])
def test_known_sirets_are_valid(value: str) -> None:
    assert siret.is_valid_siret(value)
    assert siret.siret_error(value) is None


def test_luhn() -> None:
    assert siret.luhn_valid("79927398713")
    assert not siret.luhn_valid("79927398710")
    assert not siret.luhn_valid("")
    assert not siret.luhn_valid("12a4")


def test_random_sirets_are_valid_and_any_single_digit_change_breaks_them() -> None:
    rng = random.Random(7)
    for _ in range(200):
        value = siret.random_siret(rng)
        assert len(value) == 14 and value.isdigit() and siret.is_valid_siret(value)
        assert siret.luhn_valid(siret.siren(value))
        position = rng.randrange(14)
        changed = value[:position] + str((int(value[position]) + 1) % 10) + value[position + 1:]
        assert not siret.is_valid_siret(changed)


@pytest.mark.parametrize(("raw", "fragment"), [
    ("", "obligatoire"),
    ("1234567890123", "trop court"),
    ("123456789012345", "trop long"),
    ("7328293200007A", "que des chiffres"),
    ("73282932000075", "clé de contrôle"),
])
def test_siret_error_messages(raw: str, fragment: str) -> None:
    message = siret.siret_error(raw)
    assert message is not None and fragment in message


def test_siret_spaces_are_ignored_and_siren_is_first_nine_digits() -> None:
    assert siret.siret_error("732 829 320 00074") is None
    assert siret.siren("732 829 320 00074") == "732829320"


# -- passwords and tokens ---------------------------------------------------------------
@pytest.mark.parametrize(("password", "fragment"), [
    ("Sh0rt!a", "12 caractères"),
    ("ALLUPPERCASE-42", "minuscule"),
    ("alllowercase-42", "majuscule"),
    ("NoDigitsHere-!!", "chiffre"),
    ("NoSpecial12345", "caractère spécial"),
])
def test_password_policy_names_each_missing_rule(password: str, fragment: str) -> None:
    problems = security.password_problems(password)
    assert len(problems) == 1 and fragment in problems[0]


def test_password_policy_accepts_a_good_password() -> None:
    assert security.password_problems(GOOD_PASSWORD) == []


def test_password_hash_roundtrip_and_salt() -> None:
    first, second = security.hash_password(GOOD_PASSWORD), security.hash_password(GOOD_PASSWORD)
    assert first != second and GOOD_PASSWORD not in first
    assert security.verify_password(GOOD_PASSWORD, first)
    assert not security.verify_password("Correct-Horse-43", first)
    assert not security.verify_password(GOOD_PASSWORD, None)
    assert not security.verify_password(GOOD_PASSWORD, "garbage")


def test_link_tokens_are_stored_as_hashes() -> None:
    token, digest = security.new_link_token()
    assert security.looks_like_token(token)
    assert digest == security.token_hash(token) and token not in digest
    assert not security.looks_like_token(token[:-1])


def test_identifiers_shape() -> None:
    for _ in range(50):
        value = security.new_identifiant()
        assert security.IDENTIFIER_RE.fullmatch(value)
        assert not set(value[2:]) & set("01ILO")


class FakeTime:
    def __init__(self) -> None:
        self.value = 1_800_000_000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "unit.db")


def _account(store: Store, clock: security.Clock, form: str = "form-1") -> tuple[str, str]:
    token, digest = security.new_link_token()
    identifiant = store.create_account(form_hash=form, siret="73282932000074", denomination="ACME",
                                       civilite="Madame", nom="Dupont", prenom="Anne", courriel="a@example.test",
                                       telephone="0123456789", token_hash=digest,
                                       token_expires_at=clock.now() + 3600, now=clock.now())
    return identifiant, digest


def test_token_expires_after_60_minutes_of_operator_clock_offset(store: Store) -> None:
    base = FakeTime()
    clock = security.Clock(store.clock_offset, base)
    identifiant, digest = _account(store, clock)
    assert store.token_state(digest, "activation", clock.now()).status == "valid"
    store.set_setting("clock_offset_seconds", "3599")
    assert store.token_state(digest, "activation", clock.now()).status == "valid"
    store.set_setting("clock_offset_seconds", str(61 * 60))
    assert store.token_state(digest, "activation", clock.now()).status == "expired"
    result = store.use_token_and_set_password(digest, "activation", "hash", clock.now())
    assert result.status == "expired"
    assert store.account(identifiant).password_hash is None  # type: ignore[union-attr]


def test_using_a_token_spends_it_and_every_other_outstanding_link(store: Store) -> None:
    clock = security.Clock(store.clock_offset, FakeTime())
    identifiant, activation = _account(store, clock)
    _, reset_a = security.new_link_token()
    _, reset_b = security.new_link_token()
    for digest in (reset_a, reset_b):
        store.add_token(digest, "reinitialisation", identifiant, clock.now() + 3600, clock.now())
    assert store.use_token_and_set_password(reset_a, "reinitialisation", "h1", clock.now()).status == "valid"
    assert store.token_state(reset_a, "reinitialisation", clock.now()).status == "invalid"
    assert store.token_state(reset_b, "reinitialisation", clock.now()).status == "invalid"
    assert store.token_state(activation, "activation", clock.now()).status == "invalid"
    assert store.use_token_and_set_password(reset_a, "reinitialisation", "h2", clock.now()).status == "invalid"
    assert store.account(identifiant).password_hash == "h1"  # type: ignore[union-attr]
    # A token of one kind never opens the other screen.
    assert store.token_state(activation, "reinitialisation", clock.now()).status == "invalid"


def test_account_form_is_single_use_and_siret_unique(store: Store) -> None:
    clock = security.Clock(store.clock_offset, FakeTime())
    _account(store, clock, form="f1")
    with pytest.raises(AlreadySubmitted):
        _account(store, clock, form="f1")
    with pytest.raises(AccountExists):
        _account(store, clock, form="f2")
    assert store.count("accounts") == 1 and store.count("tokens") == 1


def test_rate_limit_window(store: Store) -> None:
    now = 1000.0
    assert [store.rate_limit_allow("b", 2, 3600, now + i) for i in range(3)] == [True, True, False]
    assert store.rate_limit_allow("other", 2, 3600, now)
    assert store.rate_limit_allow("b", 2, 3600, now + 3601)
    assert store.rate_limit_allow("b", 0, 3600, now)  # 0 = no limit


def test_assistance_numbers(store: Store) -> None:
    numbers = [store.add_assistance(canal="assistance", motif="Autre", siret="73282932000074", nom="N",
                                    courriel="n@example.test", message="", now=0) for _ in range(2)]
    assert numbers == ["AP-000001", "AP-000002"]
    store.reset()
    assert store.add_assistance(canal="assistance", motif="Autre", siret="73282932000074", nom="N",
                                courriel="n@example.test", message="", now=0) == "AP-000003"


# -- cryptogram -----------------------------------------------------------------------------
def test_cryptogram_challenge_is_single_use_case_insensitive_and_expires(store: Store) -> None:
    crypto = cryptogram.Cryptograms(store)
    challenge = crypto.issue(now=0)
    answer = store.challenge_answer(challenge)
    assert answer and len(answer) == 6 and set(answer) <= set(cryptogram.ALPHABET)
    assert crypto.image(challenge)[:8] == b"\x89PNG\r\n\x1a\n"  # type: ignore[index]
    assert crypto.check(challenge, " " + answer.lower() + " ", now=1)
    assert not crypto.check(challenge, answer, now=2)  # spent
    assert crypto.image(challenge) is None
    wrong = crypto.issue(now=0)
    assert not crypto.check(wrong, "XXXXXX", now=1)
    assert not crypto.check(wrong, store.challenge_answer(wrong) or "", now=2)  # a wrong try spends it
    late = crypto.issue(now=0)
    assert not crypto.check(late, store.challenge_answer(late) or "", now=cryptogram.CHALLENGE_TTL_SECONDS + 1)
    assert not crypto.check("", "", now=0) and not crypto.check("forged", "ABCDEF", now=0)


# -- mails --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", mailer.KINDS)
def test_every_mail_has_both_parts_and_the_headers(kind: str) -> None:
    context = dict(civilite="Madame", nom="<Dupont & fils>", denomination="ACME", siret="73282932000074",
                   identifiant="AP7K2M9Q4X", link="http://x.test/activation/tok", ttl_minutes=60,
                   base_url="http://x.test", numero="AP-000123", motif="Habilitation extranet")
    outgoing = mailer.render(kind, "anne@example.test", **context)
    raw = mailer.build_message(outgoing).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["X-Extranet-Kind"] == kind
    assert parsed["From"] == "Extranet activité partielle <ne-pas-repondre@activitepartielle.invalid>"
    assert parsed["To"] == "anne@example.test"
    assert parsed["Date"] and parsed["Message-ID"].endswith("@activitepartielle.invalid>")
    assert parsed.get_content_type() == "multipart/alternative"
    plain_part, html_part = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain_part is not None and html_part is not None
    text, html = plain_part.get_content(), html_part.get_content()
    assert "<Dupont & fils>" not in html or kind == "assistance"
    if kind != "assistance":
        assert "&lt;Dupont &amp; fils&gt;" in html
    expected_subjects = {
        "identifiant": "Votre identifiant Extranet activité partielle",
        "activation": "Activation de votre compte Extranet activité partielle",
        "habilitation": "Habilitation à l'activité partielle",
        "reinitialisation": "Réinitialisation de votre mot de passe",
        "assistance": "Demande d'assistance n° AP-000123",
    }
    assert parsed["Subject"] == expected_subjects[kind]
    if kind == "identifiant":
        assert "\nIdentifiant : AP7K2M9Q4X\n" in text and "AP7K2M9Q4X" in html
    if kind in ("activation", "reinitialisation"):
        assert "http://x.test/activation/tok" in text and 'href="http://x.test/activation/tok"' in html
        assert "60 minutes" in text
    if kind == "assistance":
        assert "AP-000123" in text and "AP-000123" in html


# -- settings ---------------------------------------------------------------------------------
def test_settings_defaults() -> None:
    settings = load_settings([], environ={})
    assert settings == Settings()
    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.operator_key is None and settings.reset_rate_limit == 5 and settings.token_ttl_minutes == 60


def test_flag_wins_over_environment(tmp_path) -> None:
    env = {"EXTRANET_PORT": "9000", "EXTRANET_OPERATOR_KEY": "k3y", "EXTRANET_DATABASE": str(tmp_path / "a.db")}
    settings = load_settings(["--port", "9001", "--public-url", "https://extranet.test/"], environ=env)
    assert settings.port == 9001 and settings.operator_key == "k3y"
    assert settings.base_url == "https://extranet.test"


def test_root_path_is_in_the_base_url_and_normalised() -> None:
    for given in ("/aparts", "/aparts/", " /aparts/ "):
        settings = load_settings(["--root-path", given], environ={})
        assert settings.root_path == "/aparts" and settings.base_url == "http://127.0.0.1:8080/aparts"
    assert load_settings(["--root-path", "/"], environ={}).root_path == ""
    assert load_settings([], environ={"EXTRANET_ROOT_PATH": "/APARTS"}).base_url.endswith(":8080/APARTS")


@pytest.mark.parametrize(("argv", "env", "expected"), [
    (["--root-path", "aparts"], {}, "EXTRANET_ROOT_PATH / --root-path: must be a path such as /aparts"),
    (["--root-path", "/a b"], {}, "EXTRANET_ROOT_PATH / --root-path: must be a path such as /aparts"),
    (["--root-path", "/a?x=1"], {}, "EXTRANET_ROOT_PATH / --root-path: must be a path such as /aparts"),
    (["--port", "abc"], {}, "EXTRANET_PORT / --port: must be an integer 1-65535, got 'abc'"),
    ([], {"EXTRANET_PORT": "70000"}, "EXTRANET_PORT / --port: must be an integer 1-65535, got 70000"),
    (["--smtp-port", "0"], {}, "EXTRANET_SMTP_PORT / --smtp-port: must be an integer 1-65535, got 0"),
    (["--token-ttl-minutes", "-1"], {}, "EXTRANET_TOKEN_TTL_MINUTES / --token-ttl-minutes: must be an integer"),
    (["--reset-rate-limit", "x"], {}, "EXTRANET_RESET_RATE_LIMIT / --reset-rate-limit: must be an integer"),
    (["--log-level", "loud"], {}, "EXTRANET_LOG_LEVEL / --log-level: must be one of"),
    (["--public-url", "ftp://x"], {}, "EXTRANET_PUBLIC_URL / --public-url: must be an http"),
    (["--database", "/no/such/dir/x.db"], {}, "EXTRANET_DATABASE / --database: the directory"),
    (["--database", ":memory:"], {}, "EXTRANET_DATABASE / --database: must be a file path"),
    (["--operator-key", "has space"], {}, "EXTRANET_OPERATOR_KEY / --operator-key: must be printable ASCII"),
])
def test_bad_settings_name_the_key(argv: list[str], env: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(argv, environ=env)
    assert str(error.value).startswith(expected)


def test_settings_are_frozen_and_validated_on_construction() -> None:
    with pytest.raises(SettingsError):
        Settings(port=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().port = 1  # type: ignore[misc]


def test_cli_prints_one_line_and_exits_2(capsys) -> None:
    assert cli.main(["--port", "abc"]) == 2
    err = capsys.readouterr().err
    assert err == "EXTRANET_PORT / --port: must be an integer 1-65535, got 'abc'\n"


def test_fault_profile_placeholder() -> None:
    assert FaultProfile.from_dict({}).to_dict() == {}
    with pytest.raises(FaultProfileError):
        FaultProfile.from_dict({"smtp_down": True})
    with pytest.raises(FaultProfileError):
        FaultProfile.from_dict([])
