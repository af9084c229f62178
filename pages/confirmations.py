"""The screens that acknowledge a request: each is recognised by its h1 and its message."""
from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from .base import BasePage

NUMERO_DEMANDE = re.compile(r"^AP-\d{6}$")


class ConfirmationPage(BasePage):
    """A confirmation screen: its heading and, when the contract gives one, its message."""

    message: str | None = None

    def expect_confirmation(self) -> None:
        self.attendre()
        if self.message is not None:
            message = self.message
            self.constater(f"the message « {message} »",
                           lambda: expect(self.page.get_by_text(message, exact=True)).to_be_visible())


class DemandeEnregistreePage(ConfirmationPage):
    """After « J'ai oublié mon identifiant / mot de passe »: the same answer whether or not the account exists."""

    titre = "Demande enregistrée"
    message = "Si ces informations correspondent à un compte, un courriel vous a été envoyé."


class DemandeCreationEnregistreePage(ConfirmationPage):
    """Cas n°1, after « Créer mon compte »."""

    titre = "Demande de création enregistrée"


class MotDePasseModifiePage(ConfirmationPage):
    """After a reset link's new password was accepted."""

    titre = "Mot de passe modifié"


class CompteActivePage(ConfirmationPage):
    """After an activation link's first password was accepted."""

    titre = "Compte activé"


class DemandeAssistanceEnregistreePage(ConfirmationPage):
    """« Votre demande n° AP-000123 a bien été enregistrée. »"""

    titre = "Demande d'assistance enregistrée"

    def numero_demande(self) -> Locator:
        return self.page.get_by_test_id("numero-demande")

    def numero(self) -> str:
        """The request number shown on screen, checked against ``AP-`` + 6 digits."""
        self.attendre()
        expect(self.numero_demande()).to_have_text(NUMERO_DEMANDE)
        numero = self.numero_demande().inner_text().strip()
        expect(self.page.get_by_text(f"Votre demande n° {numero} a bien été enregistrée.")).to_be_visible()
        return numero
