"""Cas n°3 : vous n'avez toujours rien reçu.

« Envoyer une demande d'assistance technique » en choisissant le motif « Habilitation à
l'extranet » : the acknowledgement shows a request number and the mail carries it. Without
writes allowed, filled to the last click, not sent.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import CAS_3_ASSISTANCE_TECHNIQUE
from fixtures.plugin.inbox import Demandeur
from fixtures.plugin.journey import JourneyRecord
from pages import MOTIF_HABILITATION_A_L_EXTRANET, AssistancePage

from .demande_assistance import envoyer_la_demande
from .parcours import ouvrir_l_accueil

pytestmark = [pytest.mark.journey("J3")]


def test_demande_d_assistance_technique_habilitation_a_l_extranet(page: Page, journey: JourneyRecord, demandeur: Demandeur) -> None:
    with journey.step(CAS_3_ASSISTANCE_TECHNIQUE):
        home = ouvrir_l_accueil(page)
        home.cliquer_envoyer_une_demande_d_assistance_technique()
        formulaire = AssistancePage(page, technique=True)
        formulaire.attendre()
    envoyer_la_demande(page, journey, demandeur, formulaire, MOTIF_HABILITATION_A_L_EXTRANET)
