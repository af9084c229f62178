"""R1 : read-only checks that run on any target: the screens of the procedure are reachable
and their forms render as the help page shows them. Nothing is submitted.
"""
from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import (
    ACCUEIL_LIENS_AFFICHES,
    ALLER_SUR_L_ACCUEIL,
    CLIQUER_IDENTIFIANT_OUBLIE,
    CLIQUER_MOT_DE_PASSE_OUBLIE,
    ETAPE_1,
    FORMULAIRE_CREATION_AFFICHE,
    LIEN_NON_EMIS_REFUSE,
    MENU_BESOIN_D_AIDE,
    OUVRIR_ASSISTANCE_MOTIF,
    RENOUVELER_CRYPTOGRAMME,
    VALIDER_APRES_CGU,
)
from fixtures.plugin.journey import JourneyRecord
from pages import (
    MOTIF_HABILITATION_A_L_EXTRANET,
    MOTIF_HABILITATION_EXTRANET,
    AssistancePage,
    CreationEspacePage,
    IdentifiantOubliePage,
    LienInvalidePage,
    MotDePasseOubliePage,
    NouveauMotDePassePage,
)

from .parcours import ouvrir_l_accueil

pytestmark = pytest.mark.journey("R1")


def test_accueil_liens_de_recuperation_et_menu_besoin_d_aide(page: Page, journey: JourneyRecord) -> None:
    with journey.step(ALLER_SUR_L_ACCUEIL):
        home = ouvrir_l_accueil(page)
        journey.incident_notice = home.avis_incident.est_affiche()
    with journey.step(ACCUEIL_LIENS_AFFICHES):
        home.expect_liens_de_recuperation()
    with journey.step(MENU_BESOIN_D_AIDE):
        home.ouvrir_besoin_d_aide()


def test_creer_mon_espace_valider_inactif_tant_que_cgu_non_acceptees(page: Page, journey: JourneyRecord) -> None:
    with journey.step(ETAPE_1):
        home = ouvrir_l_accueil(page)
        home.cliquer_creer_mon_espace()
        creation = CreationEspacePage(page)
        creation.attendre()
    with journey.step(FORMULAIRE_CREATION_AFFICHE):
        creation.expect_formulaire()
    with journey.step(VALIDER_APRES_CGU):
        creation.expect_valider_desactive()
        creation.accepter_les_conditions()
        creation.expect_valider_actif()
        creation.refuser_les_conditions()
        creation.expect_valider_desactive()


def test_renouveler_le_cryptogramme(page: Page, journey: JourneyRecord) -> None:
    with journey.step(RENOUVELER_CRYPTOGRAMME):
        creation = CreationEspacePage(page)
        creation.ouvrir()
        creation.attendre()
        avant = creation.defi_cryptogramme()
        creation.renouveler_le_cryptogramme()
        creation.expect_cryptogramme_affiche()
        assert creation.defi_cryptogramme() != avant


def test_j_ai_oublie_mon_identifiant_depuis_l_accueil(page: Page, journey: JourneyRecord) -> None:
    with journey.step(CLIQUER_IDENTIFIANT_OUBLIE):
        ouvrir_l_accueil(page).cliquer_j_ai_oublie_mon_identifiant()
        procedure = IdentifiantOubliePage(page)
        procedure.expect_formulaire()


def test_j_ai_oublie_mon_mot_de_passe_depuis_l_accueil(page: Page, journey: JourneyRecord) -> None:
    with journey.step(CLIQUER_MOT_DE_PASSE_OUBLIE):
        ouvrir_l_accueil(page).cliquer_j_ai_oublie_mon_mot_de_passe()
        procedure = MotDePasseOubliePage(page)
        procedure.expect_formulaire()


@pytest.mark.parametrize(("technique", "motif"), [(False, MOTIF_HABILITATION_EXTRANET),
                                                  (True, MOTIF_HABILITATION_A_L_EXTRANET)],
                         ids=["assistance", "assistance-technique"])
def test_demande_d_assistance_motif_preselectionne(page: Page, journey: JourneyRecord, technique, motif) -> None:
    with journey.step(OUVRIR_ASSISTANCE_MOTIF, motif=motif):
        formulaire = AssistancePage(page, technique=technique)
        formulaire.ouvrir(motif=motif)
        formulaire.expect_formulaire()
        formulaire.expect_motifs_proposes()
        formulaire.expect_motif(motif)


def test_lien_de_reinitialisation_forge_refuse(page: Page, journey: JourneyRecord) -> None:
    with journey.step(LIEN_NON_EMIS_REFUSE):
        NouveauMotDePassePage(page).ouvrir_lien(f"/reinitialisation/{secrets.token_urlsafe(32)}", statut=404)  # forged
        LienInvalidePage(page).expect_lien_plus_valide()
