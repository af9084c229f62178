"""Sending an assistance request and checking its acknowledgement (Cas 2.1 and Cas n°3)."""
from __future__ import annotations

from playwright.sync_api import Page

from fixtures.core.steps import CHOISIR_MOTIF, LIRE_ACCUSE_RECEPTION, RENSEIGNER_ET_ENVOYER
from fixtures.plugin.inbox import Inbox
from fixtures.plugin.journey import JourneyRecord
from fixtures.target.identity import Identity
from pages import NUMERO_DEMANDE, AssistancePage, DemandeAssistanceEnregistreePage


def envoyer_la_demande(page: Page, journey: JourneyRecord, inbox: Inbox, formulaire: AssistancePage, motif: str,
                       etablissement: Identity) -> str:
    """Choose the reason, fill the form, send; return the request number shown on screen,
    after checking the acknowledgement mail carries the same number."""
    with journey.step(CHOISIR_MOTIF, motif=motif):
        formulaire.expect_formulaire()
        formulaire.choisir_le_motif(motif)
    with journey.step(RENSEIGNER_ET_ENVOYER):
        formulaire.renseigner_la_demande(
            siret=etablissement.siret, nom=f"{etablissement.prenom} {etablissement.nom}",
            courriel=inbox.address,
            message=(f"Motif : {motif}. Je n'ai plus accès au compte de l'établissement "
                     f"{etablissement.denomination} : merci de m'habiliter."))
        with inbox.expect("assistance") as attente:
            formulaire.envoyer_la_demande()
            numero = DemandeAssistanceEnregistreePage(page).numero()
    with journey.step(LIRE_ACCUSE_RECEPTION):
        mail = attente.value
        assert mail.kind == "assistance", f"expected the assistance acknowledgement, got {mail.kind!r}"
        assert NUMERO_DEMANDE.match(numero), f"request number {numero!r} is not AP- + 6 digits"
        assert mail.subject == f"Demande d'assistance n° {numero}", \
            f"the acknowledgement's subject does not carry the number shown on screen: {mail.subject!r}"
        assert numero in mail.text, "the acknowledgement's text does not carry the request number"
    return numero
