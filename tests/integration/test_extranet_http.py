"""HTTP-level integration tests of the reference extranet: every branch of PROCEDURE.md and
every bad input, against the real server (``python -m extranet``) and a real Mailpit.

Run: ``.venv/bin/python -m pytest tests/integration/test_extranet_http.py`` (needs the ``mailpit`` binary).
The servers are started once for this module on free ports (one pair per xdist worker).
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from support.extranet_helpers import (  # tests/ is on sys.path (pytest's rootdir-relative import)
    OPERATOR_KEY,
    ExtranetClient,
    Page,
    account_form_data,
    db_counts,
)

from extranet.siret import random_siret
from fixtures.mail.mailpit import Mail, MailpitClient
from fixtures.services.ports import free_port
from fixtures.services.processes import ExtranetService, start_extranet

pytestmark = pytest.mark.integration

KEY = OPERATOR_KEY  # the key of the extranet started by tests/conftest.py
PASSWORD = "Motdepasse-Initial-1"
NEW_PASSWORD = "Nouveau-Motdepasse-2"
GENERIC = "Si ces informations correspondent à un compte, un courriel vous a été envoyé."


# -- services ---------------------------------------------------------------------------------
@pytest.fixture
def client(extranet: ExtranetService) -> Iterator[ExtranetClient]:
    c = ExtranetClient(extranet.base_url, KEY)
    yield c
    c.set_clock(0)
    c.close()


def unique_address() -> str:
    return f"t-{uuid.uuid4().hex[:12]}@example.test"


def mails_to(mailpit: MailpitClient, address: str, count: int, timeout: float = 15.0) -> list[Mail]:
    """Wait until at least ``count`` mails reached ``address``; oldest first (Mailpit's storage order:
    its timestamps can tie for mails sent in the same millisecond)."""
    deadline = time.monotonic() + timeout
    while True:
        found = mailpit.search(f"to:{address}")
        if len(found) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(found) >= count, f"expected {count} mail(s) to {address}, got {len(found)}"
    return [mailpit.message(s.id) for s in reversed(found)]


def settle_and_count(mailpit: MailpitClient, address: str, seconds: float = 1.0) -> int:
    time.sleep(seconds)
    return len(mailpit.search(f"to:{address}"))


def kinds(mails: list[Mail]) -> list[str | None]:
    return [m.kind for m in mails]


@dataclass
class Seeded:
    siret: str
    identifiant: str
    courriel: str
    password: str = PASSWORD
    denomination: str = "Menuiserie Martin"


@pytest.fixture
def seeded(client: ExtranetClient) -> Seeded:
    """A fresh establishment with an activated account, seeded by the operator."""
    item = Seeded(random_siret(), "AP" + uuid.uuid4().hex[:8].upper(), unique_address())
    response = client.op("POST", "seed", json={"establishments": [{
        "siret": item.siret, "denomination": item.denomination,
        "account": {"identifiant": item.identifiant, "password": item.password, "courriel": item.courriel,
                    "nom": "Martin", "prenom": "Paul", "civilite": "Monsieur", "telephone": "0601020304"}}]})
    assert response.status_code == 200, response.text
    return item


def login(client: ExtranetClient, identifiant: str, password: str) -> Page:
    return client.submit("/connexion", {"identifiant": identifiant, "mot_de_passe": password},
                         form_page=client.get("/"))


def assert_logged_in(client: ExtranetClient, identifiant: str, password: str, denomination: str) -> None:
    answer = login(client, identifiant, password)
    assert answer.status == 303 and answer.response.headers["location"] == "/mon-espace"
    space = client.get("/mon-espace")
    assert space.status == 200 and space.h1 == "Mon espace" and space.has_text(denomination)
    out = client.submit("/deconnexion", {}, form_page=space)
    assert out.status == 303
    assert client.get("/mon-espace").status == 303


# -- health and home ------------------------------------------------------------------------------
def test_healthz(extranet: ExtranetService) -> None:
    response = httpx.get(f"{extranet.base_url}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]


def test_home_has_the_contract_labels(client: ExtranetClient) -> None:
    home = client.get("/")
    assert home.status == 200 and home.h1 == "Extranet activité partielle"
    for text in ('<label for="identifiant">Identifiant</label>', '<label for="mot_de_passe">Mot de passe</label>',
                 ">Se connecter</button>", ">J'ai oublié mon identifiant</a>", ">J'ai oublié mon mot de passe</a>",
                 ">CRÉER MON ESPACE</a>", "<summary>Besoin d'aide</summary>",
                 ">Envoyer une demande d'assistance</a>", ">Envoyer une demande d'assistance technique</a>"):
        assert home.has_text(text), text
    assert 'aria-label="Avis d\'incident"' not in home.html


# -- J1 --------------------------------------------------------------------------------------------
def test_j1_creation_activation_habilitation_login(client: ExtranetClient, mailpit: MailpitClient,
                                                   extranet: ExtranetService) -> None:
    siret, courriel = random_siret(), unique_address()
    form = client.get("/creer-mon-espace")
    assert form.h1 == "Créer mon espace"
    assert 'alt="Cryptogramme"' in form.html and 'aria-label="Renouveler le cryptogramme"' in form.html
    image = client.http.get(f"/cryptogramme/{form.challenge}.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    step = client.submit("/creer-mon-espace", {"siret": siret, "challenge": form.challenge, "cgu": "on",
                                               "code": client.answer(form.challenge)}, form_page=form)
    assert step.status == 303 and step.response.headers["location"] == "/creer-mon-espace/compte"
    account_page = client.get("/creer-mon-espace/compte")
    assert account_page.h1 == "Création du compte" and account_page.has_text("Compte principal utilisateur")
    done = client.submit("/creer-mon-espace/compte", {"form_id": account_page.hidden("form_id"),
                                                      **account_form_data(courriel)}, form_page=account_page)
    assert done.status == 200 and done.h1 == "Demande de création enregistrée"

    first, second = mails_to(mailpit, courriel, 2)
    assert kinds([first, second]) == ["identifiant", "activation"]
    identifiant = first.field_value("Identifiant")
    assert re.fullmatch(r"AP[A-Z0-9]{8}", identifiant)
    link = second.link("/activation/")
    assert link.startswith(extranet.base_url + "/activation/")

    screen = client.get(link)
    assert screen.status == 200 and screen.h1 == "Nouveau mot de passe" and 'id="politique-mdp"' in screen.html
    assert login(client, identifiant, PASSWORD).status == 200  # not activated yet: no password
    activated = client.submit(link, {"mot_de_passe": PASSWORD, "confirmation": PASSWORD}, form_page=screen)
    assert activated.status == 200 and activated.h1 == "Compte activé"
    third = mails_to(mailpit, courriel, 3)[2]
    assert third.kind == "habilitation" and third.subject == "Habilitation à l'activité partielle"
    assert_logged_in(client, identifiant, PASSWORD, "Boulangerie Dupont")
    assert client.get(link).status == 404  # the activation link worked once

    log = extranet.process.log_path.read_text()
    token = link.rsplit("/", 1)[1]
    for secret in (token, identifiant, PASSWORD, courriel):
        assert secret not in log, "a secret or identifier reached the log"


def test_j1_renew_cryptogram_with_and_without_javascript(client: ExtranetClient) -> None:
    fresh = client.http.get("/cryptogramme/nouveau").json()
    assert set(fresh) == {"challenge", "image_url"} and fresh["image_url"] == f"/cryptogramme/{fresh['challenge']}.png"
    assert client.http.get(fresh["image_url"]).status_code == 200
    form = client.get("/creer-mon-espace")
    again = client.submit("/creer-mon-espace", {"action": "renouveler", "siret": "123", "challenge": form.challenge},
                          form_page=form)
    assert again.status == 200 and again.challenge != form.challenge and again.value("siret") == "123"
    assert again.alerts == []


# -- J2 ----------------------------------------------------------------------------------------------
def test_j2_known_siret_says_an_account_exists(client: ExtranetClient, seeded: Seeded) -> None:
    answer = client.creation_step(seeded.siret)
    assert answer.status == 200 and answer.h1 == "Un compte existe déjà"
    assert answer.has_text("Un compte existe déjà pour ce SIRET.")
    for link in ("J'ai oublié mon identifiant", "J'ai oublié mon mot de passe", "Envoyer une demande d'assistance"):
        assert answer.has_text(f">{link}</a>")


def test_j2_1_assistance_habilitation_extranet(client: ExtranetClient, mailpit: MailpitClient,
                                               seeded: Seeded) -> None:
    form = client.get("/assistance?motif=Habilitation extranet")
    assert form.h1 == "Envoyer une demande d'assistance"
    assert '<option value="Habilitation extranet" selected>' in form.html
    courriel = unique_address()
    done = client.submit("/assistance", {"motif": "Habilitation extranet", "siret": seeded.siret, "nom": "Durand",
                                         "courriel": courriel, "message": "L'ancien gestionnaire est parti."},
                         form_page=form)
    assert done.status == 200 and done.h1 == "Demande d'assistance enregistrée"
    numero = re.search(r'data-testid="numero-demande">(AP-\d{6})<', done.html).group(1)  # type: ignore[union-attr]
    assert f"Votre demande n° {numero} a bien été enregistrée." in done.text
    ack = mails_to(mailpit, courriel, 1)[0]
    assert ack.kind == "assistance" and ack.subject == f"Demande d'assistance n° {numero}"


def test_j2_2a_forgotten_identifier_then_login(client: ExtranetClient, mailpit: MailpitClient,
                                               seeded: Seeded) -> None:
    wrong = client.submit("/identifiant-oublie", {"siret": seeded.siret, "courriel": unique_address()})
    right = client.submit("/identifiant-oublie", {"siret": seeded.siret, "courriel": seeded.courriel.upper()})
    for answer in (wrong, right):
        assert answer.status == 200 and answer.h1 == "Demande enregistrée" and answer.has_text(GENERIC)
    mail = mails_to(mailpit, seeded.courriel, 1)[0]
    assert mail.kind == "identifiant" and mail.field_value("Identifiant") == seeded.identifiant
    assert_logged_in(client, mail.field_value("Identifiant"), seeded.password, seeded.denomination)
    assert settle_and_count(mailpit, seeded.courriel) == 1


def test_j2_2b_reset_then_login_and_link_works_once(client: ExtranetClient, mailpit: MailpitClient,
                                                    seeded: Seeded, extranet: ExtranetService) -> None:
    for _ in range(2):
        answer = client.submit("/mot-de-passe-oublie", {"identifiant": seeded.identifiant.lower()})
        assert answer.status == 200 and answer.h1 == "Demande enregistrée" and answer.has_text(GENERIC)
    first, second = mails_to(mailpit, seeded.courriel, 2)
    assert kinds([first, second]) == ["reinitialisation", "reinitialisation"]
    assert first.subject == "Réinitialisation de votre mot de passe"
    link, other = second.link("/reinitialisation/"), first.link("/reinitialisation/")
    screen = client.get(link)
    assert screen.status == 200 and screen.h1 == "Nouveau mot de passe"
    done = client.submit(link, {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD}, form_page=screen)
    assert done.status == 200 and done.h1 == "Mot de passe modifié"
    assert_logged_in(client, seeded.identifiant, NEW_PASSWORD, seeded.denomination)
    old = login(client, seeded.identifiant, seeded.password)
    assert old.status == 200 and old.alerts == ["Identifiant ou mot de passe incorrect."]
    for used in (link, other):  # used, and voided by the use of the other one
        refused = client.get(used)
        assert refused.status == 404 and refused.h1 == "Lien invalide"
        assert refused.alerts == ["Ce lien n'est plus valide."]
    replay = client.post(link, {"csrf_token": screen.hidden("csrf_token"), "mot_de_passe": "Autre-Motdepasse-3",
                                "confirmation": "Autre-Motdepasse-3"})
    assert replay.status == 404
    assert_logged_in(client, seeded.identifiant, NEW_PASSWORD, seeded.denomination)
    assert link.rsplit("/", 1)[1] not in extranet.process.log_path.read_text()


def test_j2_2c_link_expires_after_60_minutes_and_a_new_request_works(
        client: ExtranetClient, mailpit: MailpitClient, seeded: Seeded) -> None:
    client.submit("/mot-de-passe-oublie", {"identifiant": seeded.identifiant})
    link = mails_to(mailpit, seeded.courriel, 1)[0].link("/reinitialisation/")
    client.set_clock(59 * 60)
    assert client.get(link).status == 200
    client.set_clock(61 * 60)
    expired = client.get(link)
    assert expired.status == 410 and expired.h1 == "Lien invalide"
    assert expired.alerts == ["Ce lien a expiré : il n'est valable que 60 minutes."]
    assert expired.has_text(">J'ai oublié mon mot de passe</a>")
    client.submit("/mot-de-passe-oublie", {"identifiant": seeded.identifiant})
    fresh = mails_to(mailpit, seeded.courriel, 2)[1].link("/reinitialisation/")
    screen = client.get(fresh)
    assert screen.status == 200
    done = client.submit(fresh, {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD}, form_page=screen)
    assert done.h1 == "Mot de passe modifié"
    assert_logged_in(client, seeded.identifiant, NEW_PASSWORD, seeded.denomination)


def test_j3_assistance_technique(client: ExtranetClient, mailpit: MailpitClient) -> None:
    form = client.get("/assistance-technique")
    assert form.h1 == "Envoyer une demande d'assistance technique"
    for motif in ("Habilitation extranet", "Habilitation à l'extranet", "Demande d'indemnisation", "Autre"):
        assert form.has_text(f'<option value="{motif}">{motif}</option>')
    courriel = unique_address()
    done = client.submit("/assistance-technique", {"motif": "Habilitation à l'extranet", "siret": random_siret(),
                                                   "nom": "Leroy", "courriel": courriel, "message": "Rien reçu."},
                         form_page=form)
    assert done.h1 == "Demande d'assistance enregistrée"
    numero = re.search(r"AP-\d{6}", done.html).group(0)  # type: ignore[union-attr]
    assert mails_to(mailpit, courriel, 1)[0].subject == f"Demande d'assistance n° {numero}"


def test_n1_incident_notice_set_and_cleared_by_the_operator(client: ExtranetClient) -> None:
    text = ("Un incident technique s'est produit sur l'Extranet activité partielle hier. Celui-ci a pu "
            "entraîner, par erreur, un rejet de votre demande d'indemnisation.")
    try:
        assert client.op("POST", "incident", json={"text": text}).json() == {"text": text}
        home = client.get("/")
        assert '<section role="alert" aria-label="Avis d\'incident"' in home.html and home.has_text(text)
        assert not client.get("/creer-mon-espace").has_text(text)  # home page only
    finally:
        assert client.op("POST", "incident", json={"text": None}).json() == {"text": None}
    assert "Avis d" not in client.get("/").html


# -- bad input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("siret", "fragment"), [
    ("1234567", "trop court"), ("732829320000741", "trop long"), ("7328293200007A", "que des chiffres"),
    ("73282932000075", "clé de contrôle"), ("", "obligatoire"),
])
def test_bad_siret_is_refused_with_input_kept_and_a_fresh_cryptogram(client: ExtranetClient, extranet: ExtranetService,
                                                                      siret: str, fragment: str) -> None:
    before = db_counts(extranet.database)
    form = client.get("/creer-mon-espace")
    answer = client.submit("/creer-mon-espace", {"siret": siret, "challenge": form.challenge, "cgu": "on",
                                                 "code": client.answer(form.challenge)}, form_page=form)
    assert answer.status == 422 and answer.h1 == "Créer mon espace"
    assert len(answer.alerts) == 1 and fragment in answer.alerts[0]
    assert answer.value("siret") == siret and answer.challenge != form.challenge
    assert client.get("/creer-mon-espace/compte").status == 303
    assert db_counts(extranet.database) == before


def test_wrong_cryptogram_then_reused_and_expired(client: ExtranetClient) -> None:
    siret = random_siret()
    wrong = client.creation_step(siret, code="ZZZZZZ")
    assert wrong.status == 422 and any("contrôle de sécurité" in a for a in wrong.alerts)
    assert wrong.value("siret") == siret
    form = client.get("/creer-mon-espace")
    code = client.answer(form.challenge)
    ok = client.submit("/creer-mon-espace", {"siret": siret, "challenge": form.challenge, "cgu": "on", "code": code},
                       form_page=form)
    assert ok.status == 303
    replay = client.submit("/creer-mon-espace", {"siret": siret, "challenge": form.challenge, "cgu": "on",
                                                 "code": code}, form_page=form)
    assert replay.status == 422  # a challenge is single use
    form = client.get("/creer-mon-espace")
    code = client.answer(form.challenge)
    client.set_clock(11 * 60)
    late = client.submit("/creer-mon-espace", {"siret": siret, "challenge": form.challenge, "cgu": "on",
                                               "code": code}, form_page=form)
    assert late.status == 422 and any("expiré" in a for a in late.alerts)


def test_operator_header_bypasses_the_cryptogram(client: ExtranetClient) -> None:
    form = client.get("/creer-mon-espace")
    data = {"siret": random_siret(), "challenge": form.challenge, "cgu": "on", "code": ""}
    assert client.submit("/creer-mon-espace", data, form_page=form, operator=True).status == 303
    form = client.get("/creer-mon-espace")
    data.update(challenge=form.challenge, csrf_token=form.hidden("csrf_token"))
    wrong_key = Page(client.http.post("/creer-mon-espace", data=data, headers={"X-Operator-Key": "wrong-key"}))
    assert wrong_key.status == 422 and any("contrôle de sécurité" in a for a in wrong_key.alerts)


def test_cgu_not_accepted(client: ExtranetClient) -> None:
    answer = client.creation_step(random_siret(), cgu=False)
    assert answer.status == 422
    assert answer.alerts == ["Vous devez accepter les conditions générales d'utilisation."]
    assert 'id="valider"' in answer.html and "valider.disabled = !cgu.checked" in answer.html


def _account_page(client: ExtranetClient) -> Page:
    assert client.creation_step(random_siret()).status == 303
    return client.get("/creer-mon-espace/compte")


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"courriel_confirmation": "autre@example.test"}, "ne sont pas identiques"),
    ({"courriel": "pas-une-adresse", "courriel_confirmation": "pas-une-adresse"}, "adresse électronique valide"),
    ({"telephone": "12"}, "téléphone"),
    ({"civilite": "Docteur"}, "civilité"),
    ({"denomination": ""}, "Dénomination"),
])
def test_bad_account_form(client: ExtranetClient, extranet: ExtranetService, overrides: dict[str, str],
                          fragment: str) -> None:
    page = _account_page(client)
    before = db_counts(extranet.database)
    data = account_form_data(unique_address(), **overrides)
    answer = client.submit("/creer-mon-espace/compte", {"form_id": page.hidden("form_id"), **data}, form_page=page)
    assert answer.status == 422 and answer.h1 == "Création du compte"
    assert len(answer.alerts) == 1 and fragment in answer.alerts[0]
    assert answer.value("nom") == "Dupont" and answer.value("courriel") == data["courriel"]
    assert db_counts(extranet.database) == before


def test_double_submission_creates_one_account(client: ExtranetClient, mailpit: MailpitClient,
                                               extranet: ExtranetService) -> None:
    page = _account_page(client)
    courriel = unique_address()
    data = {"csrf_token": page.hidden("csrf_token"), "form_id": page.hidden("form_id"), **account_form_data(courriel)}
    before = db_counts(extranet.database)
    results: list[Page] = []
    threads = [threading.Thread(target=lambda: results.append(client.post("/creer-mon-espace/compte", data)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in results) == [200, 409]
    refused = next(r for r in results if r.status == 409)
    assert "déjà été envoyé" in refused.alerts[0]
    again = client.post("/creer-mon-espace/compte", data)  # later resubmission (back button)
    assert again.status == 409
    after = db_counts(extranet.database)
    assert after["accounts"] == before["accounts"] + 1 and after["establishments"] == before["establishments"] + 1
    assert kinds(mails_to(mailpit, courriel, 2)) == ["identifiant", "activation"]
    assert settle_and_count(mailpit, courriel) == 2


def test_bad_new_password(client: ExtranetClient, mailpit: MailpitClient, seeded: Seeded,
                          extranet: ExtranetService) -> None:
    client.submit("/mot-de-passe-oublie", {"identifiant": seeded.identifiant})
    link = mails_to(mailpit, seeded.courriel, 1)[0].link("/reinitialisation/")
    screen = client.get(link)
    weak = client.submit(link, {"mot_de_passe": "faible", "confirmation": "faible"}, form_page=screen)
    assert weak.status == 422 and len(weak.alerts) == 4 and 'value="faible"' not in weak.html
    mismatch = client.submit(link, {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD + "x"},
                             form_page=screen)
    assert mismatch.alerts == ["Les deux mots de passe ne sont pas identiques."]
    assert client.get(link).status == 200  # still usable after refused attempts
    assert_logged_in(client, seeded.identifiant, seeded.password, seeded.denomination)


@pytest.mark.parametrize("path", ["/reinitialisation/", "/activation/"])
def test_forged_and_truncated_links(client: ExtranetClient, mailpit: MailpitClient, seeded: Seeded,
                                    path: str) -> None:
    client.submit("/mot-de-passe-oublie", {"identifiant": seeded.identifiant})
    real = mails_to(mailpit, seeded.courriel, 1)[0].link("/reinitialisation/").rsplit("/", 1)[1]
    for token in (real[:-5], real + "x", "A" * 43, "", real[:20] + "/" + real[20:]):
        answer = client.get(path + token)
        assert answer.status == 404 and answer.alerts == ["Ce lien n'est plus valide."], token
    if path == "/activation/":  # a reset token never opens the activation screen
        assert client.get(path + real).status == 404


def test_missing_or_wrong_csrf_token(client: ExtranetClient, extranet: ExtranetService) -> None:
    before = db_counts(extranet.database)
    client.get("/")
    for data in ({}, {"csrf_token": "forged"}):
        for path, fields in (("/connexion", {"identifiant": "AP22222222", "mot_de_passe": "x"}),
                             ("/creer-mon-espace", {"siret": random_siret(), "cgu": "on"}),
                             ("/assistance", {"motif": "Autre", "siret": random_siret(), "nom": "N",
                                              "courriel": unique_address()}),
                             ("/mot-de-passe-oublie", {"identifiant": "AP22222222"})):
            answer = client.post(path, {**data, **fields})
            assert answer.status == 403 and answer.alerts == ["Session expirée, veuillez recommencer."], path
    fresh = httpx.post(f"{extranet.base_url}/assistance", data={"csrf_token": "x", "motif": "Autre"})
    assert fresh.status_code == 403  # no session at all
    assert db_counts(extranet.database) == before


def test_unknown_motif(client: ExtranetClient, extranet: ExtranetService) -> None:
    before = db_counts(extranet.database)
    answer = client.submit("/assistance", {"motif": "Réclamation", "siret": random_siret(), "nom": "N",
                                           "courriel": unique_address(), "message": "garde-moi"})
    assert answer.status == 422 and answer.alerts == [
        "Le motif de la demande est inconnu : choisissez un motif dans la liste."]
    assert answer.has_text(">garde-moi</textarea>")
    assert db_counts(extranet.database) == before


def test_forgotten_password_rate_limit_same_page_no_mail(client: ExtranetClient, mailpit: MailpitClient,
                                                         seeded: Seeded, extranet: ExtranetService) -> None:
    for _ in range(6):
        answer = client.submit("/mot-de-passe-oublie", {"identifiant": seeded.identifiant})
        assert answer.status == 200 and answer.has_text(GENERIC)
    mails_to(mailpit, seeded.courriel, 5)
    assert settle_and_count(mailpit, seeded.courriel) == 5
    assert "rate limit: password-reset" in extranet.process.log_path.read_text()


def test_unknown_identifier_gets_the_same_answer(client: ExtranetClient) -> None:
    known = client.submit("/mot-de-passe-oublie", {"identifiant": "AP00000000"})
    assert known.status == 200 and known.h1 == "Demande enregistrée" and known.has_text(GENERIC)


def test_wrong_login(client: ExtranetClient, seeded: Seeded) -> None:
    answer = login(client, seeded.identifiant, "Pas-le-bon-mot-de-passe-1")
    assert answer.status == 200 and answer.h1 == "Extranet activité partielle"
    assert answer.alerts == ["Identifiant ou mot de passe incorrect."]
    assert answer.value("identifiant") == seeded.identifiant and PASSWORD not in answer.html
    assert client.get("/mon-espace").status == 303


LOCKED = "Votre compte est temporairement bloqué"


def test_five_wrong_passwords_lock_the_identifier_even_for_the_right_one_until_the_lock_ends(
        client: ExtranetClient, seeded: Seeded) -> None:
    for _ in range(5):
        assert login(client, seeded.identifiant, "Pas-le-bon-mot-de-passe-1").alerts == \
            ["Identifiant ou mot de passe incorrect."]
    locked = login(client, seeded.identifiant, seeded.password)  # the right one, now refused
    assert locked.status == 200 and locked.h1 == "Extranet activité partielle"
    assert len(locked.alerts) == 1 and locked.alerts[0].startswith(LOCKED), locked.alerts
    assert "réessayer dans 15 minutes" in locked.alerts[0] and seeded.password not in locked.html
    assert client.get("/mon-espace").status == 303  # not logged in
    client.set_clock(14 * 60)
    assert login(client, seeded.identifiant, seeded.password).alerts[0].startswith(LOCKED)
    assert "réessayer dans 1 minute " in login(client, seeded.identifiant, seeded.password).alerts[0]
    client.set_clock(15 * 60 + 1)  # the lock lasts 15 minutes after the last wrong password
    assert_logged_in(client, seeded.identifiant, seeded.password, seeded.denomination)


def test_wrong_passwords_spread_wider_than_the_window_never_lock(client: ExtranetClient, seeded: Seeded) -> None:
    for minute in (0, 4, 8, 12, 16, 20):  # never 5 within 15 minutes
        client.set_clock(minute * 60)
        assert login(client, seeded.identifiant, "Pas-le-bon-mot-de-passe-1").alerts == \
            ["Identifiant ou mot de passe incorrect."]
    assert_logged_in(client, seeded.identifiant, seeded.password, seeded.denomination)


def test_an_unknown_identifier_locks_the_same_way_and_a_success_clears_the_count(
        client: ExtranetClient, seeded: Seeded) -> None:
    unknown = "AP" + uuid.uuid4().hex[:8].upper()
    for _ in range(5):
        login(client, unknown, "Pas-le-bon-mot-de-passe-1")
    assert login(client, unknown, "Pas-le-bon-mot-de-passe-1").alerts[0].startswith(LOCKED)  # no enumeration
    for _ in range(4):
        login(client, seeded.identifiant, "Pas-le-bon-mot-de-passe-1")
    assert_logged_in(client, seeded.identifiant, seeded.password, seeded.denomination)  # 4: still open
    for _ in range(4):  # the success started the count again: 4 more do not lock
        login(client, seeded.identifiant, "Pas-le-bon-mot-de-passe-1")
    assert_logged_in(client, seeded.identifiant, seeded.password, seeded.denomination)


def test_a_new_password_through_forgot_password_unlocks(client: ExtranetClient, mailpit: MailpitClient,
                                                        seeded: Seeded) -> None:
    for _ in range(6):
        login(client, seeded.identifiant, "Pas-le-bon-mot-de-passe-1")
    assert login(client, seeded.identifiant, seeded.password).alerts[0].startswith(LOCKED)
    client.submit("/mot-de-passe-oublie", {"identifiant": seeded.identifiant})
    link = mails_to(mailpit, seeded.courriel, 1)[0].link("/reinitialisation/")
    screen = client.get(link)
    done = client.submit(link, {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD}, form_page=screen)
    assert done.h1 == "Mot de passe modifié"
    assert_logged_in(client, seeded.identifiant, NEW_PASSWORD, seeded.denomination)


# -- operator controls ----------------------------------------------------------------------------------
def test_operator_controls(client: ExtranetClient, extranet: ExtranetService) -> None:
    assert httpx.post(f"{extranet.base_url}/__operator__/reset").status_code == 403
    assert httpx.post(f"{extranet.base_url}/__operator__/reset", headers={"X-Operator-Key": "nope"}).status_code == 403
    assert client.op("POST", "clock", json={"offset_seconds": 120}).json()["offset_seconds"] == 120
    assert client.op("GET", "clock").json()["offset_seconds"] == 120
    assert client.op("POST", "clock", json={"offset_seconds": "soon"}).status_code == 400
    assert client.op("GET", "faults").json() == {}
    assert client.op("POST", "faults", json={}).json() == {}
    assert client.op("POST", "faults", json={"no_such_fault": 1}).status_code == 400
    bad_seed = client.op("POST", "seed", json={"establishments": [{"siret": "12345678901234", "denomination": "X"}]})
    assert bad_seed.status_code == 400 and "siret" in bad_seed.json()["error"]
    assert client.op("GET", "cryptogram", params={"challenge": "nope"}).status_code == 404


def test_operator_reset_wipes_state(client: ExtranetClient, seeded: Seeded, extranet: ExtranetService) -> None:
    client.set_clock(300)
    assert client.op("POST", "reset").json() == {"status": "ok"}
    counts = db_counts(extranet.database)
    assert counts["accounts"] == 0 and counts["establishments"] == 0
    assert client.op("GET", "clock").json()["offset_seconds"] == 0
    assert client.creation_step(seeded.siret).status == 303  # the SIRET is unknown again


def test_without_operator_key_routes_are_404_and_smtp_failure_keeps_the_page(workdir: Path) -> None:
    """A second server with no operator key and an SMTP port nobody listens on."""
    service = start_extranet(workdir / "nokey", smtp_host="127.0.0.1", smtp_port=free_port(), operator_key=None)
    try:
        for method, path in (("GET", "clock"), ("POST", "reset"), ("GET", "faults"), ("POST", "seed")):
            response = httpx.request(method, f"{service.base_url}/__operator__/{path}",
                                     headers={"X-Operator-Key": "anything"})
            assert response.status_code == 404
        user = ExtranetClient(service.base_url)
        done = user.submit("/assistance", {"motif": "Autre", "siret": random_siret(), "nom": "N",
                                           "courriel": unique_address(), "message": ""})
        assert done.status == 200 and done.h1 == "Demande d'assistance enregistrée"
        generic = user.submit("/mot-de-passe-oublie", {"identifiant": "AP22222222"})
        assert generic.status == 200 and generic.h1 == "Demande enregistrée"
        user.close()
        time.sleep(0.5)
        assert "not sent" in service.process.log_path.read_text()
        assert httpx.get(f"{service.base_url}/healthz").json()["status"] == "ok"
    finally:
        service.stop()
