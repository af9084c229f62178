"""« Envoyer une demande d'assistance » (Cas 2.1) and « … technique » (Cas 3): one form, two screens."""
from __future__ import annotations

from typing import Callable
from urllib.parse import urlencode

from playwright.sync_api import Locator, Page, Response, expect

from .base import Attendu, BasePage

MOTIF_HABILITATION_EXTRANET = "Habilitation extranet"  # Cas 2.1
MOTIF_HABILITATION_A_L_EXTRANET = "Habilitation à l'extranet"  # Cas 3
MOTIFS = (MOTIF_HABILITATION_EXTRANET, MOTIF_HABILITATION_A_L_EXTRANET, "Demande d'indemnisation", "Autre")


LISTE_MOTIF = Attendu("combobox", "Motif de la demande")
CHAMP_SIRET = Attendu("textbox", "N° de SIRET")
CHAMP_NOM = Attendu("textbox", "Nom")
CHAMP_COURRIEL = Attendu("textbox", "Courriel")
CHAMP_MESSAGE = Attendu("textbox", "Message")
BOUTON_ENVOYER_LA_DEMANDE = Attendu("button", "Envoyer la demande")


def _requis(champ: Locator) -> Callable[[], None]:
    return lambda: expect(champ).to_have_js_property("required", True)


class AssistancePage(BasePage):
    """``technique=False``: ``/assistance``; ``technique=True``: ``/assistance-technique``."""

    elements = (LISTE_MOTIF, CHAMP_SIRET, CHAMP_NOM, CHAMP_COURRIEL, CHAMP_MESSAGE, BOUTON_ENVOYER_LA_DEMANDE)
    sans_ecriture = True

    def __init__(self, page: Page, technique: bool = False) -> None:
        super().__init__(page)
        self.technique = technique
        self.chemin = "/assistance-technique" if technique else "/assistance"
        self.titre = ("Envoyer une demande d'assistance technique" if technique
                      else "Envoyer une demande d'assistance")

    @classmethod
    def variantes(cls, page: Page) -> list[tuple[str, BasePage]]:
        return [(cls.__name__, cls(page)), (f"{cls.__name__}(technique=True)", cls(page, technique=True))]

    def ouvrir(self, motif: str | None = None) -> Response | None:
        """Open the form; ``motif`` preselects the reason through ``?motif=``."""
        if motif is None:
            return super().ouvrir()
        return self.page.goto(self.adresse(f"{self.chemin}?{urlencode({'motif': motif})}"))

    def liste_motif(self) -> Locator:
        return self.localiser(LISTE_MOTIF)

    def motif_selectionne(self, motif: str) -> Locator:
        return self.liste_motif().get_by_role("option", name=motif, exact=True, selected=True)

    def champ_siret(self) -> Locator:
        return self.localiser(CHAMP_SIRET)

    def champ_nom(self) -> Locator:
        return self.localiser(CHAMP_NOM)

    def champ_courriel(self) -> Locator:
        return self.localiser(CHAMP_COURRIEL)

    def champ_message(self) -> Locator:
        return self.localiser(CHAMP_MESSAGE)

    def bouton_envoyer_la_demande(self) -> Locator:
        return self.localiser(BOUTON_ENVOYER_LA_DEMANDE)

    # -- actions ---------------------------------------------------------------------------
    def choisir_le_motif(self, motif: str) -> None:
        """« Choisir … dans « motif de la demande » »."""
        self.liste_motif().select_option(label=motif)
        self.expect_motif(motif)

    def renseigner_la_demande(self, siret: str, nom: str, courriel: str, message: str) -> None:
        self.champ_siret().fill(siret)
        self.champ_nom().fill(nom)
        self.champ_courriel().fill(courriel)
        self.champ_message().fill(message)

    def envoyer_la_demande(self) -> None:
        self.bouton_envoyer_la_demande().click()

    # -- observations -------------------------------------------------------------------------
    def expect_motif(self, motif: str) -> None:
        self.constater(f"the reason « {motif} » selected",
                       lambda: expect(self.motif_selectionne(motif)).to_have_count(1))

    def expect_motif_propose(self, motif: str) -> None:
        """The reason the help page names is one of the list's options."""
        self.constater(f"the reason « {motif} » offered in « Motif de la demande »",
                       lambda: expect(self.liste_motif().get_by_role("option", name=motif, exact=True)).to_have_count(1))

    def expect_champs_obligatoires(self) -> None:
        """Motif, SIRET, Nom and Courriel are required (the browser's own constraint, ``required``)."""
        for nom, champ in (("« Motif de la demande »", self.liste_motif()), ("« N° de SIRET »", self.champ_siret()),
                           ("« Nom »", self.champ_nom()), ("« Courriel »", self.champ_courriel())):
            self.constater(f"the field {nom} required", _requis(champ))

    def expect_courriel_refuse_par_le_navigateur(self, valeur: str) -> None:
        """Client-side validation: the browser itself finds ``valeur`` is not a mail address
        (constraint validation API, nothing sent); the field is emptied again afterwards."""
        self.champ_courriel().fill(valeur)
        valide = self.champ_courriel().evaluate("el => el.checkValidity()")
        self.champ_courriel().fill("")
        assert valide is False, f"the browser accepts « {valeur} » as a mail address in « Courriel »"

    def expect_pret_a_envoyer(self) -> None:
        """Every constraint of the filled form holds (``form.checkValidity()``) and « Envoyer la demande »
        is enabled: the next click would send it."""
        valide = self.bouton_envoyer_la_demande().evaluate("b => b.form !== null && b.form.checkValidity()")
        assert valide is True, "the filled form does not pass the browser's own validation"
        self.constater("« Envoyer la demande » enabled",
                       lambda: expect(self.bouton_envoyer_la_demande()).to_be_enabled())

    def expect_motifs_proposes(self) -> None:
        for motif in MOTIFS:
            expect(self.liste_motif().get_by_role("option", name=motif, exact=True)).to_have_count(1)

    def expect_formulaire(self) -> None:
        self.attendre()
        self.voir("the list « Motif de la demande »", self.liste_motif())
        for champ in (CHAMP_SIRET, CHAMP_NOM, CHAMP_COURRIEL, CHAMP_MESSAGE, BOUTON_ENVOYER_LA_DEMANDE):
            self.voir(f"the {champ.decrire()}", self.localiser(champ))
