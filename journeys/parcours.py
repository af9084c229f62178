"""Steps the branches share, named as the help page names them.

Why here and not in page objects: a step is a piece of the *procedure* (it spans screens and
is timed by ``journey.step``); a page object is one *screen*. Journeys import these so that
each test module reads like its branch of the help page.
"""
from __future__ import annotations

from playwright.sync_api import Page

from fixtures.core.outcomes import AccountLocked, AccountUnusable, CaptchaStop, MailNotReceived
from fixtures.core.steps import (
    ETAPE_1,
    ETAPE_2,
    FORMULAIRE_CREATION_AFFICHE,
    RECUPERER_COMPTE_DE_TEST,
    RENOUVELER_CRYPTOGRAMME,
    RETROUVER_MOT_DE_PASSE_COMPTE_DE_TEST,
    SE_CONNECTER,
    VALIDER_APRES_CGU,
    Etape,
)
from fixtures.mail.source import Mail
from fixtures.plugin.captcha import Captcha
from fixtures.plugin.inbox import Inbox
from fixtures.plugin.journey import JourneyRecord
from fixtures.plugin.not_run import skip as not_run
from fixtures.target.identity import Identity
from pages import (
    ACCEPTE,
    BLOQUE,
    TEXTE_COMPTE_BLOQUE,
    AccueilPage,
    CreationEspacePage,
    DemandeEnregistreePage,
    MonEspacePage,
    MotDePasseModifiePage,
    MotDePasseOubliePage,
    NouveauMotDePassePage,
)

SUJETS = {  # docs/ARCHITECTURE.md, "Mails"
    "identifiant": "Votre identifiant Extranet activité partielle",
    "activation": "Activation de votre compte Extranet activité partielle",
    "habilitation": "Habilitation à l'activité partielle",
    "reinitialisation": "Réinitialisation de votre mot de passe",
}


def ouvrir_l_accueil(page: Page) -> AccueilPage:
    home = AccueilPage(page)
    home.ouvrir()
    home.attendre()
    return home


def creer_mon_espace(page: Page, journey: JourneyRecord, captcha: Captcha, siret: str) -> None:
    """Help page steps 1) and 2), up to the click on VALIDER.

    The cryptogram is a real image captcha, passed only with someone's leave (the target's
    captcha strategy, ``fixtures.target.captcha``): the reference operator's answer, the code a
    person types, or a bypass the portal's operators granted (nothing typed). Under ``stop``
    the journey checks everything up to it and the rest is *not run* (``captcha``).
    """
    with journey.step(ETAPE_1):
        home = ouvrir_l_accueil(page)
        home.cliquer_creer_mon_espace()
        creation = CreationEspacePage(page)
        creation.attendre()
    if captcha.stops:
        jusqu_au_controle_de_securite(journey, creation, siret)
        not_run(CaptchaStop("the target's captcha strategy is \"stop\": the journey ran up to the « code contrôle "
                            "sécurité » (form, image, renewal, VALIDER after the CGU box) and stopped there; with "
                            "the portal operators' leave set captcha = \"bypass\""))
    with journey.step(ETAPE_2):
        creation.saisir_siret(siret)
        creation.expect_cryptogramme_affiche()
        if captcha.code_for is not None:
            creation.saisir_controle_de_securite(captcha.code_for(creation.defi_cryptogramme()))
        creation.expect_valider_desactive()
        creation.accepter_les_conditions()
        creation.expect_valider_actif()
        creation.valider()


def jusqu_au_controle_de_securite(journey: JourneyRecord, creation: CreationEspacePage, siret: str) -> None:
    """Everything of step 2) a monitor may check without the code: the form with the SIRET typed,
    the image decoded by the browser, a renewed image, VALIDER enabled by the CGU box only."""
    with journey.step(FORMULAIRE_CREATION_AFFICHE):
        creation.expect_formulaire()
        creation.saisir_siret(siret)
    with journey.step(RENOUVELER_CRYPTOGRAMME):
        avant = creation.defi_cryptogramme()
        creation.renouveler_le_cryptogramme()
        creation.expect_cryptogramme_affiche()
        assert creation.defi_cryptogramme() != avant, "« Renouveler le cryptogramme » showed the same challenge"
    with journey.step(VALIDER_APRES_CGU):
        creation.expect_valider_desactive()
        creation.accepter_les_conditions()
        creation.expect_valider_actif()


