"""N1 : avis d'incident sur la page d'accueil.

The seed's notice (« Un incident technique s'est produit sur l'Extranet activité partielle
hier. … ») tells employers their indemnisation request may have been wrongly rejected. A
notice is a fact to *report* (``journey.incident_notice``), never a failure by itself:
- on any target, the home page is read and whether a notice shows is recorded;
- on the reference extranet, the operator sets the seed's text: the notice must show it,
  then, cleared, it must disappear; whatever notice was there before is put back.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from fixtures.core.steps import (
    AVIS_INCIDENT_AFFICHE,
    AVIS_INCIDENT_RETIRE,
    PUBLIER_AVIS_INCIDENT,
    RELEVER_AVIS_INCIDENT,
    RETIRER_AVIS_INCIDENT,
)
from fixtures.plugin.journey import JourneyRecord
from fixtures.target.operator import OperatorClient

from .parcours import ouvrir_l_accueil

pytestmark = pytest.mark.journey("N1")

AVIS_DU_SEED = (
    "Un incident technique s'est produit sur l'Extranet activité partielle hier. Celui-ci a pu "
    "entraîner, par erreur, un rejet de votre demande d'indemnisation. Les opérations de correction "
    "sont en cours et l'ensemble des demandes concernées seront régularisées dans la journée de "
    "manière à ce que le versement de l'indemnisation soit assurée."
)


def test_avis_d_incident_signale_s_il_est_affiche(page: Page, journey: JourneyRecord) -> None:
    with journey.step(RELEVER_AVIS_INCIDENT):
        home = ouvrir_l_accueil(page)
        journey.incident_notice = home.avis_incident.est_affiche()
        if journey.incident_notice:
            assert home.avis_incident.texte(), "an « Avis d'incident » is shown but it is empty"


@pytest.mark.writes
@pytest.mark.needs_operator
@pytest.mark.changes_target_state  # sets the notice every home page shows
def test_avis_d_incident_du_seed_affiche_puis_retire(page: Page, journey: JourneyRecord, operator: OperatorClient) -> None:
    avis_initial = operator.incident()  # a notice the target already had is put back afterwards
    try:
        with journey.step(PUBLIER_AVIS_INCIDENT):
            operator.set_incident(AVIS_DU_SEED)
        with journey.step(AVIS_INCIDENT_AFFICHE):
            home = ouvrir_l_accueil(page)
            home.avis_incident.expect_affiche(AVIS_DU_SEED)
            journey.incident_notice = True
        with journey.step(RETIRER_AVIS_INCIDENT):
            operator.set_incident(None)
        with journey.step(AVIS_INCIDENT_RETIRE):
            home = ouvrir_l_accueil(page)
            home.avis_incident.expect_absent()
    finally:
        operator.set_incident(avis_initial)
