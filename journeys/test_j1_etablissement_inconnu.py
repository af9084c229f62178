"""Cas n°1 : l'établissement n'est pas connu du système.

« Renseignez les informations nécessaires à la création du compte, et suivez la procédure » :
confirmation, then in the contact's inbox the identifier, then the activation link; the
first password is chosen there, the *Habilitation à l'activité partielle* mail follows, and
the user can log in.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import CAS_1_ACTIVER, CAS_1_CREER, CAS_1_RENSEIGNER
from fixtures.plugin.captcha import Captcha
from fixtures.plugin.inbox import Inbox
from fixtures.plugin.journey import JourneyRecord
from pages import CompteActivePage, CreationDuComptePage, DemandeCreationEnregistreePage, NouveauMotDePassePage

from .parcours import creer_mon_espace, expect_mail, se_connecter

pytestmark = [pytest.mark.journey("J1"), pytest.mark.writes]


def test_creation_du_compte_puis_connexion(page: Page, journey: JourneyRecord, inbox: Inbox, identity, captcha: Captcha) -> None:
    creer_mon_espace(page, journey, captcha, identity.siret)

    with journey.step(CAS_1_RENSEIGNER):
        formulaire = CreationDuComptePage(page)
        formulaire.attendre()
        formulaire.renseigner_les_informations(identity)

    with journey.step(CAS_1_CREER):
        with inbox.expect("identifiant") as attente_identifiant, inbox.expect("activation") as attente_activation:
            formulaire.creer_mon_compte()
            DemandeCreationEnregistreePage(page).expect_confirmation()
        mail_identifiant, mail_activation = attente_identifiant.value, attente_activation.value
        expect_mail(mail_identifiant, "identifiant")
        expect_mail(mail_activation, "activation")
        assert mail_identifiant.created <= mail_activation.created, \
            "the activation link arrived before the identifier"
        identity.learn_identifiant(mail_identifiant.field_value("Identifiant"))
        assert identity.identifiant.startswith("AP") and len(identity.identifiant) == 10, \
            "the identifier does not look like AP + 8 characters"
        lien_activation = mail_activation.link("/activation/")
        journey.secret(lien_activation)

    with journey.step(CAS_1_ACTIVER):
        activation = NouveauMotDePassePage(page)
        activation.ouvrir_lien(lien_activation, statut=200)
        activation.expect_formulaire()
        with inbox.expect("habilitation") as attente_habilitation:
            activation.choisir_mot_de_passe(identity.password)
            CompteActivePage(page).expect_confirmation()
        expect_mail(attente_habilitation.value, "habilitation")

    se_connecter(page, journey, identity.identifiant, identity.password, identity.denomination)
