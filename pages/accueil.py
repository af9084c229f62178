"""Accueil (``GET /``): login form, recovery links, CRÉER MON ESPACE, « Besoin d'aide », incident notice.

Help page, step 1: « Aller sur la page d'accueil et cliquer sur « CREER MON ESPACE » ».
"""
from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from .base import Attendu, BasePage

TEXTE_ERREUR_CONNEXION = "Identifiant ou mot de passe incorrect."
#: Shown only when an incident is announced: optional, so not among the home page's expected elements.
AVIS_INCIDENT = Attendu("alert", "Avis d'incident")
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
        page: Any = self.page  # Playwright types a role as a Literal; an Attendu's is a str
        return page.get_by_role(AVIS_INCIDENT.role, name=AVIS_INCIDENT.nom, exact=True)

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


CHAMP_IDENTIFIANT = Attendu("textbox", "Identifiant")
# A password input has no ARIA role: reached by its label (a textbox in the accessibility tree).
CHAMP_MOT_DE_PASSE = Attendu("textbox", "Mot de passe", par_libelle=True)
BOUTON_SE_CONNECTER = Attendu("button", "Se connecter")
LIEN_IDENTIFIANT_OUBLIE = Attendu("link", "J'ai oublié mon identifiant", dans="contenu")
LIEN_MOT_DE_PASSE_OUBLIE = Attendu("link", "J'ai oublié mon mot de passe", dans="contenu")
LIEN_CREER_MON_ESPACE = Attendu("link", "CRÉER MON ESPACE", dans="contenu")
LIEN_DEMANDE_ASSISTANCE = Attendu("link", "Envoyer une demande d'assistance", dans="menu_besoin_d_aide")
LIEN_DEMANDE_ASSISTANCE_TECHNIQUE = Attendu("link", "Envoyer une demande d'assistance technique",
                                            dans="menu_besoin_d_aide")


class AccueilPage(BasePage):
    chemin = "/"
    titre = "Extranet activité partielle"
    elements = (CHAMP_IDENTIFIANT, CHAMP_MOT_DE_PASSE, BOUTON_SE_CONNECTER, LIEN_IDENTIFIANT_OUBLIE,
                LIEN_MOT_DE_PASSE_OUBLIE, LIEN_CREER_MON_ESPACE, LIEN_DEMANDE_ASSISTANCE,
                LIEN_DEMANDE_ASSISTANCE_TECHNIQUE)
    sans_ecriture = True

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.avis_incident = AvisIncident(page)

    # -- login form ----------------------------------------------------------------
    def champ_identifiant(self) -> Locator:
        return self.localiser(CHAMP_IDENTIFIANT)

    def champ_mot_de_passe(self) -> Locator:
        return self.localiser(CHAMP_MOT_DE_PASSE)

    def bouton_se_connecter(self) -> Locator:
        return self.localiser(BOUTON_SE_CONNECTER)

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
        from .mon_espace import MonEspacePage  # it leads back here: imported when used

        accepte = MonEspacePage(self.page).bouton_se_deconnecter()
        bloque = self.alerte(TEXTE_COMPTE_BLOQUE)
        expect(accepte.or_(self.alerte(TEXTE_ERREUR_CONNEXION)).or_(bloque)).to_be_visible()
        return ACCEPTE if accepte.is_visible() else BLOQUE if bloque.is_visible() else REFUSE

    def compte_bloque(self) -> bool:
        """The portal says, now, that the identifier is locked."""
        return self.alerte(TEXTE_COMPTE_BLOQUE).is_visible()

    # -- links -----------------------------------------------------------------------
    def lien_identifiant_oublie(self) -> Locator:
        return self.localiser(LIEN_IDENTIFIANT_OUBLIE)

    def lien_mot_de_passe_oublie(self) -> Locator:
        return self.localiser(LIEN_MOT_DE_PASSE_OUBLIE)

    def lien_creer_mon_espace(self) -> Locator:
        return self.localiser(LIEN_CREER_MON_ESPACE)

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
        return self.localiser(LIEN_DEMANDE_ASSISTANCE)

    def lien_demande_assistance_technique(self) -> Locator:
        return self.localiser(LIEN_DEMANDE_ASSISTANCE_TECHNIQUE)

    def deplier(self) -> str | None:
        """Unfold « Besoin d'aide » (a click on its title: nothing is sent) so its links are shown."""
        titre = self.titre_menu_besoin_d_aide()
        if titre.count() != 1:
            return "the menu title « Besoin d'aide » is not on the screen: its links could not be unfolded"
        if not self.lien_demande_assistance().is_visible():
            titre.click()
        return None

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
