"""R1 : read-only checks that run on any target: the screens of the procedure are reachable
and their forms render as the help page shows them. Nothing is submitted.
"""
from __future__ import annotations

import secrets

import pytest

from pages import (MOTIF_HABILITATION_A_L_EXTRANET, MOTIF_HABILITATION_EXTRANET, AssistancePage, CreationEspacePage,
                   ForgotIdentifierPage, ForgotPasswordPage, InvalidLinkPage, NewPasswordPage)

from .parcours import ETAPE_1, ouvrir_l_accueil

pytestmark = pytest.mark.journey("R1")


def test_accueil_liens_de_recuperation_et_menu_besoin_d_aide(page, journey):
    with journey.step("Aller sur la page d'accueil"):
        home = ouvrir_l_accueil(page)
        journey.incident_notice = home.avis_incident.est_affiche()
    with journey.step("Le formulaire de connexion, « J'ai oublié… » et « CRÉER MON ESPACE » sont affichés"):
        home.expect_liens_de_recuperation()
    with journey.step("Le menu « Besoin d'aide » propose les deux demandes d'assistance"):
        home.ouvrir_besoin_d_aide()


def test_creer_mon_espace_valider_inactif_tant_que_cgu_non_acceptees(page, journey):
    with journey.step(ETAPE_1):
        home = ouvrir_l_accueil(page)
        home.cliquer_creer_mon_espace()
        creation = CreationEspacePage(page)
        creation.attendre()
    with journey.step("Le formulaire affiche SIRET, cryptogramme, contrôle de sécurité et conditions générales"):
        creation.expect_formulaire()
    with journey.step("VALIDER n'est actif qu'une fois les conditions générales acceptées"):
        creation.expect_valider_desactive()
        creation.accepter_les_conditions()
        creation.expect_valider_actif()
        creation.refuser_les_conditions()
        creation.expect_valider_desactive()


def test_renouveler_le_cryptogramme(page, journey):
    with journey.step("Renouveler le cryptogramme (bouton deux flèches)"):
        creation = CreationEspacePage(page)
        creation.ouvrir()
        creation.attendre()
        avant = creation.defi_cryptogramme()
        creation.renouveler_le_cryptogramme()
        creation.expect_cryptogramme_affiche()
        assert creation.defi_cryptogramme() != avant


def test_j_ai_oublie_mon_identifiant_depuis_l_accueil(page, journey):
    with journey.step("Cliquer sur « J'ai oublié mon identifiant »"):
        ouvrir_l_accueil(page).cliquer_j_ai_oublie_mon_identifiant()
        procedure = ForgotIdentifierPage(page)
        procedure.expect_formulaire()


def test_j_ai_oublie_mon_mot_de_passe_depuis_l_accueil(page, journey):
    with journey.step("Cliquer sur « J'ai oublié mon mot de passe »"):
        ouvrir_l_accueil(page).cliquer_j_ai_oublie_mon_mot_de_passe()
        procedure = ForgotPasswordPage(page)
        procedure.expect_formulaire()


@pytest.mark.parametrize(("technique", "motif"), [(False, MOTIF_HABILITATION_EXTRANET),
                                                  (True, MOTIF_HABILITATION_A_L_EXTRANET)],
                         ids=["assistance", "assistance-technique"])
def test_demande_d_assistance_motif_preselectionne(page, journey, technique, motif):
    with journey.step(f"Ouvrir la demande d'assistance avec le motif « {motif} »"):
        formulaire = AssistancePage(page, technique=technique)
        formulaire.ouvrir(motif=motif)
        formulaire.expect_formulaire()
        formulaire.expect_motifs_proposes()
        formulaire.expect_motif(motif)


def test_lien_de_reinitialisation_forge_refuse(page, journey):
    with journey.step("Un lien de réinitialisation que le site n'a pas émis est refusé"):
        response = NewPasswordPage(page).ouvrir_lien(f"/reinitialisation/{secrets.token_urlsafe(32)}")
        assert response is not None and response.status == 404, \
            f"a forged reset link must answer 404, got {response.status if response else 'nothing'}"
        InvalidLinkPage(page).expect_lien_plus_valide()
