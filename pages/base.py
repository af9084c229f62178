"""What every screen of the extranet has in common.

Why a base class: each screen is recognised by its level-1 heading (the contract names it),
can be opened by its path on the target (joined to the target's base URL, path included, by
``fixtures.core.address.url_of``: the real portal lives under ``/aparts/``), shows its
errors in ``role="alert"`` elements, and lists the fields that hold secrets so the suite can
mask them in screenshots. Locators are built only from roles, labels and visible text, with
the contract's French wording, so a page object breaks exactly when what a user sees changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Self
from weakref import WeakKeyDictionary

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response, expect

from fixtures.core.address import is_under, outside_message, url_of
from fixtures.core.outcomes import LeftTargetPath
from fixtures.core.untrusted import neutralize

#: The target's base URL of each browser context (``viser``); weak: a closed context goes away.
_CIBLES: WeakKeyDictionary[Any, str] = WeakKeyDictionary()


def viser(context: Any, base_url: str) -> None:
    """Tell the page objects of ``context`` where the target lives: its base URL, path included.

    Why not Playwright's ``base_url`` alone: it resolves ``/mot-de-passe-oublie`` the browser's
    way, dropping the target's path, and the WebKitGTK inspector route has none at all.
    """
    _CIBLES[context] = base_url


def cible(page: Page) -> str | None:
    """The base URL ``viser`` gave this page's context (None: pages used without the plugin)."""
    try:
        return _CIBLES.get(page.context)
    except PlaywrightError:
        return None


@dataclass(frozen=True)
class Ecran:
    """What a user sees at a glance: the level-1 heading and the alerts (role ``alert``)."""

    titre: str | None
    alertes: tuple[str, ...] = ()

    def decrire(self) -> str:
        """« the page shows « Nouveau mot de passe » with the alert « … » »."""
        shown = f"the page shows « {self.titre} »" if self.titre else "the page shows no level-1 heading"
        if self.alertes:
            shown += " with the alert " + ", ".join(f"« {a} »" for a in self.alertes)
        return shown


@dataclass(frozen=True)
class Attendu:
    """One element a screen must show, as a user and assistive technology find it: its ARIA role
    and accessible name (the contract's French wording).

    Why declared: the page object's locators are built from these (``BasePage.localiser``) and the
    target doctor (``python -m monitor doctor``) checks the same list on a new target, so a label
    the suite relies on is written once. ``par_libelle``: an ``<input type="password">`` has no ARIA
    role, Playwright reaches it by its label (it is a textbox in the accessibility tree);
    ``dans``: the method of the page object giving the region to look in (``"contenu"`` is
    ``<main>``, as opposed to the header's menu); ``niveau``: a heading's level.
    """

    role: str
    nom: str
    par_libelle: bool = False
    dans: str | None = None
    niveau: int | None = None

    def decrire(self) -> str:
        """``textbox « Identifiant »``: how the diff and the doctor name an element."""
        return f"{self.role} « {self.nom} »"


def ce_que_montre(page: Page) -> Ecran:
    """Read the heading and the visible alerts now, without waiting (the screen at a failure).

    Role locators skip hidden elements, so a template's empty or hidden alert is not reported.
    What the target shows is untrusted: each text is neutralized (control and bidi characters
    shown as escapes, ``fixtures.core.untrusted``); the length is capped where a message or a
    record is built, after the run's secrets are scrubbed (a secret cut in half would escape it).
    """
    try:
        titres = [neutralize(t) for t in page.get_by_role("heading", level=1).all_inner_texts()]
        alertes = [neutralize(t) for t in page.get_by_role("alert").all_inner_texts()]
    except PlaywrightError:  # the page or the browser is gone: nothing to show
        return Ecran(None)
    return Ecran(next((t for t in titres if t), None), tuple(a for a in alertes if a))


