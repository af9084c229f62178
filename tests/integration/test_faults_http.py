"""HTTP tests of the fault profiles against the real extranet (``python -m extranet``) and Mailpit.

Each test sets its profile through the operator route (fixtures.target.operator.OperatorClient) and
clears it after. Waiting for mails is event-driven (Mailpit's websocket, ``expect_mail``).
"""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from support.extranet_helpers import (  # tests/ is on sys.path (pytest's rootdir-relative import)
    OPERATOR_KEY,
    ExtranetClient,
)

from fixtures.core.outcomes import MailNotReceived
from fixtures.mail.mailpit import MailpitClient
from fixtures.services.processes import ExtranetService, MailpitService, start_extranet
from fixtures.target.identity import new_identity
from fixtures.target.operator import OperatorClient

pytestmark = pytest.mark.integration

KEY = OPERATOR_KEY  # the key of the extranet started by tests/conftest.py
NEW_PASSWORD = "Nouveau-Motdepasse-2"
CHROMIUM = {"sec-ch-ua": '"Chromium";v="156", "Not.A/Brand";v="99"',
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"}
FIREFOX = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"}


@pytest.fixture
def operator(extranet: ExtranetService) -> Iterator[OperatorClient]:
    client = OperatorClient(extranet.base_url, KEY)
    yield client
    client.set_faults({})
    client.set_incident(None)
    client.close()


@pytest.fixture
def client(extranet: ExtranetService) -> Iterator[ExtranetClient]:
    c = ExtranetClient(extranet.base_url, KEY)
    yield c
    c.close()


@pytest.fixture
def account(operator: OperatorClient):
    return operator.seed_account(new_identity(f"f-{uuid.uuid4().hex[:12]}@example.test", lambda _value: None))


def ask_reset(client: ExtranetClient, identifiant: str) -> None:
    answer = client.submit("/mot-de-passe-oublie", {"identifiant": identifiant})
    assert answer.status == 200 and answer.h1 == "Demande enregistrée"


# -- operator route: validation and combination -----------------------------------------------------
def test_operator_route_validates_and_combines(operator: OperatorClient, client: ExtranetClient) -> None:
    refused = client.op("POST", "faults", json={"spammy_mail": True, "mail_dorp_rate": 0.5})
    assert refused.status_code == 400 and "mail_dorp_rate" in refused.json()["error"]
    bad_value = client.op("POST", "faults", json={"endpoint_errors": {"home": 200}})
    assert bad_value.status_code == 400 and "endpoint_errors.home" in bad_value.json()["error"]
    assert client.op("GET", "faults").json() == {}, "a refused profile must change nothing"
    combined = {"spammy_mail": True, "mail_delay_seconds": 1.5, "endpoint_delays_seconds": {"login": 0.1},
                "engine_failure_rates": {"chromium": 0.3}, "seed": 3}
    assert operator.set_faults(combined) == combined
    assert operator.faults() == combined
    assert operator.set_faults({}) == {}
    assert httpx.post(f"{client.base_url}/__operator__/faults", json={}).status_code == 403


# -- step faults -------------------------------------------------------------------------------------------
def test_step_error_answers_the_status_with_the_error_page(operator: OperatorClient, client: ExtranetClient) -> None:
    operator.set_faults({"endpoint_errors": {"home": 503, "forgot_password_submit": 500}})
    home = client.get("/")
    assert home.status == 503 and home.h1 == "Erreur" and "réessayer plus tard" in home.alerts[0]
    assert client.get("/mot-de-passe-oublie").status == 200, "other steps are untouched"
    answer = client.submit("/mot-de-passe-oublie", {"identifiant": "AP00000000"})
    assert answer.status == 500 and answer.h1 == "Erreur"
    assert client.get("/healthz").status == 200, "health and operator routes are never faulted"
    operator.set_faults({})
    assert client.get("/").status == 200


def test_step_delay(operator: OperatorClient, client: ExtranetClient) -> None:
    operator.set_faults({"endpoint_delays_seconds": {"forgot_password_form": 1.5}})
    started = time.monotonic()
    assert client.get("/mot-de-passe-oublie").status == 200
    assert time.monotonic() - started >= 1.5
    started = time.monotonic()
    assert client.get("/identifiant-oublie").status == 200
    assert time.monotonic() - started < 1.5, "only the chosen step is slowed"


def test_slow_endpoint_slows_one_endpoint_for_one_engine(operator: OperatorClient, extranet: ExtranetService) -> None:
    operator.set_faults({"slow_endpoint": {"endpoint": "home", "engine": "firefox", "delay_seconds": 1.0}})
    with httpx.Client(base_url=extranet.base_url, timeout=10) as http:
        for headers, slow in ((FIREFOX, True), (CHROMIUM, False)):
            started = time.monotonic()
            assert http.get("/", headers=headers).status_code == 200
            assert (time.monotonic() - started >= 1.0) is slow, headers
        started = time.monotonic()
        assert http.get("/mot-de-passe-oublie", headers=FIREFOX).status_code == 200
        assert time.monotonic() - started < 1.0, "only the chosen endpoint is slowed"
    operator.set_faults({})


def test_engine_failure_rates_are_per_engine_and_seeded(operator: OperatorClient, extranet: ExtranetService) -> None:
    operator.set_faults({"engine_failure_rates": {"chromium": 1.0, "firefox": 0.0}, "failure_endpoint": "home"})
    with httpx.Client(base_url=extranet.base_url, timeout=10) as http:
        assert http.get("/", headers=CHROMIUM).status_code == 500
        assert http.get("/", headers=FIREFOX).status_code == 200
        assert http.get("/mot-de-passe-oublie", headers=CHROMIUM).status_code == 200, "only failure_endpoint fails"

        def run() -> list[int]:
            operator.set_faults({"engine_failure_rates": {"chromium": 0.3}, "failure_endpoint": "home", "seed": 11})
            return [http.get("/", headers=CHROMIUM).status_code for _ in range(300)]

        first = run()
        assert run() == first, "the same seed replays the same failures"
    rate = first.count(500) / len(first)
    assert set(first) == {200, 500} and 0.2 < rate < 0.4, rate  # 0.3 ± ~4.5 standard errors


def test_incident_text_on_and_off(operator: OperatorClient, client: ExtranetClient) -> None:
    operator.set_faults({"incident_text": "Incident technique simulé."})
    home = client.get("/")
    assert 'aria-label="Avis d\'incident"' in home.html and home.has_text("Incident technique simulé.")
    operator.set_incident("Avis de l'opérateur")
    operator.set_faults({"incident_text": ""})
    assert 'aria-label="Avis d\'incident"' not in client.get("/").html, '"" forces the notice off'
    operator.set_faults({})
    assert client.get("/").has_text("Avis de l'opérateur"), "without the fault the operator's notice is back"


# -- engine-dependent fault: the real mechanism is a JS API, checked here at the HTTP level --------------
def test_reset_requires_client_hints(operator: OperatorClient, client: ExtranetClient, mailpit: MailpitClient,
                                     account) -> None:
    operator.set_faults({"reset_requires_client_hints": True})
    with mailpit.expect_mail(f'to:"{account.courriel}" subject:"Réinitialisation"', timeout=20) as waiter:
        ask_reset(client, account.identifiant)
    link = waiter.value.link("/reinitialisation/")
    screen = client.get(link)
    assert screen.status == 200 and "navigator.userAgentData" in screen.html and 'name="empreinte"' in screen.html
    refused = client.submit(link, {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD}, form_page=screen)
    assert refused.status == 422 and any("vérification de sécurité de votre navigateur" in a for a in refused.alerts)
    done = client.submit(link, {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD, "empreinte": "Linux|false"},
                         form_page=refused)
    assert done.status == 200 and done.h1 == "Mot de passe modifié", "the link was not spent by the refusal"


# -- mail faults ---------------------------------------------------------------------------------------------
def test_mail_delay(operator: OperatorClient, client: ExtranetClient, mailpit: MailpitClient, account) -> None:
    operator.set_faults({"mail_delay_seconds": 2})
    started = time.time()
    with mailpit.expect_mail(f'to:"{account.courriel}"', timeout=20) as waiter:
        ask_reset(client, account.identifiant)
        assert time.time() - started < 2, "the page must not wait for the delayed mail"
    mail = waiter.value
    assert mail.seen_at - started >= 2.0 and (mail.sent_at or 0) - started >= 2.0


def test_mail_drop(operator: OperatorClient, client: ExtranetClient, mailpit: MailpitClient, account) -> None:
    operator.set_faults({"mail_drop_rate": 1.0})
    ask_reset(client, account.identifiant)
    # The mail goes out after the response, but under the profile in force when the request was
    # handled: clearing the faults now must not rescue it (CI once saw exactly that race).
    operator.set_faults({})
    with mailpit.expect_mail(f'to:"{account.courriel}"', timeout=20) as waiter:
        ask_reset(client, account.identifiant)
    waiter.value  # noqa: B018 - the second mail arrived...
    assert len(mailpit.search(f'to:"{account.courriel}"')) == 1, "...and the first was dropped"


def test_mail_drop_is_detected_as_not_received(operator: OperatorClient, client: ExtranetClient,
                                               mailpit: MailpitClient, account) -> None:
    operator.set_faults({"mail_drop_rate": 1.0})
    with pytest.raises(MailNotReceived):
        with mailpit.expect_mail(f'to:"{account.courriel}"', timeout=2) as waiter:
            ask_reset(client, account.identifiant)
        waiter.value  # noqa: B018


def test_spammy_mail(operator: OperatorClient, client: ExtranetClient, mailpit: MailpitClient, account) -> None:
    operator.set_faults({"spammy_mail": True})
    with mailpit.expect_mail(f'to:"{account.courriel}" subject:"Réinitialisation"', timeout=20) as waiter:
        ask_reset(client, account.identifiant)
    mail = waiter.value
    assert mail.subject == "Réinitialisation de votre mot de passe" and "FREE MONEY" in mail.html
    assert (mail.header("Content-Type") or "").startswith("text/html"), "HTML only, no text part"
    assert mail.kind == "reinitialisation" and mail.link("/reinitialisation/")
    assert "activitepartielle" not in (mail.header("Message-ID") or ""), "the extranet wrote no Message-ID"


# -- the profile from the command line -------------------------------------------------------------------
def test_profile_from_the_flag(workdir: Path, mailpit_service: MailpitService) -> None:
    service = start_extranet(workdir / "flag", smtp_host=mailpit_service.smtp_host,
                             smtp_port=mailpit_service.smtp_port, operator_key=KEY,
                             extra_args=["--faults", '{"incident_text": "Depuis la configuration"}'])
    try:
        c = ExtranetClient(service.base_url, KEY)
        assert c.get("/").has_text("Depuis la configuration")
        assert c.op("GET", "faults").json() == {"incident_text": "Depuis la configuration"}
        assert c.op("POST", "faults", json={}).json() == {}, "the operator's profile replaces the flag's"
        assert not c.get("/").has_text("Depuis la configuration")
        c.op("POST", "reset")
        assert c.get("/").has_text("Depuis la configuration"), "after reset the flag's profile is back"
        c.close()
    finally:
        service.stop()
    bad = subprocess.run([sys.executable, "-m", "extranet", "--faults", '{"mail_drop": 1}'],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "mail_drop" in bad.stderr and "--faults" in bad.stderr
