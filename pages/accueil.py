"""Accueil (``GET /``): login form, recovery links, CRÉER MON ESPACE, « Besoin d'aide », incident notice.

Help page, step 1: « Aller sur la page d'accueil et cliquer sur « CREER MON ESPACE » ».
"""
from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from .base import BasePage

TEXTE_ERREUR_CONNEXION = "Identifiant ou mot de passe incorrect."
#: What the portal says once it has locked an identifier after too many wrong passwords (the
#: reference extranet's words; the start of the sentence, which names no duration).
TEXTE_COMPTE_BLOQUE = "Votre compte est temporairement bloqué"
ACCEPTE, REFUSE, BLOQUE = "accepté", "refusé", "bloqué"  # what a login attempt gets


class AvisIncident:
    """The « Avis d'incident » banner: ``<section role="alert" aria-label="Avis d'incident">``.

    Shown only when the operator (or the real portal) configured one. Its presence is a fact
    to report, not a failure.
    """

    def __init__(self, page: Page) -> None:
        self.page = page

    def bandeau(self) -> Locator:
        return self.page.get_by_role("alert", name="Avis d'incident", exact=True)

    def est_affiche(self) -> bool:
        """Whether a notice is displayed now (no waiting: call it once the page has loaded)."""
        return self.bandeau().count() > 0 and self.bandeau().first.is_visible()

    def texte(self) -> str:
        return self.bandeau().inner_text().strip()

    def expect_affiche(self, texte: str | None = None) -> None:
        expect(self.bandeau()).to_be_visible()
        if texte is not None:
            expect(self.bandeau()).to_contain_text(texte)

    def expect_absent(self) -> None:
        expect(self.bandeau()).to_have_count(0)


class AccueilPage(BasePage):
    chemin = "/"
    titre = "Extranet activité partielle"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.avis_incident = AvisIncident(page)

    # -- login form ----------------------------------------------------------------
    def champ_identifiant(self) -> Locator:
        return self.page.get_by_role("textbox", name="Identifiant", exact=True)

    def champ_mot_de_passe(self) -> Locator:
        # A password input has no ARIA role: reach it by its label.
        return self.page.get_by_label("Mot de passe", exact=True)

    def bouton_se_connecter(self) -> Locator:
        return self.page.get_by_role("button", name="Se connecter", exact=True)

    def se_connecter(self, identifiant: str, mot_de_passe: str) -> None:
        """Type the identifier and the password, then « Se connecter »."""
        self.champ_identifiant().fill(identifiant)
        self.champ_mot_de_passe().fill(mot_de_passe)
        self.bouton_se_connecter().click()

    def expect_erreur_connexion(self) -> None:
        self.expect_erreur(TEXTE_ERREUR_CONNEXION)

    def se_connecter_et_savoir(self, identifiant: str, mot_de_passe: str) -> str:
        """Log in and tell whether the target accepted (« Mon espace »: ``ACCEPTE``), refused the
        password (``REFUSE``) or has locked the identifier (``BLOQUE``): checks a test account's
        password before a journey relies on it."""
        self.se_connecter(identifiant, mot_de_passe)
        accepte = self.page.get_by_role("button", name="Se déconnecter", exact=True)
        bloque = self.alerte(TEXTE_COMPTE_BLOQUE)
        expect(accepte.or_(self.alerte(TEXTE_ERREUR_CONNEXION)).or_(bloque)).to_be_visible()
        return ACCEPTE if accepte.is_visible() else BLOQUE if bloque.is_visible() else REFUSE

    def compte_bloque(self) -> bool:
        """The portal says, now, that the identifier is locked."""
        return self.alerte(TEXTE_COMPTE_BLOQUE).is_visible()

    # -- links -----------------------------------------------------------------------
    def lien_identifiant_oublie(self) -> Locator:
        return self.contenu().get_by_role("link", name="J'ai oublié mon identifiant", exact=True)

    def lien_mot_de_passe_oublie(self) -> Locator:
        return self.contenu().get_by_role("link", name="J'ai oublié mon mot de passe", exact=True)

    def lien_creer_mon_espace(self) -> Locator:
        return self.contenu().get_by_role("link", name="CRÉER MON ESPACE", exact=True)

    def cliquer_j_ai_oublie_mon_identifiant(self) -> None:
        self.lien_identifiant_oublie().click()

    def cliquer_j_ai_oublie_mon_mot_de_passe(self) -> None:
        self.lien_mot_de_passe_oublie().click()

    def cliquer_creer_mon_espace(self) -> None:
        self.lien_creer_mon_espace().click()

    # -- « Besoin d'aide » menu (a <details> whose summary reads "Besoin d'aide") -----------
    def titre_menu_besoin_d_aide(self) -> Locator:
        return self.page.get_by_text("Besoin d'aide", exact=True)

    def menu_besoin_d_aide(self) -> Locator:
        """The navigation block whose visible title is « Besoin d'aide » (whatever its aria-label)."""
        return self.page.get_by_role("navigation").filter(has=self.titre_menu_besoin_d_aide())

    def lien_demande_assistance(self) -> Locator:
        return self.menu_besoin_d_aide().get_by_role("link", name="Envoyer une demande d'assistance", exact=True)

    def lien_demande_assistance_technique(self) -> Locator:
        return self.menu_besoin_d_aide().get_by_role(
            "link", name="Envoyer une demande d'assistance technique", exact=True)

    def ouvrir_besoin_d_aide(self) -> None:
        """Unfold the « Besoin d'aide » menu (a no-op when it is already open)."""
        if not self.lien_demande_assistance().is_visible():
            self.titre_menu_besoin_d_aide().click()
        self.voir("the link « Envoyer une demande d'assistance »", self.lien_demande_assistance())
        self.voir("the link « Envoyer une demande d'assistance technique »", self.lien_demande_assistance_technique())

    def cliquer_envoyer_une_demande_d_assistance(self) -> None:
        self.ouvrir_besoin_d_aide()
        self.lien_demande_assistance().click()

    def cliquer_envoyer_une_demande_d_assistance_technique(self) -> None:
        self.ouvrir_besoin_d_aide()
        self.lien_demande_assistance_technique().click()

    # -- what the home page must show ----------------------------------------------------
    def expect_liens_de_recuperation(self) -> None:
        """The help page's entry points: login form, both « J'ai oublié… » links, CRÉER MON ESPACE."""
        self.voir("the field « Identifiant »", self.champ_identifiant())
        self.voir("the field « Mot de passe »", self.champ_mot_de_passe())
        self.voir("the button « Se connecter »", self.bouton_se_connecter())
        self.voir("the link « J'ai oublié mon identifiant »", self.lien_identifiant_oublie())
        self.voir("the link « J'ai oublié mon mot de passe »", self.lien_mot_de_passe_oublie())
        self.voir("the link « CRÉER MON ESPACE »", self.lien_creer_mon_espace())

    def secret_fields(self) -> list[Locator]:
        return [self.champ_identifiant(), self.champ_mot_de_passe()]
