"""Cas 2.2, 1/ : « Cliquez sur « J'ai oublié mon identifiant » et suivre la procédure ».

The procedure asks for the SIRET and the mail address of the account; the identifier
arrives by mail, and logging in with it works.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import IDENTIFIANT_OUBLIE, LIRE_COURRIEL_IDENTIFIANT, SE_CONNECTER_IDENTIFIANT_RECU
from fixtures.plugin.inbox import Inbox
from fixtures.plugin.journey import JourneyRecord
from pages import DemandeEnregistreePage, IdentifiantOubliePage

from .parcours import expect_mail, ouvrir_l_accueil, preparer_le_compte_de_test, se_connecter

pytestmark = [pytest.mark.journey("J2.2a"), pytest.mark.writes]


def test_identifiant_oublie_recu_par_courriel_puis_connexion(page: Page, journey: JourneyRecord, inbox: Inbox, existing_account) -> None:
    preparer_le_compte_de_test(page, journey, inbox, existing_account)
    with journey.step(IDENTIFIANT_OUBLIE):
        home = ouvrir_l_accueil(page)
        home.cliquer_j_ai_oublie_mon_identifiant()
        procedure = IdentifiantOubliePage(page)
        procedure.attendre()
        with inbox.expect("identifiant") as attente:
            procedure.demander_mon_identifiant(existing_account.siret, existing_account.courriel)
            DemandeEnregistreePage(page).expect_confirmation()

    with journey.step(LIRE_COURRIEL_IDENTIFIANT):
        mail = attente.value
        expect_mail(mail, "identifiant")
        identifiant = mail.field_value("Identifiant")
        journey.secret(identifiant)
        assert identifiant == existing_account.identifiant, "the mail does not carry the account's identifier"

    se_connecter(page, journey, identifiant, existing_account.password, existing_account.denomination,
                 etape=SE_CONNECTER_IDENTIFIANT_RECU)
