"""Filling an assistance request, sending it and checking its acknowledgement (Cas 2.1 and Cas n°3).

Without writes on the target (no ``allow_writes``), the request is filled to the last click —
reason offered and chosen, required fields, the browser's own validation, the send button
enabled — and not sent: the sending step is *not run* (``write_guard``). No operator accepts a
real request to its support desk at every monitoring cycle.
"""
from __future__ import annotations

from playwright.sync_api import Page

from fixtures.core.outcomes import WriteGuarded
from fixtures.core.steps import CHOISIR_MOTIF, ENVOYER_LA_DEMANDE, LIRE_ACCUSE_RECEPTION, RENSEIGNER_LA_DEMANDE
from fixtures.plugin.inbox import Demandeur
from fixtures.plugin.journey import JourneyRecord
from fixtures.plugin.not_run import skip as not_run
from pages import NUMERO_DEMANDE, AssistancePage, DemandeAssistanceEnregistreePage

#: Typed into « Courriel » to see the browser refuse it: nobody's address, declared not secret by this name.
COURRIEL_INVALIDE = "pas-une-adresse"
COURRIEL_INVALIDE_NOM = "courriel invalide (contrôle par le navigateur)"


def envoyer_la_demande(page: Page, journey: JourneyRecord, demandeur: Demandeur, formulaire: AssistancePage,
                       motif: str) -> str:
    """Choose the reason, fill the form, send; return the request number shown on screen,
    after checking the acknowledgement mail carries the same number."""
    etablissement = demandeur.identity
    with journey.step(CHOISIR_MOTIF, motif=motif):
        formulaire.expect_formulaire()
        formulaire.expect_motif_propose(motif)
        formulaire.choisir_le_motif(motif)
    with journey.step(RENSEIGNER_LA_DEMANDE):
        formulaire.expect_champs_obligatoires()
        journey.not_secret(COURRIEL_INVALIDE_NOM, COURRIEL_INVALIDE)
        formulaire.expect_courriel_refuse_par_le_navigateur(COURRIEL_INVALIDE)
        formulaire.renseigner_la_demande(
            siret=etablissement.siret, nom=f"{etablissement.prenom} {etablissement.nom}",
            courriel=etablissement.courriel,
            message=(f"Motif : {motif}. Je n'ai plus accès au compte de l'établissement "
                     f"{etablissement.denomination} : merci de m'habiliter."))
        formulaire.expect_pret_a_envoyer()
    inbox = demandeur.inbox
    if inbox is None:
        not_run(WriteGuarded("filled to the last click and not sent: « Envoyer la demande » would file a real "
                             "request with the target's support desk; set allow_writes = true to send it"))
    with journey.step(ENVOYER_LA_DEMANDE):
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
