"""Création d'espace (``/creer-mon-espace``) and what VALIDER leads to.

Help page, step 2: « Saisir le n° de SIRET et le code contrôle sécurité, accepter les
conditions générales et validez », then Cas n°1 (account-creation form) or Cas n°2
(« Un compte existe déjà »).
"""
from __future__ import annotations

import re
from typing import Protocol

from playwright.sync_api import Locator, expect

from .base import Attendu, BasePage

CHAMP_SIRET = Attendu("textbox", "N° de SIRET")
CRYPTOGRAMME = Attendu("img", "Cryptogramme")
CHAMP_CONTROLE_SECURITE = Attendu("textbox", "Contrôle de sécurité")
BOUTON_RENOUVELER_CRYPTOGRAMME = Attendu("button", "Renouveler le cryptogramme")
CASE_CONDITIONS_GENERALES = Attendu("checkbox", "Accepter les conditions générales d'utilisation")
BOUTON_VALIDER = Attendu("button", "VALIDER")

CHAMP_DENOMINATION = Attendu("textbox", "Dénomination")
COMPTE_PRINCIPAL_UTILISATEUR = Attendu("group", "Compte principal utilisateur")
LISTE_CIVILITE = Attendu("combobox", "Civilité")
CHAMP_NOM = Attendu("textbox", "Nom")
CHAMP_PRENOM = Attendu("textbox", "Prénom")
CHAMP_COURRIEL = Attendu("textbox", "Courriel")
CHAMP_CONFIRMATION_COURRIEL = Attendu("textbox", "Confirmation du courriel")
CHAMP_TELEPHONE = Attendu("textbox", "Téléphone")
BOUTON_CREER_MON_COMPTE = Attendu("button", "Créer mon compte")

LIEN_IDENTIFIANT_OUBLIE = Attendu("link", "J'ai oublié mon identifiant", dans="contenu")
LIEN_MOT_DE_PASSE_OUBLIE = Attendu("link", "J'ai oublié mon mot de passe", dans="contenu")
LIEN_DEMANDE_ASSISTANCE = Attendu("link", "Envoyer une demande d'assistance", dans="contenu")


class CreationEspacePage(BasePage):
    chemin = "/creer-mon-espace"
    titre = "Créer mon espace"
    elements = (CHAMP_SIRET, CRYPTOGRAMME, CHAMP_CONTROLE_SECURITE, BOUTON_RENOUVELER_CRYPTOGRAMME,
                CASE_CONDITIONS_GENERALES, BOUTON_VALIDER)
    sans_ecriture = True

    def champ_siret(self) -> Locator:
        return self.localiser(CHAMP_SIRET)

    def cryptogramme(self) -> Locator:
        return self.localiser(CRYPTOGRAMME)

    def champ_controle_securite(self) -> Locator:
        return self.localiser(CHAMP_CONTROLE_SECURITE)

    def bouton_renouveler_cryptogramme(self) -> Locator:
        return self.localiser(BOUTON_RENOUVELER_CRYPTOGRAMME)

    def case_conditions_generales(self) -> Locator:
        return self.localiser(CASE_CONDITIONS_GENERALES)

    def bouton_valider(self) -> Locator:
        return self.localiser(BOUTON_VALIDER)

    # -- actions -------------------------------------------------------------------------
    def saisir_siret(self, siret: str) -> None:
        self.champ_siret().fill(siret)

    def source_cryptogramme(self) -> str:
        """The image's address (it names the current challenge); read once the image is shown."""
        expect(self.cryptogramme()).to_be_visible()
        return self.cryptogramme().get_attribute("src") or ""

    def defi_cryptogramme(self) -> str:
        """The id of the challenge the image shows (its address is ``/cryptogramme/<id>.png``).

        The answer stays on the server; only the reference extranet's operator can tell it.
        """
        source = self.source_cryptogramme()
        match = re.search(r"/cryptogramme/([^/?#]+)\.png", source)
        if not match:
            raise AssertionError(f"the cryptogram image address does not name a challenge: {source!r}")
        return match.group(1)

    def renouveler_le_cryptogramme(self) -> None:
        """Click the two-arrows button and wait until another image is shown."""
        avant = self.source_cryptogramme()
        self.bouton_renouveler_cryptogramme().click()
        expect(self.cryptogramme()).not_to_have_attribute("src", avant)
        expect(self.cryptogramme()).to_be_visible()

    def saisir_controle_de_securite(self, code: str) -> None:
        self.champ_controle_securite().fill(code)

    def accepter_les_conditions(self) -> None:
        self.case_conditions_generales().check()

    def refuser_les_conditions(self) -> None:
        self.case_conditions_generales().uncheck()

    def valider(self) -> None:
        self.bouton_valider().click()

    # -- observations ------------------------------------------------------------------------
    def expect_cryptogramme_affiche(self) -> None:
        """The image is present and has really loaded (a broken image has no natural width)."""
        self.voir("the image « Cryptogramme »", self.cryptogramme())
        # Visible is not loaded: wait for the image's own load/error event (no polling).
        loaded = self.cryptogramme().evaluate(
            """img => img.complete ? img.naturalWidth > 0 : new Promise(resolve => {
                   img.addEventListener("load", () => resolve(img.naturalWidth > 0), {once: true});
                   img.addEventListener("error", () => resolve(false), {once: true});
               })""")
        assert loaded, "the cryptogram image did not load"

    def expect_formulaire(self) -> None:
        """SIRET, cryptogram (loaded), security code, renew button, CGU box and VALIDER are shown."""
        self.attendre()
        for nom, element in (("the field « N° de SIRET »", self.champ_siret()),
                             ("the field « Contrôle de sécurité »", self.champ_controle_securite()),
                             ("the button « Renouveler le cryptogramme »", self.bouton_renouveler_cryptogramme()),
                             ("the box « Accepter les conditions générales d'utilisation »",
                              self.case_conditions_generales()),
                             ("the button « VALIDER »", self.bouton_valider())):
            self.voir(nom, element)
        self.expect_cryptogramme_affiche()

    def expect_valider_desactive(self) -> None:
        self.constater("« VALIDER » disabled", lambda: expect(self.bouton_valider()).to_be_disabled())

    def expect_valider_actif(self) -> None:
        self.constater("« VALIDER » enabled", lambda: expect(self.bouton_valider()).to_be_enabled())


