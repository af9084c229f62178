"""Cas 2.2, 2/ : « Cliquez sur « J'ai oublié mon mot de passe » et suivre la procédure ».

Identifier → mail with a reset link → the new password twice → « Mot de passe modifié » →
login with the new password works (and no longer with the old one) → the same link opened
again is refused: it works once only.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import (
    ANCIEN_MOT_DE_PASSE_REFUSE,
    LIRE_COURRIEL_REINITIALISATION,
    MEME_LIEN_REFUSE,
    MOT_DE_PASSE_OUBLIE,
    OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE,
    SE_CONNECTER_NOUVEAU_MOT_DE_PASSE,
)
from fixtures.plugin.inbox import Inbox
from fixtures.plugin.journey import JourneyRecord
from pages import DemandeEnregistreePage, LienInvalidePage, MotDePasseOubliePage, NouveauMotDePassePage

from .parcours import (
    choisir_le_nouveau_mot_de_passe,
    expect_mail,
    ouvrir_l_accueil,
    preparer_le_compte_de_test,
    se_connecter,
)

pytestmark = [pytest.mark.journey("J2.2b"), pytest.mark.writes]


def test_mot_de_passe_oublie_lien_a_usage_unique(page: Page, journey: JourneyRecord, inbox: Inbox, existing_account) -> None:
    journey.secret(existing_account.identifiant)
    preparer_le_compte_de_test(page, journey, inbox, existing_account)
    with journey.step(MOT_DE_PASSE_OUBLIE):
        home = ouvrir_l_accueil(page)
        home.cliquer_j_ai_oublie_mon_mot_de_passe()
        procedure = MotDePasseOubliePage(page)
        procedure.attendre()
        with inbox.expect("reinitialisation") as attente:
            procedure.demander_la_reinitialisation(existing_account.identifiant)
            DemandeEnregistreePage(page).expect_confirmation()

    with journey.step(LIRE_COURRIEL_REINITIALISATION):
        mail = attente.value
        expect_mail(mail, "reinitialisation")
        lien = mail.link("/reinitialisation/")
        journey.secret(lien)

    ancien_mot_de_passe = existing_account.password
    nouveau_mot_de_passe = existing_account.new_password()
    with journey.step(OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE):
        choisir_le_nouveau_mot_de_passe(page, lien, nouveau_mot_de_passe)

    espace = se_connecter(page, journey, existing_account.identifiant, nouveau_mot_de_passe,
                          existing_account.denomination, etape=SE_CONNECTER_NOUVEAU_MOT_DE_PASSE)

    with journey.step(ANCIEN_MOT_DE_PASSE_REFUSE):
        home = espace.se_deconnecter()  # lands on the home page
        home.se_connecter(existing_account.identifiant, ancien_mot_de_passe)
        home.expect_erreur_connexion()

    with journey.step(MEME_LIEN_REFUSE):
        NouveauMotDePassePage(page).ouvrir_lien(lien, statut=404)  # used once already
        LienInvalidePage(page).expect_lien_plus_valide()
