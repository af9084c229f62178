"""Page objects: one class per screen of the extranet. Every locator of the suite lives here.

Locators use only roles, accessible names, labels and visible text, with the exact French
wording of docs/ARCHITECTURE.md (plus the one ``data-testid`` the contract gives: the request
number). Methods read like the help page: ``home.cliquer_creer_mon_espace()``,
``creation.saisir_siret(...)``, ``creation.accepter_les_conditions()``, ``creation.valider()``.

Naming rule (one language for the domain): the screens, their parts and their methods are
named in French, with the help page's and the screen's own words (its heading, or the name
the help page gives it), in CamelCase without accents, a screen ending in ``Page``:
``AccueilPage``, ``MotDePasseOubliePage``, ``NouveauMotDePassePage``, ``LienInvalidePage``,
``AvisIncident``. English is kept for the plumbing shared with Playwright (``BasePage``,
``Page``, ``Locator``, ``expect_…`` assertions).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .accueil import ACCEPTE, BLOQUE, REFUSE, TEXTE_COMPTE_BLOQUE, AccueilPage, AvisIncident
from .assistance import MOTIF_HABILITATION_A_L_EXTRANET, MOTIF_HABILITATION_EXTRANET, AssistancePage
from .base import BasePage
from .confirmations import (
    NUMERO_DEMANDE,
    CompteActivePage,
    ConfirmationPage,
    DemandeAssistanceEnregistreePage,
    DemandeCreationEnregistreePage,
    DemandeEnregistreePage,
    MotDePasseModifiePage,
)
from .creation import CompteExistantPage, CreationDuComptePage, CreationEspacePage
from .mon_espace import MonEspacePage, ResultatConnexion
from .recuperation import IdentifiantOubliePage, LienInvalidePage, MotDePasseOubliePage, NouveauMotDePassePage

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def _screens(cls: type[BasePage] = BasePage) -> list[type[BasePage]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_screens(sub))]


def ecrans(page: Page) -> list[tuple[str, BasePage]]:
    """Every screen the page objects know (named, a parameterised one once per variant), in the order
    a user meets them: what the target doctor examines. A base class without heading is left out."""
    seen: set[type[BasePage]] = set()
    out: list[tuple[str, BasePage]] = []
    for screen in _screens():
        if screen in seen or (screen.titre is None and not screen.elements):
            continue
        seen.add(screen)
        out += screen.variantes(page)
    return out


def secret_fields(page: Page) -> list[Locator]:
    """Every field that holds a secret on any screen (each page object's ``secret_fields()``).

    Why every screen's: a failure can leave any screen open, and the recorder does not know
    which one; a locator that matches nothing masks nothing.
    """
    return [locator for screen in _screens() for locator in screen(page).secret_fields()]


__all__ = [
    "ACCEPTE", "BLOQUE", "REFUSE", "TEXTE_COMPTE_BLOQUE", "AccueilPage", "AssistancePage", "AvisIncident", "BasePage", "CompteActivePage",
    "CompteExistantPage", "ConfirmationPage", "CreationDuComptePage", "CreationEspacePage",
    "DemandeAssistanceEnregistreePage", "DemandeCreationEnregistreePage", "DemandeEnregistreePage",
    "IdentifiantOubliePage", "LienInvalidePage", "MOTIF_HABILITATION_A_L_EXTRANET",
    "MOTIF_HABILITATION_EXTRANET", "MonEspacePage", "MotDePasseModifiePage", "MotDePasseOubliePage",
    "NUMERO_DEMANDE", "NouveauMotDePassePage", "ResultatConnexion", "ecrans", "secret_fields",
]