class _Etablissement(Protocol):
    denomination: str | None
    civilite: str
    nom: str
    prenom: str
    courriel: str
    telephone: str


class CreationDuComptePage(BasePage):
    """Cas n°1: « Création du compte » (``/creer-mon-espace/compte``)."""

    chemin = "/creer-mon-espace/compte"
    titre = "Création du compte"
    # Reached by submitting a SIRET: the doctor does not open it.
    elements = (CHAMP_DENOMINATION, COMPTE_PRINCIPAL_UTILISATEUR, LISTE_CIVILITE, CHAMP_NOM, CHAMP_PRENOM,
                CHAMP_COURRIEL, CHAMP_CONFIRMATION_COURRIEL, CHAMP_TELEPHONE, BOUTON_CREER_MON_COMPTE)

    def champ_denomination(self) -> Locator:
        return self.localiser(CHAMP_DENOMINATION)

    def compte_principal_utilisateur(self) -> Locator:
        """The fieldset whose legend is « Compte principal utilisateur »."""
        return self.localiser(COMPTE_PRINCIPAL_UTILISATEUR)

    def liste_civilite(self) -> Locator:
        return self.localiser(LISTE_CIVILITE)

    def champ_nom(self) -> Locator:
        return self.localiser(CHAMP_NOM)

    def champ_prenom(self) -> Locator:
        return self.localiser(CHAMP_PRENOM)

    def champ_courriel(self) -> Locator:
        return self.localiser(CHAMP_COURRIEL)

    def champ_confirmation_courriel(self) -> Locator:
        return self.localiser(CHAMP_CONFIRMATION_COURRIEL)

    def champ_telephone(self) -> Locator:
        return self.localiser(CHAMP_TELEPHONE)

    def bouton_creer_mon_compte(self) -> Locator:
        return self.localiser(BOUTON_CREER_MON_COMPTE)

    def renseigner_les_informations(self, etablissement: _Etablissement) -> None:
        """« Renseignez les informations nécessaires à la création du compte »."""
        if etablissement.denomination is None:
            raise ValueError("an establishment to create needs a dénomination")
        self.champ_denomination().fill(etablissement.denomination)
        expect(self.compte_principal_utilisateur()).to_be_visible()
        self.liste_civilite().select_option(label=etablissement.civilite)
        self.champ_nom().fill(etablissement.nom)
        self.champ_prenom().fill(etablissement.prenom)
        self.champ_courriel().fill(etablissement.courriel)
        self.champ_confirmation_courriel().fill(etablissement.courriel)
        self.champ_telephone().fill(etablissement.telephone)

    def creer_mon_compte(self) -> None:
        self.bouton_creer_mon_compte().click()


class CompteExistantPage(BasePage):
    """Cas n°2: « Un compte existe déjà » (same URL as the creation form, status 200)."""

    titre = "Un compte existe déjà"
    MESSAGE = "Un compte existe déjà pour ce SIRET."
    # Reached by submitting a known SIRET: the doctor does not open it.
    elements = (LIEN_IDENTIFIANT_OUBLIE, LIEN_MOT_DE_PASSE_OUBLIE, LIEN_DEMANDE_ASSISTANCE)

    def message(self) -> Locator:
        return self.contenu().get_by_text(self.MESSAGE, exact=True)

    # The links of the message itself, not those of the « Besoin d'aide » menu in the header.
    def lien_identifiant_oublie(self) -> Locator:
        return self.localiser(LIEN_IDENTIFIANT_OUBLIE)

    def lien_mot_de_passe_oublie(self) -> Locator:
        return self.localiser(LIEN_MOT_DE_PASSE_OUBLIE)

    def lien_demande_assistance(self) -> Locator:
        return self.localiser(LIEN_DEMANDE_ASSISTANCE)

    def expect_message_et_liens(self) -> None:
        """The message and the three ways out the help page lists (Cas 2.1 and Cas 2.2)."""
        self.attendre()
        self.voir("the message « Un compte existe déjà pour ce SIRET. »", self.message())
        self.voir("the link « J'ai oublié mon identifiant »", self.lien_identifiant_oublie())
        self.voir("the link « J'ai oublié mon mot de passe »", self.lien_mot_de_passe_oublie())
        self.voir("the link « Envoyer une demande d'assistance »", self.lien_demande_assistance())

    def cliquer_j_ai_oublie_mon_identifiant(self) -> None:
        self.lien_identifiant_oublie().click()

    def cliquer_j_ai_oublie_mon_mot_de_passe(self) -> None:
        self.lien_mot_de_passe_oublie().click()

    def cliquer_envoyer_une_demande_d_assistance(self) -> None:
        self.lien_demande_assistance().click()
