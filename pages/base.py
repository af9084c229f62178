"""What every screen of the extranet has in common.

Why a base class: each screen is recognised by its level-1 heading (the contract names it),
can be opened by its relative URL (the browser context carries ``base_url``), shows its
errors in ``role="alert"`` elements, and lists the fields that hold secrets so the suite can
mask them in screenshots. Locators are built only from roles, labels and visible text, with
the contract's French wording, so a page object breaks exactly when what a user sees changes.
"""
from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, Response, expect


class BasePage:
    """One screen. Subclasses set ``chemin`` (relative URL) and ``titre`` (the h1)."""

    chemin: str | None = None
    titre: str | None = None

    def __init__(self, page: Page) -> None:
        self.page = page

    # -- navigation ----------------------------------------------------------------
    def ouvrir(self) -> Response | None:
        """Open the screen by its relative URL and return the HTTP response."""
        if self.chemin is None:
            raise TypeError(f"{type(self).__name__} has no URL of its own: reach it through another screen")
        return self.page.goto(self.chemin)

    def attendre(self) -> "BasePage":
        """Assert that this screen is the one displayed (its h1 is visible); returns self."""
        expect(self.titre_principal()).to_be_visible()
        return self

    def expect_url(self, chemin: str) -> None:
        """Assert the address bar ends with ``chemin`` (query string allowed)."""
        expect(self.page).to_have_url(re.compile(re.escape(chemin) + r"(\?.*)?$"))

    # -- locators ------------------------------------------------------------------
    def titre_principal(self) -> Locator:
        if self.titre is None:
            raise TypeError(f"{type(self).__name__} has no heading")
        return self.page.get_by_role("heading", level=1, name=self.titre, exact=True)

    def contenu(self) -> Locator:
        """The page's main region (``<main>``), as opposed to the header and its « Besoin d'aide » menu."""
        return self.page.get_by_role("main")

    def alertes(self) -> Locator:
        """Every ``role="alert"`` element: form errors and, on the home page, the incident notice."""
        return self.page.get_by_role("alert")

    def alerte(self, texte: str) -> Locator:
        return self.alertes().filter(has_text=texte)

    def expect_erreur(self, texte: str) -> None:
        """Assert an error message with this text is shown next to the form."""
        expect(self.alerte(texte)).to_be_visible()

    def secret_fields(self) -> list[Locator]:
        """Locators of the fields holding secrets (passwords, identifier), masked in screenshots."""
        return []
