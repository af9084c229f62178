"""Cas n°2 : si l'établissement existe déjà, l'application renvoie un message.

The message says an account already exists for this SIRET and offers the ways out the help
page lists: « J'ai oublié mon identifiant », « J'ai oublié mon mot de passe » (Cas 2.2) and
« Envoyer une demande d'assistance » (Cas 2.1). Each link must lead to its screen.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import CAS_2_MESSAGE, SUIVRE_LIEN_DU_MESSAGE
from fixtures.plugin.captcha import Captcha
from fixtures.plugin.journey import JourneyRecord
from pages import (
    MOTIF_HABILITATION_EXTRANET,
    AssistancePage,
    CompteExistantPage,
    IdentifiantOubliePage,
    MotDePasseOubliePage,
)

from .parcours import creer_mon_espace

pytestmark = [pytest.mark.journey("J2")]


def test_message_un_compte_existe_deja(page: Page, journey: JourneyRecord, existing_account, captcha: Captcha) -> None:
    creer_mon_espace(page, journey, captcha, existing_account.siret)
    with journey.step(CAS_2_MESSAGE):
        CompteExistantPage(page).expect_message_et_liens()


@pytest.mark.parametrize("lien", ["identifiant", "mot_de_passe", "assistance"])
def test_les_liens_du_message_menent_aux_procedures(page: Page, journey: JourneyRecord, existing_account, captcha: Captcha, lien) -> None:
    creer_mon_espace(page, journey, captcha, existing_account.siret)
    with journey.step(CAS_2_MESSAGE):
        compte_existe = CompteExistantPage(page)
        compte_existe.expect_message_et_liens()
    with journey.step(SUIVRE_LIEN_DU_MESSAGE, lien=lien):
        if lien == "identifiant":
            compte_existe.cliquer_j_ai_oublie_mon_identifiant()
            IdentifiantOubliePage(page).attendre()
        elif lien == "mot_de_passe":
            compte_existe.cliquer_j_ai_oublie_mon_mot_de_passe()
            MotDePasseOubliePage(page).attendre()
        else:
            compte_existe.cliquer_envoyer_une_demande_d_assistance()
            formulaire = AssistancePage(page)
            formulaire.expect_formulaire()
            formulaire.expect_motif(MOTIF_HABILITATION_EXTRANET)
