"""Security invariants of the recovery procedure, replayed in the browser.

- a reset link works once only;
- it is valid 60 minutes: still open at 59, refused with the 60-minute message after 60;
- the recovery answers do not reveal whether an account exists: the same status, heading and
  text for a known and an unknown identifier, and for a known and an unknown SIRET + courriel.
Page objects only (pages/); no locator here.
"""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page

from extranet.siret import random_siret
from fixtures.core.steps import (
    DEMANDER_UN_LIEN,
    LIEN_OUVERT_A_59_MINUTES,
    LIEN_REFUSE_A_60_MINUTES,
    LIEN_REFUSE_ENSUITE,
    REPONSE_IDENTIQUE_IDENTIFIANT,
    REPONSE_IDENTIQUE_MOT_DE_PASSE,
    UTILISER_LE_LIEN,
)
from fixtures.plugin.inbox import Inbox
from fixtures.plugin.journey import JourneyRecord
from fixtures.target.operator import OperatorClient
from pages import (
    DemandeEnregistreePage,
    IdentifiantOubliePage,
    LienInvalidePage,
    MotDePasseModifiePage,
    MotDePasseOubliePage,
    NouveauMotDePassePage,
)

from .parcours import recevoir_un_lien_de_reinitialisation

pytestmark = [pytest.mark.journey("S1"), pytest.mark.writes, pytest.mark.needs_operator]
#: The name under which the made-up identifier is declared not secret (the leak audit allows it).
PROBE_IDENTIFIER = "identifiant inventé (sonde d'énumération)"
#: A SIRET and a mail address made up for the probe: nobody's personal data (the leak audit allows these names).
PROBE_SIRET = "SIRET inventé (sonde d'énumération)"
PROBE_COURRIEL = "courriel inventé (sonde d'énumération)"


def demander_un_lien(page, journey, inbox, identifiant: str) -> str:
    MotDePasseOubliePage(page).ouvrir()
    return recevoir_un_lien_de_reinitialisation(page, journey, inbox, identifiant)


def test_lien_de_reinitialisation_a_usage_unique(page: Page, journey: JourneyRecord, inbox: Inbox, existing_account) -> None:
    journey.secret(existing_account.identifiant)
    with journey.step(DEMANDER_UN_LIEN):
        lien = demander_un_lien(page, journey, inbox, existing_account.identifiant)
    with journey.step(UTILISER_LE_LIEN):
        formulaire = NouveauMotDePassePage(page)
        formulaire.ouvrir_lien(lien, statut=200)
        formulaire.expect_formulaire()
        formulaire.choisir_mot_de_passe(existing_account.new_password())
        MotDePasseModifiePage(page).expect_confirmation()
    with journey.step(LIEN_REFUSE_ENSUITE):
        NouveauMotDePassePage(page).ouvrir_lien(lien, statut=404)
        LienInvalidePage(page).expect_lien_plus_valide()


@pytest.mark.changes_target_state  # moves the clock
def test_lien_valable_60_minutes(page: Page, journey: JourneyRecord, inbox: Inbox, existing_account, operator: OperatorClient) -> None:
    journey.secret(existing_account.identifiant)
    with journey.step(DEMANDER_UN_LIEN):
        lien = demander_un_lien(page, journey, inbox, existing_account.identifiant)
    with journey.step(LIEN_OUVERT_A_59_MINUTES):
        operator.advance_clock(59 * 60)
        formulaire = NouveauMotDePassePage(page)
        formulaire.ouvrir_lien(lien, statut=200)
        formulaire.expect_formulaire()
    with journey.step(LIEN_REFUSE_A_60_MINUTES):
        operator.advance_clock(61)
        NouveauMotDePassePage(page).ouvrir_lien(lien, statut=410)
        LienInvalidePage(page).expect_lien_expire()


def reponse_visible(page, envoyer) -> tuple[int | None, str]:
    """Status of the answer to a form and the text of its main region."""
    with page.expect_response(lambda r: r.request.method == "POST") as reponse:
        envoyer()
    confirmation = DemandeEnregistreePage(page)
    confirmation.expect_confirmation()
    return reponse.value.status, confirmation.contenu().inner_text()


def test_les_reponses_ne_revelent_pas_l_existence_du_compte(page: Page, journey: JourneyRecord, existing_account) -> None:
    journey.secret(existing_account.identifiant)
    inconnu = "AP" + uuid.uuid4().hex[:8].upper()
    journey.not_secret(PROBE_IDENTIFIER, inconnu)
    reponses = {}
    with journey.step(REPONSE_IDENTIQUE_MOT_DE_PASSE):
        for cas, identifiant in (("connu", existing_account.identifiant), ("inconnu", inconnu)):
            procedure = MotDePasseOubliePage(page)
            procedure.ouvrir()
            reponses[("mdp", cas)] = reponse_visible(
                page, lambda i=identifiant, p=procedure: p.demander_la_reinitialisation(i))
        assert reponses[("mdp", "connu")] == reponses[("mdp", "inconnu")]
    with journey.step(REPONSE_IDENTIQUE_IDENTIFIANT):
        siret_inconnu, courriel_faux = random_siret(), f"x-{uuid.uuid4().hex[:8]}@example.test"
        journey.not_secret(PROBE_SIRET, siret_inconnu)
        journey.not_secret(PROBE_COURRIEL, courriel_faux)
        cas_identifiant = (("connu", existing_account.siret, existing_account.courriel),
                           ("siret inconnu", siret_inconnu, existing_account.courriel),
                           ("courriel faux", existing_account.siret, courriel_faux))
        for cas, siret, courriel in cas_identifiant:
            formulaire = IdentifiantOubliePage(page)
            formulaire.ouvrir()
            reponses[("id", cas)] = reponse_visible(
                page, lambda s=siret, c=courriel, p=formulaire: p.demander_mon_identifiant(s, c))
        assert len({reponses[("id", cas)] for cas, _, _ in cas_identifiant}) == 1, reponses