class BasePage:
    """One screen. Subclasses set ``chemin`` (relative URL) and ``titre`` (the h1)."""

    chemin: str | None = None
    titre: str | None = None
    #: The elements this screen must show besides its h1 (``attendus()`` adds it): its locators
    #: are built from them, and the target doctor checks them.
    elements: ClassVar[tuple[Attendu, ...]] = ()
    #: Whether the doctor may open this screen: reachable by a GET, no form submitted, no login.
    sans_ecriture: ClassVar[bool] = False

    def __init__(self, page: Page) -> None:
        self.page = page

    # -- what the screen must show ----------------------------------------------------------
    def attendus(self) -> tuple[Attendu, ...]:
        """Every element the screen must show: its level-1 heading, then ``elements``."""
        titre = (Attendu("heading", self.titre, niveau=1),) if self.titre else ()
        return titre + self.elements

    def localiser(self, attendu: Attendu) -> Locator:
        """The locator of an expected element, by role and exact accessible name (or label)."""
        racine: Any = getattr(self, attendu.dans)() if attendu.dans else self.page
        if attendu.par_libelle:
            return racine.get_by_label(attendu.nom, exact=True)
        if attendu.niveau is not None:
            return racine.get_by_role(attendu.role, name=attendu.nom, exact=True, level=attendu.niveau)
        return racine.get_by_role(attendu.role, name=attendu.nom, exact=True)

    @classmethod
    def variantes(cls, page: Page) -> list[tuple[str, "BasePage"]]:
        """The screens this class stands for, named (one, unless a parameter makes several)."""
        return [(cls.__name__, cls(page))]

    def ouvrir_sans_ecrire(self) -> Response | None:
        """Open the screen the read-only way (the doctor): by its URL, unless a subclass knows better."""
        return self.ouvrir()

    def deplier(self) -> str | None:
        """Show what a user unfolds without writing anything (a menu), so the doctor can see it;
        says what could not be unfolded (None: all shown)."""
        return None

    # -- navigation ----------------------------------------------------------------
    def adresse(self, chemin: str) -> str:
        """The URL of a path of the procedure on the target (an absolute URL is kept as it is)."""
        base = cible(self.page)
        return url_of(base, chemin) if base else chemin

    def ouvrir(self) -> Response | None:
        """Open the screen by its path on the target and return the HTTP response."""
        if self.chemin is None:
            raise TypeError(f"{type(self).__name__} has no URL of its own: reach it through another screen")
        return self.page.goto(self.adresse(self.chemin))

    def expect_sur_la_cible(self) -> None:
        """Raise ``LeftTargetPath`` when the page left the target's path (a link to ``/accueil`` on a
        portal under ``/aparts/``): the target's links are wrong, whatever the screen shows."""
        base, url = cible(self.page), self.page.url
        if base and url.startswith(("http://", "https://")) and not is_under(base, url):
            raise LeftTargetPath(outside_message(base, url))

    def expect_statut(self, response: Response | None, statut: int, quoi: str = "the page") -> None:
        """Assert a navigation answered ``statut``: one place for the check every mailed link needs.

        The message says what answered what and what the screen shows.
        """
        recu = response.status if response is not None else None
        if recu != statut:
            self.expect_sur_la_cible()
            raise AssertionError(f"expected {quoi} to answer {statut}, got {recu if recu is not None else 'no response'}; "
                                 f"{ce_que_montre(self.page).decrire()}")

    def attendre(self) -> Self:
        """Assert that this screen is the one displayed (its h1 is visible); returns self."""
        self.constater(f"the heading « {self.titre} »", lambda: expect(self.titre_principal()).to_be_visible())
        return self

    def expect_url(self, chemin: str) -> None:
        """Assert the address bar is ``chemin`` on the target (query string allowed; the path's
        case is not compared, as ``is_under`` does not compare it)."""
        adresse = self.adresse(chemin)
        self.constater(f"the address {adresse}", lambda: expect(self.page).to_have_url(
            re.compile(re.escape(adresse) + r"(\?.*)?$", re.IGNORECASE)))

    def voir(self, attendu: str, element: Locator) -> None:
        """``expect(element).to_be_visible()`` that, failing, says what was expected and what is shown."""
        self.constater(attendu, lambda: expect(element).to_be_visible())

    def constater(self, attendu: str, verification: Callable[[], None]) -> None:
        """Run one Playwright ``expect``; when it fails, say what was expected and what the screen shows.

        Why: Playwright's "Locator expected to be visible" names a selector; the support desk
        needs "expected the heading « Mot de passe modifié », the page shows « Nouveau mot de
        passe » with the alert « … »". Playwright's own message stays in the chained exception.
        """
        try:
            verification()
        except AssertionError as exc:
            self.expect_sur_la_cible()
            raise AssertionError(f"expected {attendu}; {ce_que_montre(self.page).decrire()}") from exc
        self.expect_sur_la_cible()  # a screen recognised off the target's path is still a wrong link

    # -- locators ------------------------------------------------------------------
    def titre_principal(self) -> Locator:
        if self.titre is None:
            raise TypeError(f"{type(self).__name__} has no heading")
        return self.localiser(self.attendus()[0])

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
        self.constater(f"the alert « {texte} »", lambda: expect(self.alerte(texte)).to_be_visible())

    def secret_fields(self) -> list[Locator]:
        """Locators of the fields holding secrets (passwords, identifier), masked in screenshots."""
        return []
