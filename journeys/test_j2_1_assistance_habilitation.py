"""Cas 2.1 : l'utilisateur précédent a quitté l'entreprise, la boîte mail déclarée est perdue.

« Vous devez remplir un formulaire de demande d'assistance, via le menu « Besoin d'aide »
/ Envoyer une demande d'assistance de l'application, et renseigner le motif « Habilitation
extranet » » : the acknowledgement shows a request number AP-NNNNNN and the acknowledgement
mail carries the same number. Without writes allowed, filled to the last click, not sent.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import BESOIN_D_AIDE_ASSISTANCE, OUVRIR_ASSISTANCE_MOTIF
from fixtures.plugin.inbox import Demandeur
from fixtures.plugin.journey import JourneyRecord
from pages import MOTIF_HABILITATION_EXTRANET, AssistancePage

from .demande_assistance import envoyer_la_demande
from .parcours import ouvrir_l_accueil

pytestmark = [pytest.mark.journey("J2.1")]


def test_demande_d_assistance_motif_habilitation_extranet(page: Page, journey: JourneyRecord, demandeur: Demandeur) -> None:
    with journey.step(BESOIN_D_AIDE_ASSISTANCE):
        home = ouvrir_l_accueil(page)
        home.cliquer_envoyer_une_demande_d_assistance()
        formulaire = AssistancePage(page)
        formulaire.attendre()
    envoyer_la_demande(page, journey, demandeur, formulaire, MOTIF_HABILITATION_EXTRANET)


def test_demande_d_assistance_motif_preselectionne(page: Page, journey: JourneyRecord, demandeur: Demandeur) -> None:
    """The same request reached by a link carrying the reason (``?motif=``)."""
    with journey.step(OUVRIR_ASSISTANCE_MOTIF, motif=MOTIF_HABILITATION_EXTRANET):
        formulaire = AssistancePage(page)
        formulaire.ouvrir(motif=MOTIF_HABILITATION_EXTRANET)
        formulaire.expect_motif(MOTIF_HABILITATION_EXTRANET)
    envoyer_la_demande(page, journey, demandeur, formulaire, MOTIF_HABILITATION_EXTRANET)