def se_connecter(page: Page, journey: JourneyRecord, identifiant: str, mot_de_passe: str,
                 denomination: str | None = None, etape: Etape = SE_CONNECTER) -> MonEspacePage:
    """Log in from the home page and land on « Mon espace »."""
    journey.secret(identifiant)
    journey.secret(mot_de_passe)
    with journey.step(etape):
        home = ouvrir_l_accueil(page)
        home.se_connecter(identifiant, mot_de_passe)
        espace = MonEspacePage(page)
        try:
            espace.expect_connecte(denomination)
        except AssertionError as exc:
            if home.compte_bloque():  # the portal locked the identifier: say so, not "no Mon espace"
                raise AccountLocked(f"the target says this account is locked (« {TEXTE_COMPTE_BLOQUE}… »): too many "
                                    "wrong passwords, not the suite's (it keeps under half the target's tolerance)") \
                    from exc
            raise
    return espace


def expect_mail(mail: Mail, kind: str) -> None:
    """The mail is of the expected kind, with the contract's subject."""
    assert mail.kind == kind, f"expected a mail of kind {kind!r}, got {mail.kind!r} ('{mail.subject}')"
    if kind in SUJETS:
        assert mail.subject == SUJETS[kind], f"subject of the {kind} mail: {mail.subject!r}"


def recevoir_un_lien_de_reinitialisation(page: Page, journey: JourneyRecord, inbox: Inbox, identifiant: str) -> str:
    """« J'ai oublié mon mot de passe », from its form: the identifier, then the mail's link.

    The form must be on screen (reached from the home page, or opened directly).
    """
    procedure = MotDePasseOubliePage(page)
    procedure.attendre()
    with inbox.expect("reinitialisation") as attente:
        procedure.demander_la_reinitialisation(identifiant)
        DemandeEnregistreePage(page).expect_confirmation()
    mail = attente.value
    expect_mail(mail, "reinitialisation")
    lien = mail.link("/reinitialisation/")
    journey.secret(lien)
    return lien


def choisir_le_nouveau_mot_de_passe(page: Page, lien: str, mot_de_passe: str) -> None:
    """Open the mailed link, type the new password twice, see « Mot de passe modifié »."""
    formulaire = NouveauMotDePassePage(page)
    formulaire.ouvrir_lien(lien, statut=200)
    formulaire.expect_formulaire()
    formulaire.choisir_mot_de_passe(mot_de_passe)
    MotDePasseModifiePage(page).expect_confirmation()


def preparer_le_compte_de_test(page: Page, journey: JourneyRecord, inbox: Inbox, compte: Identity) -> None:
    """Before a journey relies on a target's test account, make sure its password works, once
    per session and after an interrupted rotation (a killed run, a failed journey): log in with
    each candidate the credentials file holds; if none works (someone changed it behind the
    suite's back), recover the account through « J'ai oublié mon mot de passe » as its owner
    would. Whatever happens here is never the journey's failure: no recovery quota left is
    *not run* (``account_quota``), no recovery mail is *not run* (``test_account_unusable``);
    a lock the target shows is ``account_locked`` (the suite keeps its own wrong passwords under
    half the target's tolerance, so the lock is not its doing).
    Nothing to do for an account the operator seeded."""
    bail = getattr(compte, "test_account", None)  # the lease of a test account, None when seeded
    if bail is None or bail.ready:
        return
    identifiant = compte.identifiant
    assert identifiant is not None, "a test account comes with its identifier"
    with journey.step(RETROUVER_MOT_DE_PASSE_COMPTE_DE_TEST):
        for candidat in bail.candidates:
            essai = bail.reserve_a_wrong_password()  # counted first, uncounted if accepted
            if essai is None:  # one more wrong password could lock it: recover it instead
                break
            resultat = ouvrir_l_accueil(page).se_connecter_et_savoir(identifiant, candidat)
            if resultat == BLOQUE:
                raise AccountLocked(f"test account {bail.name}: the target says it is locked (« {TEXTE_COMPTE_BLOQUE}… »); "
                                    "the suite stayed within its own budget of wrong passwords, so someone else "
                                    "locked it: wait for the lock to end")
            if resultat == ACCEPTE:
                bail.accepted(essai)
                MonEspacePage(page).se_deconnecter()
                bail.works(candidat)
                compte.password = candidat
                return
    with journey.step(RECUPERER_COMPTE_DE_TEST):
        try:
            ouvrir_l_accueil(page).cliquer_j_ai_oublie_mon_mot_de_passe()
            lien = recevoir_un_lien_de_reinitialisation(page, journey, inbox, identifiant)
        except MailNotReceived as exc:
            not_run(AccountUnusable(f"test account {bail.name}: its password no longer works and the reset mail "
                                    f"that would recover it did not come ({exc}); the journey was not run"))
        nouveau = compte.new_password()  # written back before it is typed
        choisir_le_nouveau_mot_de_passe(page, lien, nouveau)
        bail.works(nouveau)
        compte.password = nouveau
