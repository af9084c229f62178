"""Point de vigilance : « La procédure est valable 60 min ».

A reset link opened after 61 minutes (the operator moves the extranet's clock) is refused
with the 60-minute message; asking again from that page gives a link that works end to end.
"""
from __future__ import annotations

import pytest

from pages import InvalidLinkPage, NewPasswordPage

from .parcours import (choisir_le_nouveau_mot_de_passe, ouvrir_l_accueil, recevoir_un_lien_de_reinitialisation,
                       se_connecter)

pytestmark = [pytest.mark.journey("J2.2c"), pytest.mark.writes, pytest.mark.needs_operator,
              pytest.mark.changes_target_state]  # moves the clock

SOIXANTE_ET_UNE_MINUTES = 61 * 60


def test_lien_refuse_apres_60_minutes_puis_nouvelle_demande(page, journey, inbox, existing_account, operator):
    journey.secret(existing_account.identifiant)
    with journey.step("2/ Cliquer sur « J'ai oublié mon mot de passe » et recevoir le lien"):
        home = ouvrir_l_accueil(page)
        home.cliquer_j_ai_oublie_mon_mot_de_passe()
        premier_lien = recevoir_un_lien_de_reinitialisation(page, journey, inbox, existing_account.identifiant)

    with journey.step("Attendre 61 minutes (horloge de l'extranet avancée par l'opérateur)"):
        operator.advance_clock(SOIXANTE_ET_UNE_MINUTES)

    with journey.step("Le lien ouvert après 60 minutes est refusé"):
        response = NewPasswordPage(page).ouvrir_lien(premier_lien)
        assert response is not None and response.status == 410, \
            f"an expired reset link must answer 410, got {response.status if response else 'nothing'}"
        refus = InvalidLinkPage(page)
        refus.expect_lien_expire()

    with journey.step("Refaire une demande depuis « J'ai oublié mon mot de passe »"):
        refus.cliquer_j_ai_oublie_mon_mot_de_passe()
        second_lien = recevoir_un_lien_de_reinitialisation(page, journey, inbox, existing_account.identifiant)
        assert second_lien != premier_lien, "the new request mailed the expired link again"

    nouveau_mot_de_passe = existing_account.new_password()
    with journey.step("Ouvrir le nouveau lien et saisir deux fois le nouveau mot de passe"):
        choisir_le_nouveau_mot_de_passe(page, second_lien, nouveau_mot_de_passe)

    se_connecter(page, journey, existing_account.identifiant, nouveau_mot_de_passe, existing_account.denomination,
                 etape="Se connecter avec le nouveau mot de passe")
