"""Page objects: one class per screen of the extranet. Every locator of the suite lives here.

Locators use only roles, accessible names, labels and visible text, with the exact French
wording of docs/ARCHITECTURE.md (plus the one ``data-testid`` the contract gives: the request
number). Methods read like the help page: ``home.cliquer_creer_mon_espace()``,
``creation.saisir_siret(...)``, ``creation.accepter_les_conditions()``, ``creation.valider()``.
"""
from .accueil import HomePage, IncidentNotice
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
from .creation import AccountExistsPage, AccountFormPage, CreationEspacePage
from .mon_espace import LoginResult, MonEspacePage
from .recuperation import ForgotIdentifierPage, ForgotPasswordPage, InvalidLinkPage, NewPasswordPage

__all__ = [
    "AccountExistsPage", "AccountFormPage", "AssistancePage", "BasePage", "CompteActivePage",
    "ConfirmationPage", "CreationEspacePage", "DemandeAssistanceEnregistreePage",
    "DemandeCreationEnregistreePage", "DemandeEnregistreePage", "ForgotIdentifierPage",
    "ForgotPasswordPage", "HomePage", "IncidentNotice", "InvalidLinkPage", "LoginResult",
    "MOTIF_HABILITATION_A_L_EXTRANET", "MOTIF_HABILITATION_EXTRANET", "MonEspacePage",
    "MotDePasseModifiePage", "NUMERO_DEMANDE", "NewPasswordPage",
]
