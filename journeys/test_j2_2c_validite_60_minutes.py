"""Point de vigilance : « La procédure est valable 60 min ».

A reset link opened after 61 minutes (the operator moves the extranet's clock) is refused
with the 60-minute message; asking again from that page gives a link that works end to end.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import (
    ATTENDRE_61_MINUTES,
    LIEN_APRES_60_MINUTES_REFUSE,
    MOT_DE_PASSE_OUBLIE_RECEVOIR_LIEN,
    OUVRIR_NOUVEAU_LIEN_NOUVEAU_MOT_DE_PASSE,
    REFAIRE_UNE_DEMANDE,
    SE_CONNECTER_NOUVEAU_MOT_DE_PASSE,
)
from fixtures.plugin.inbox import Inbox
from fixtures.plugin.journey import JourneyRecord
from fixtures.target.operator import OperatorClient
from pages import LienInvalidePage, NouveauMotDePassePage

from .parcours import (
    choisir_le_nouveau_mot_de_passe,
    ouvrir_l_accueil,
    recevoir_un_lien_de_reinitialisation,
    se_connecter,
)

pytestmark = [pytest.mark.journey("J2.2c"), pytest.mark.writes, pytest.mark.needs_operator,
              pytest.mark.changes_target_state]  # moves the clock

SOIXANTE_ET_UNE_MINUTES = 61 * 60


def test_lien_refuse_apres_60_minutes_puis_nouvelle_demande(page: Page, journey: JourneyRecord, inbox: Inbox, existing_account, operator: OperatorClient) -> None:
    journey.secret(existing_account.identifiant)
    with journey.step(MOT_DE_PASSE_OUBLIE_RECEVOIR_LIEN):
        home = ouvrir_l_accueil(page)
        home.cliquer_j_ai_oublie_mon_mot_de_passe()
        premier_lien = recevoir_un_lien_de_reinitialisation(page, journey, inbox, existing_account.identifiant)

    with journey.step(ATTENDRE_61_MINUTES):
        operator.advance_clock(SOIXANTE_ET_UNE_MINUTES)

    with journey.step(LIEN_APRES_60_MINUTES_REFUSE):
        NouveauMotDePassePage(page).ouvrir_lien(premier_lien, statut=410)  # expired
        refus = LienInvalidePage(page)
        refus.expect_lien_expire()

    with journey.step(REFAIRE_UNE_DEMANDE):
        refus.cliquer_j_ai_oublie_mon_mot_de_passe()
        second_lien = recevoir_un_lien_de_reinitialisation(page, journey, inbox, existing_account.identifiant)
        assert second_lien != premier_lien, "the new request mailed the expired link again"

    nouveau_mot_de_passe = existing_account.new_password()
    with journey.step(OUVRIR_NOUVEAU_LIEN_NOUVEAU_MOT_DE_PASSE):
        choisir_le_nouveau_mot_de_passe(page, second_lien, nouveau_mot_de_passe)

    se_connecter(page, journey, existing_account.identifiant, nouveau_mot_de_passe, existing_account.denomination,
                 etape=SE_CONNECTER_NOUVEAU_MOT_DE_PASSE)
