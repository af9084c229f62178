"""Account creation (PROCEDURE.md J1): SIRET + cryptogram + terms, then the account form.

The activation link the creation mail carries is served by ``routes.links``, shared with
the reset link.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import mailer as mail
from ..rendering import CIVILITES, email_error, field, link_maker, page, read_form, redirect, session_expired
from ..security import log_ref, new_csrf_token, new_link_token, token_hash
from ..siret import normalize, siret_error
from ..state import extranet_of
from ..store import AccountExists, AlreadySubmitted

log = logging.getLogger("extranet")

PHONE_RE = re.compile(r"(?:\+33|0)[1-9]\d{8}")
ACCOUNT_FIELDS = ("denomination", "civilite", "nom", "prenom", "courriel", "courriel_confirmation", "telephone")


# -- cryptogram ------------------------------------------------------------------------------------
async def cryptogram_new(request: Request) -> Response:
    extranet = extranet_of(request)
    challenge = extranet.cryptograms.issue(extranet.now())
    image_url = link_maker(request)(f"/cryptogramme/{challenge}.png")
    return JSONResponse({"challenge": challenge, "image_url": image_url},
                        headers={"Cache-Control": "no-store"})


async def cryptogram_image(request: Request) -> Response:
    png = await run_in_threadpool(extranet_of(request).cryptograms.image, request.path_params["challenge"])
    if png is None:
        raise HTTPException(404)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


# -- step 1: establishment ------------------------------------------------------------------------
def creation_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    extranet = extranet_of(request)
    return page(request, "creer.html", status_code, challenge=extranet.cryptograms.issue(extranet.now()), **context)


async def creer_get(request: Request) -> Response:
    return creation_page(request)


async def creer_post(request: Request) -> Response:
    extranet = extranet_of(request)
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    raw_siret = field(form, "siret")
    cgu = form.get("cgu") == "on"
    values = {"siret": raw_siret, "cgu": cgu}
    if form.get("action") == "renouveler":  # the no-JavaScript renew button
        extranet.store.spend_challenge(field(form, "challenge"), extranet.now())
        return creation_page(request, values=values)
    errors = []
    if problem := siret_error(raw_siret):
        errors.append(problem)
    if not (extranet.operator_authorized(request) or extranet.captcha_bypassed(request)):
        code = field(form, "code")
        if not code:
            extranet.store.spend_challenge(field(form, "challenge"), extranet.now())
            errors.append("Saisissez le code du contrôle de sécurité affiché dans l'image.")
        elif not extranet.cryptograms.check(field(form, "challenge"), code, extranet.now()):
            errors.append("Le code du contrôle de sécurité est incorrect ou a expiré : "
                          "saisissez le nouveau code affiché.")
    if not cgu:
        errors.append("Vous devez accepter les conditions générales d'utilisation.")
    if errors:
        return creation_page(request, 422, values=values, errors=errors)
    siret = normalize(raw_siret)
    if extranet.store.account_by_siret(siret) is not None:
        log.info("creation refused: account exists for siret=%s", log_ref(siret))
        return page(request, "compte_existe.html")
    request.session["creation_siret"] = siret
    request.session["creation_form"] = new_csrf_token()
    return redirect(request, "/creer-mon-espace/compte")


# -- step 2: the account ---------------------------------------------------------------------------
def account_form(request: Request, status_code: int = 200, **context: Any) -> Response:
    siret = request.session["creation_siret"]
    values = context.pop("values", None) or {"denomination": extranet_of(request).store.denomination(siret) or ""}
    return page(request, "compte.html", status_code, siret=siret, form_id=request.session["creation_form"],
                civilites=CIVILITES, values=values, **context)


async def compte_get(request: Request) -> Response:
    if not request.session.get("creation_siret") or not request.session.get("creation_form"):
        return redirect(request, "/creer-mon-espace")
    return account_form(request)


async def compte_post(request: Request) -> Response:
    extranet = extranet_of(request)
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    values = {name: field(form, name) for name in ACCOUNT_FIELDS}
    form_id = field(form, "form_id")
    if form_id and extranet.store.form_consumed(token_hash(form_id)):
        return already_submitted(request, values)
    if not request.session.get("creation_siret") or request.session.get("creation_form") != form_id:
        return redirect(request, "/creer-mon-espace")
    errors = account_errors(values)
    if errors:
        return account_form(request, 422, values=values, errors=errors)
    siret = request.session["creation_siret"]
    token, token_digest = new_link_token()
    now = extranet.now()
    ttl_minutes = extranet.settings.token_ttl_minutes
    try:
        identifiant = extranet.store.create_account(
            form_hash=token_hash(form_id), siret=siret, denomination=values["denomination"],
            civilite=values["civilite"], nom=values["nom"], prenom=values["prenom"], courriel=values["courriel"],
            telephone=values["telephone"], token_hash=token_digest,
            token_expires_at=now + ttl_minutes * 60, now=now)
    except AlreadySubmitted:
        return already_submitted(request, values)
    except AccountExists:
        return page(request, "compte_existe.html")
    request.session.pop("creation_siret", None)
    request.session.pop("creation_form", None)
    log.info("account created identifiant=%s siret=%s", log_ref(identifiant), log_ref(siret))
    base_url = extranet.settings.base_url
    context = {"civilite": values["civilite"], "nom": values["nom"], "denomination": values["denomination"],
               "siret": siret, "identifiant": identifiant, "ttl_minutes": ttl_minutes, "base_url": base_url,
               "link": f"{base_url}/activation/{token}"}
    await extranet.send_mail(mail.render("identifiant", values["courriel"], **context))
    await extranet.send_mail(mail.render("activation", values["courriel"], **context))
    return page(request, "creation_ok.html", courriel=values["courriel"], ttl=ttl_minutes)


def already_submitted(request: Request, values: dict[str, str]) -> Response:
    return page(request, "compte.html", 409, siret=None, form_id="", civilites=CIVILITES, values=values,
                errors=[("Ce formulaire a déjà été envoyé : votre demande de création est déjà enregistrée "
                         "et un seul compte a été créé. Consultez votre messagerie.")])


def account_errors(values: dict[str, str]) -> list[str]:
    errors = []
    for name, label in (("denomination", "Dénomination"), ("nom", "Nom"), ("prenom", "Prénom")):
        if not values[name]:
            errors.append(f"Le champ « {label} » est obligatoire.")
        elif len(values[name]) > 200:
            errors.append(f"Le champ « {label} » ne doit pas dépasser 200 caractères.")
    if values["civilite"] not in CIVILITES:
        errors.append("Choisissez la civilité : Madame ou Monsieur.")
    if problem := email_error(values["courriel"]):
        errors.append(problem)
    elif values["courriel"].lower() != values["courriel_confirmation"].lower():
        errors.append("Les deux adresses de courriel ne sont pas identiques.")
    if not PHONE_RE.fullmatch(re.sub(r"[\s.\-]", "", values["telephone"])):
        errors.append("Le numéro de téléphone n'est pas valide : 10 chiffres, par exemple 01 23 45 67 89.")
    return errors


ROUTES = [
    Route("/creer-mon-espace", creer_get, methods=["GET"]),
    Route("/creer-mon-espace", creer_post, methods=["POST"]),
    Route("/creer-mon-espace/compte", compte_get, methods=["GET"]),
    Route("/creer-mon-espace/compte", compte_post, methods=["POST"]),
    Route("/cryptogramme/nouveau", cryptogram_new, methods=["GET"]),
    Route("/cryptogramme/{challenge}.png", cryptogram_image, methods=["GET"]),
]
