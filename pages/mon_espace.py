"""Mon espace (``GET /mon-espace``): where a successful login lands."""
from __future__ import annotations

from playwright.sync_api import Locator, expect

from .accueil import AccueilPage
from .base import Attendu, BasePage

BOUTON_SE_DECONNECTER = Attendu("button", "Se déconnecter")


class MonEspacePage(BasePage):
    chemin = "/mon-espace"
    titre = "Mon espace"
    elements = (BOUTON_SE_DECONNECTER,)  # behind the login: the doctor does not open it

    def ligne_identifiant(self) -> Locator:
        """« Identifiant : AP… » shown on the page: a secret in screenshots."""
        return self.contenu().get_by_text("Identifiant :")

    def secret_fields(self) -> list[Locator]:
        return [self.ligne_identifiant()]

    def bouton_se_deconnecter(self) -> Locator:
        return self.localiser(BOUTON_SE_DECONNECTER)

    def expect_connecte(self, denomination: str | None = None) -> None:
        """Assert the user is logged in: h1 « Mon espace », the establishment's name, « Se déconnecter »."""
        self.attendre()
        self.expect_url(self.chemin)
        self.constater("the button « Se déconnecter »", lambda: expect(self.bouton_se_deconnecter()).to_be_visible())
        if denomination is not None:
            self.constater(f"the establishment « {denomination} »",
                           lambda: expect(self.contenu().get_by_text(denomination, exact=True)).to_be_visible())

    def se_deconnecter(self) -> AccueilPage:
        """« Se déconnecter », then wait for the home page it leads to, as a user does. Why: moving
        on at once raced the logout's POST (WebKit cancelled it, and the next login met a stale form)."""
        self.bouton_se_deconnecter().click()
        return AccueilPage(self.page).attendre()


# The name the brief uses for "the screen after « Se connecter »".
ResultatConnexion = MonEspacePage
