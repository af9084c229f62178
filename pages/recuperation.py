"""Cas 2.2: « J'ai oublié mon identifiant », « J'ai oublié mon mot de passe », the new-password
screen (reset link and activation link share it) and the refused-link screen.
"""
from __future__ import annotations

import re
import secrets

from playwright.sync_api import Locator, Response, expect

from .base import Attendu, BasePage

CHAMP_SIRET = Attendu("textbox", "N° de SIRET")
CHAMP_COURRIEL = Attendu("textbox", "Courriel")
CHAMP_IDENTIFIANT = Attendu("textbox", "Identifiant")
BOUTON_ENVOYER = Attendu("button", "Envoyer")
# Password inputs have no ARIA role: reached by their labels (textboxes in the accessibility tree).
CHAMP_NOUVEAU_MOT_DE_PASSE = Attendu("textbox", "Nouveau mot de passe", par_libelle=True)
CHAMP_CONFIRMATION_MOT_DE_PASSE = Attendu("textbox", "Confirmation du mot de passe", par_libelle=True)
BOUTON_VALIDER = Attendu("button", "Valider")
LIEN_MOT_DE_PASSE_OUBLIE = Attendu("link", "J'ai oublié mon mot de passe", dans="contenu")


class IdentifiantOubliePage(BasePage):
    chemin = "/identifiant-oublie"
    titre = "J'ai oublié mon identifiant"
    elements = (CHAMP_SIRET, CHAMP_COURRIEL, BOUTON_ENVOYER)
    sans_ecriture = True

    def champ_siret(self) -> Locator:
        return self.localiser(CHAMP_SIRET)

    def champ_courriel(self) -> Locator:
        return self.localiser(CHAMP_COURRIEL)

    def bouton_envoyer(self) -> Locator:
        return self.localiser(BOUTON_ENVOYER)

    def expect_formulaire(self) -> None:
        self.attendre()
        for element in (self.champ_siret(), self.champ_courriel(), self.bouton_envoyer()):
            expect(element).to_be_visible()

    def demander_mon_identifiant(self, siret: str, courriel: str) -> None:
        """Give the SIRET and the mail address of the account, then « Envoyer »."""
        self.champ_siret().fill(siret)
        self.champ_courriel().fill(courriel)
        self.bouton_envoyer().click()


class MotDePasseOubliePage(BasePage):
    chemin = "/mot-de-passe-oublie"
    titre = "J'ai oublié mon mot de passe"
    elements = (CHAMP_IDENTIFIANT, BOUTON_ENVOYER)
    sans_ecriture = True

    def champ_identifiant(self) -> Locator:
        return self.localiser(CHAMP_IDENTIFIANT)

    def bouton_envoyer(self) -> Locator:
        return self.localiser(BOUTON_ENVOYER)

    def expect_formulaire(self) -> None:
        self.attendre()
        expect(self.champ_identifiant()).to_be_visible()
        expect(self.bouton_envoyer()).to_be_visible()

    def demander_la_reinitialisation(self, identifiant: str) -> None:
        """Give the identifier, then « Envoyer »: a reset link is mailed."""
        self.champ_identifiant().fill(identifiant)
        self.bouton_envoyer().click()

    def secret_fields(self) -> list[Locator]:
        return [self.champ_identifiant()]


class NouveauMotDePassePage(BasePage):
    """« Nouveau mot de passe », reached from the reset link or the activation link of a mail."""

    titre = "Nouveau mot de passe"
    POLITIQUE = re.compile(r"au moins 12 caractères.*minuscule.*majuscule.*chiffre.*caractère spécial")
    # Reached only through a link a mail gave (a request is a write): the doctor does not open it.
    elements = (CHAMP_NOUVEAU_MOT_DE_PASSE, CHAMP_CONFIRMATION_MOT_DE_PASSE, BOUTON_VALIDER)

    def ouvrir_lien(self, lien: str, *, statut: int = 200) -> None:
        """Open the link exactly as the mail gives it (absolute URL); assert it answered ``statut``
        (200 for a valid link, 410 expired, 404 used, forged or truncated)."""
        self.expect_statut(self.page.goto(self.adresse(lien)), statut, "the link")

    def champ_nouveau_mot_de_passe(self) -> Locator:
        return self.localiser(CHAMP_NOUVEAU_MOT_DE_PASSE)

    def champ_confirmation(self) -> Locator:
        return self.localiser(CHAMP_CONFIRMATION_MOT_DE_PASSE)

    def bouton_valider(self) -> Locator:
        return self.localiser(BOUTON_VALIDER)

    def politique(self) -> Locator:
        return self.page.get_by_text(self.POLITIQUE)

    def expect_formulaire(self) -> None:
        """The screen, its password policy and both password fields are shown."""
        self.attendre()
        self.constater("the password policy", lambda: expect(self.politique()).to_be_visible())
        self.constater("the field « Nouveau mot de passe »",
                       lambda: expect(self.champ_nouveau_mot_de_passe()).to_be_visible())
        # The policy is announced with the field (aria-describedby), not only printed nearby.
        self.constater("the policy as the field's accessible description", lambda: expect(
            self.champ_nouveau_mot_de_passe()).to_have_accessible_description(self.POLITIQUE))
        self.constater("the field « Confirmation du mot de passe »",
                       lambda: expect(self.champ_confirmation()).to_be_visible())

    def saisir_deux_fois(self, mot_de_passe: str, confirmation: str | None = None) -> None:
        """Type the new password, then again in « Confirmation du mot de passe »."""
        self.champ_nouveau_mot_de_passe().fill(mot_de_passe)
        self.champ_confirmation().fill(mot_de_passe if confirmation is None else confirmation)

    def valider(self) -> None:
        self.bouton_valider().click()

    def choisir_mot_de_passe(self, mot_de_passe: str) -> None:
        self.saisir_deux_fois(mot_de_passe)
        self.valider()

    def secret_fields(self) -> list[Locator]:
        return [self.champ_nouveau_mot_de_passe(), self.champ_confirmation()]


class LienInvalidePage(BasePage):
    """« Lien invalide »: a reset/activation link that expired (410) or was used, forged, cut (404)."""

    titre = "Lien invalide"
    EXPIRE = "Ce lien a expiré : il n'est valable que 60 minutes."
    PLUS_VALIDE = "Ce lien n'est plus valide."
    elements = (LIEN_MOT_DE_PASSE_OUBLIE,)
    sans_ecriture = True  # a link the site never issued shows it (a GET, refused)

    def ouvrir_sans_ecrire(self) -> Response | None:
        """Open a reset link the site never issued (a made-up token): the refusal screen, nothing written."""
        return self.page.goto(self.adresse(f"/reinitialisation/{secrets.token_urlsafe(32)}"))

    def lien_mot_de_passe_oublie(self) -> Locator:
        return self.localiser(LIEN_MOT_DE_PASSE_OUBLIE)

    def expect_refus(self, message: str) -> None:
        self.attendre()
        self.constater(f"the alert « {message} »", lambda: expect(self.alerte(message)).to_have_text(message))
        self.constater("the link « J'ai oublié mon mot de passe »",
                       lambda: expect(self.lien_mot_de_passe_oublie()).to_be_visible())

    def expect_lien_expire(self) -> None:
        """The 60-minute message."""
        self.expect_refus(self.EXPIRE)

    def expect_lien_plus_valide(self) -> None:
        """The link was already used (or is not a link the site issued)."""
        self.expect_refus(self.PLUS_VALIDE)

    def cliquer_j_ai_oublie_mon_mot_de_passe(self) -> None:
        self.lien_mot_de_passe_oublie().click()
