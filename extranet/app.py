"""The Starlette application: routes, forms and operator controls of the reference extranet.

Why one module of small handlers: each route is one step of docs/PROCEDURE.md and reads like
it; the rules live in the modules it calls (siret, cryptogram, security, store, mailer).
Routes, headings and labels follow docs/ARCHITECTURE.md exactly: page objects depend on them.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import re
import threading
import time
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__, mailer as mail
from .cryptogram import Cryptograms
from .faults import FaultProfile, FaultProfileError, FaultState, engine_of, step_of
from .security import (IDENTIFIER_RE, PASSWORD_POLICY_TEXT, Clock, csrf_matches, hash_password, log_ref,
                       looks_like_token, new_csrf_token, new_link_token, password_problems, token_hash,
                       verify_password)
from .settings import Settings
from .siret import is_valid_siret, normalize, siret_error
from .store import AccountExists, AlreadySubmitted, Store

log = logging.getLogger("extranet")
access_log = logging.getLogger("extranet.access")

HERE = Path(__file__).parent
MOTIFS = ("Habilitation extranet", "Habilitation à l'extranet", "Demande d'indemnisation", "Autre")
CIVILITES = ("Madame", "Monsieur")
GENERIC_ANSWER = "Si ces informations correspondent à un compte, un courriel vous a été envoyé."
SESSION_EXPIRED = "Session expirée, veuillez recommencer."
LINK_EXPIRED = "Ce lien a expiré : il n'est valable que {minutes} minutes."
LINK_INVALID = "Ce lien n'est plus valide."
CLIENT_HINTS_MISSING = ("La vérification de sécurité de votre navigateur a échoué : votre mot de passe n'a pas été "
                        "modifié. Essayez avec un autre navigateur.")
RATE_WINDOW_SECONDS = 3600
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
PHONE_RE = re.compile(r"(?:\+33|0)[1-9]\d{8}")


@dataclass
class Extranet:
    """Everything a handler needs, built once per application."""

    settings: Settings
    store: Store
    clock: Clock
    cryptograms: Cryptograms
    mailer: mail.Mailer
    templates: Jinja2Templates
    _fault_key: str | None = dataclass_field(default=None, init=False)
    _fault_state: FaultState | None = dataclass_field(default=None, init=False)
    _fault_lock: threading.Lock = dataclass_field(default_factory=threading.Lock, init=False)

    def now(self) -> float:
        return self.clock.now()

    def faults(self) -> FaultState:
        """The fault profile in force: the operator's if set, else --faults; one RNG per profile."""
        stored = self.store.get_setting("faults")
        with self._fault_lock:
            if self._fault_state is None or stored != self._fault_key:
                profile = FaultProfile.from_dict(json.loads(stored)) if stored else self.settings.faults
                self._fault_key, self._fault_state = stored, FaultState(profile)
                if profile.active:
                    log.warning("fault profile in force: %s", ", ".join(sorted(profile.to_dict())))
            return self._fault_state

    def deliver(self, outgoing: mail.OutgoingMail, state: FaultState | None = None) -> bool:
        """Send a mail, through the mail faults (drop, delay, spammy) of ``state``.

        ``state`` is the profile in force when the request was handled: a mail sent after the
        response (background task) must not pick up a profile the operator set in between.
        Blocking (SMTP): call from a worker thread. A delayed mail is sent by a timer thread so
        the page answers at once.
        """
        state = state or self.faults()
        profile = state.profile
        with self._fault_lock:
            dropped = profile.mail_drop_rate > 0 and state.draw(profile.mail_drop_rate)
        if dropped:
            log.warning("fault: mail kind=%s to=%s dropped (mail_drop_rate=%s)", outgoing.kind,
                        log_ref(outgoing.to.lower()), profile.mail_drop_rate)
            return False
        if profile.mail_delay_seconds > 0:
            log.warning("fault: mail kind=%s delayed by %s s", outgoing.kind, profile.mail_delay_seconds)
            timer = threading.Timer(profile.mail_delay_seconds, self.mailer.send, args=(outgoing,),
                                    kwargs={"spam": profile.spammy_mail})
            timer.daemon = True
            timer.start()
            return True
        return self.mailer.send(outgoing, spam=profile.spammy_mail)

    def incident_text(self) -> str | None:
        """The fault profile's text if it sets one ("" hides the notice), else the operator's
        text if set (``null`` hides the notice), else the --incident-text flag."""
        forced = self.faults().profile.incident_text
        if forced is not None:
            return forced if forced.strip() else None
        stored = self.store.get_setting("incident_text")
        if stored is None:
            return self.settings.incident_text
        value = json.loads(stored)
        return value if isinstance(value, str) and value.strip() else None

    def operator_authorized(self, request: Request) -> bool:
        key = self.settings.operator_key
        given = request.headers.get("x-operator-key")
        if not key or not given:
            return False
        return hmac.compare_digest(key.encode(), given.encode())


def _x(request: Request) -> Extranet:
    return request.app.state.extranet  # type: ignore[no-any-return]


# -- rendering and forms -------------------------------------------------------------------
def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return str(token)


def page(request: Request, template: str, status_code: int = 200, background: BackgroundTask | None = None,
         **context: Any) -> Response:
    """Render a page with the CSRF token, errors and kept values every form needs."""
    context.setdefault("errors", [])
    context.setdefault("values", {})
    context["csrf_token"] = csrf_token(request)
    response = _x(request).templates.TemplateResponse(request, template, context, status_code=status_code,
                                                      background=background)
    response.headers["Cache-Control"] = "no-store"
    return response


def session_expired(request: Request) -> Response:
    request.session.pop("csrf", None)
    return page(request, "erreur.html", 403, title="Session expirée", message=SESSION_EXPIRED)


async def read_form(request: Request) -> tuple[FormData, bool]:
    """The submitted form and whether its CSRF token matches the session's."""
    form = await request.form()
    return form, csrf_matches(request.session.get("csrf"), str(form.get("csrf_token") or ""))


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def email_error(value: str, label: str = "Courriel") -> str | None:
    if not value:
        return f"Le champ « {label} » est obligatoire."
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        return f"Le champ « {label} » doit être une adresse électronique valide (par exemple nom@entreprise.fr)."
    return None


def bucket(kind: str, value: str) -> str:
    return kind + ":" + hashlib.sha256(value.encode()).hexdigest()


async def send_mail(x: Extranet, outgoing: mail.OutgoingMail) -> bool:
    """Send from a worker thread so the event loop never waits on SMTP."""
    return await run_in_threadpool(x.deliver, outgoing, x.faults())


# -- home, login, personal space -------------------------------------------------------------
async def home(request: Request) -> Response:
    return page(request, "accueil.html", incident=_x(request).incident_text())


async def login(request: Request) -> Response:
    x = _x(request)
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    identifiant = field(form, "identifiant").upper()
    password = str(form.get("mot_de_passe") or "")
    account = x.store.account(identifiant) if identifiant else None
    valid = await run_in_threadpool(verify_password, password, account.password_hash if account else None)
    if not (valid and account):
        log.info("login refused for identifiant=%s", log_ref(identifiant))
        return page(request, "accueil.html", incident=x.incident_text(), values={"identifiant": identifiant},
                    errors=["Identifiant ou mot de passe incorrect."])
    request.session.clear()
    request.session["identifiant"] = account.identifiant
    request.session["csrf"] = new_csrf_token()
    log.info("login ok for identifiant=%s", log_ref(identifiant))
    return RedirectResponse("/mon-espace", status_code=303)


async def mon_espace(request: Request) -> Response:
    identifiant = request.session.get("identifiant")
    account = _x(request).store.account(identifiant) if identifiant else None
    if account is None:
        request.session.pop("identifiant", None)
        return RedirectResponse("/", status_code=303)
    return page(request, "mon_espace.html", account=account)


async def logout(request: Request) -> Response:
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


# -- cryptogram ------------------------------------------------------------------------------------
async def cryptogram_new(request: Request) -> Response:
    challenge = _x(request).cryptograms.issue(_x(request).now())
    return JSONResponse({"challenge": challenge, "image_url": f"/cryptogramme/{challenge}.png"},
                        headers={"Cache-Control": "no-store"})


async def cryptogram_image(request: Request) -> Response:
    png = await run_in_threadpool(_x(request).cryptograms.image, request.path_params["challenge"])
    if png is None:
        raise HTTPException(404)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


# -- account creation ---------------------------------------------------------------------------
def creation_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    x = _x(request)
    return page(request, "creer.html", status_code, challenge=x.cryptograms.issue(x.now()), **context)


async def creer_get(request: Request) -> Response:
    return creation_page(request)


async def creer_post(request: Request) -> Response:
    x = _x(request)
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    raw_siret = field(form, "siret")
    cgu = form.get("cgu") == "on"
    values = {"siret": raw_siret, "cgu": cgu}
    if form.get("action") == "renouveler":  # the no-JavaScript renew button
        x.store.spend_challenge(field(form, "challenge"), x.now())
        return creation_page(request, values=values)
    errors = []
    if problem := siret_error(raw_siret):
        errors.append(problem)
    if not x.operator_authorized(request):
        code = field(form, "code")
        if not code:
            x.store.spend_challenge(field(form, "challenge"), x.now())
            errors.append("Saisissez le code du contrôle de sécurité affiché dans l'image.")
        elif not x.cryptograms.check(field(form, "challenge"), code, x.now()):
            errors.append("Le code du contrôle de sécurité est incorrect ou a expiré : "
                          "saisissez le nouveau code affiché.")
    if not cgu:
        errors.append("Vous devez accepter les conditions générales d'utilisation.")
    if errors:
        return creation_page(request, 422, values=values, errors=errors)
    siret = normalize(raw_siret)
    if x.store.account_by_siret(siret) is not None:
        log.info("creation refused: account exists for siret=%s", log_ref(siret))
        return page(request, "compte_existe.html")
    request.session["creation_siret"] = siret
    request.session["creation_form"] = new_csrf_token()
    return RedirectResponse("/creer-mon-espace/compte", status_code=303)


def account_form(request: Request, status_code: int = 200, **context: Any) -> Response:
    siret = request.session["creation_siret"]
    values = context.pop("values", None) or {"denomination": _x(request).store.denomination(siret) or ""}
    return page(request, "compte.html", status_code, siret=siret, form_id=request.session["creation_form"],
                civilites=CIVILITES, values=values, **context)


async def compte_get(request: Request) -> Response:
    if not request.session.get("creation_siret") or not request.session.get("creation_form"):
        return RedirectResponse("/creer-mon-espace", status_code=303)
    return account_form(request)


ACCOUNT_FIELDS = ("denomination", "civilite", "nom", "prenom", "courriel", "courriel_confirmation", "telephone")


async def compte_post(request: Request) -> Response:
    x = _x(request)
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    values = {name: field(form, name) for name in ACCOUNT_FIELDS}
    form_id = field(form, "form_id")
    if form_id and x.store.form_consumed(token_hash(form_id)):
        return already_submitted(request, values)
    if not request.session.get("creation_siret") or request.session.get("creation_form") != form_id:
        return RedirectResponse("/creer-mon-espace", status_code=303)
    errors = account_errors(values)
    if errors:
        return account_form(request, 422, values=values, errors=errors)
    siret = request.session["creation_siret"]
    token, token_digest = new_link_token()
    now = x.now()
    try:
        identifiant = x.store.create_account(
            form_hash=token_hash(form_id), siret=siret, denomination=values["denomination"],
            civilite=values["civilite"], nom=values["nom"], prenom=values["prenom"], courriel=values["courriel"],
            telephone=values["telephone"], token_hash=token_digest,
            token_expires_at=now + x.settings.token_ttl_minutes * 60, now=now)
    except AlreadySubmitted:
        return already_submitted(request, values)
    except AccountExists:
        return page(request, "compte_existe.html")
    request.session.pop("creation_siret", None)
    request.session.pop("creation_form", None)
    log.info("account created identifiant=%s siret=%s", log_ref(identifiant), log_ref(siret))
    context = dict(civilite=values["civilite"], nom=values["nom"], denomination=values["denomination"], siret=siret,
                   identifiant=identifiant, ttl_minutes=x.settings.token_ttl_minutes, base_url=x.settings.base_url,
                   link=f"{x.settings.base_url}/activation/{token}")
    await send_mail(x, mail.render("identifiant", values["courriel"], **context))
    await send_mail(x, mail.render("activation", values["courriel"], **context))
    return page(request, "creation_ok.html", courriel=values["courriel"], ttl=x.settings.token_ttl_minutes)


def already_submitted(request: Request, values: dict[str, str]) -> Response:
    return page(request, "compte.html", 409, siret=None, form_id="", civilites=CIVILITES, values=values,
                errors=["Ce formulaire a déjà été envoyé : votre demande de création est déjà enregistrée "
                        "et un seul compte a été créé. Consultez votre messagerie."])


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


# -- forgotten identifier / password ---------------------------------------------------------------
async def identifiant_oublie(request: Request) -> Response:
    x = _x(request)
    if request.method == "GET":
        return page(request, "identifiant_oublie.html")
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    raw_siret, courriel = field(form, "siret"), field(form, "courriel")
    errors = [e for e in (siret_error(raw_siret), email_error(courriel)) if e]
    if errors:
        return page(request, "identifiant_oublie.html", 422, values={"siret": raw_siret, "courriel": courriel},
                    errors=errors)
    siret = normalize(raw_siret)
    # Same work and the same answer whether or not an account matches: no enumeration.
    allowed = x.store.rate_limit_allow(bucket("identifiant-oublie", siret), x.settings.reset_rate_limit,
                                       RATE_WINDOW_SECONDS, x.now())
    account = x.store.account_by_siret(siret)
    task = None
    if not allowed:
        log.warning("rate limit: forgotten-identifier requests for siret=%s over %d/hour; no mail sent",
                    log_ref(siret), x.settings.reset_rate_limit)
    elif account and account.courriel.lower() == courriel.lower():
        outgoing = mail.render("identifiant", account.courriel, civilite=account.civilite, nom=account.nom,
                               denomination=account.denomination, siret=account.siret,
                               identifiant=account.identifiant)
        task = BackgroundTask(x.deliver, outgoing, x.faults())
    log.info("forgotten-identifier request siret=%s handled", log_ref(siret))
    return page(request, "demande_enregistree.html", background=task)


async def mot_de_passe_oublie(request: Request) -> Response:
    x = _x(request)
    if request.method == "GET":
        return page(request, "mot_de_passe_oublie.html")
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    identifiant = field(form, "identifiant").upper()
    if not identifiant:
        return page(request, "mot_de_passe_oublie.html", 422, errors=["Le champ « Identifiant » est obligatoire."])
    now = x.now()
    allowed = x.store.rate_limit_allow(bucket("mot-de-passe-oublie", identifiant), x.settings.reset_rate_limit,
                                       RATE_WINDOW_SECONDS, now)
    account = x.store.account(identifiant) if IDENTIFIER_RE.fullmatch(identifiant) else None
    task = None
    if not allowed:
        log.warning("rate limit: password-reset requests for identifiant=%s over %d/hour; no mail sent",
                    log_ref(identifiant), x.settings.reset_rate_limit)
    elif account:
        token, digest = new_link_token()
        x.store.add_token(digest, "reinitialisation", account.identifiant,
                          now + x.settings.token_ttl_minutes * 60, now)
        outgoing = mail.render("reinitialisation", account.courriel, civilite=account.civilite, nom=account.nom,
                               link=f"{x.settings.base_url}/reinitialisation/{token}",
                               ttl_minutes=x.settings.token_ttl_minutes)
        task = BackgroundTask(x.deliver, outgoing, x.faults())
    log.info("password-reset request identifiant=%s handled", log_ref(identifiant))
    return page(request, "demande_enregistree.html", background=task)


# -- links from mails: activation and reset -------------------------------------------------------
def link_handler(kind: str) -> Callable[[Request], Awaitable[Response]]:
    """GET shows the new-password form; POST sets it. Both refuse expired/used/forged links."""
    done_title = "Compte activé" if kind == "activation" else "Mot de passe modifié"

    async def handler(request: Request) -> Response:
        x = _x(request)
        token = request.path_params["token"]
        digest = token_hash(token) if looks_like_token(token) else None
        state = x.store.token_state(digest, kind, x.now()) if digest else None
        if state is None or state.status != "valid":
            return invalid_link(request, kind, token, expired=bool(state and state.status == "expired"))
        client_hints = x.faults().profile.reset_requires_client_hints
        if request.method == "GET":
            return page(request, "mot_de_passe.html", policy=PASSWORD_POLICY_TEXT, client_hints=client_hints)
        form, ok = await read_form(request)
        if not ok:
            return session_expired(request)
        if client_hints and not field(form, "empreinte"):
            # Fault reset_requires_client_hints: the page's script needs navigator.userAgentData,
            # which Firefox and WebKit do not implement (see extranet/faults.py).
            log.info("fault reset_requires_client_hints: %s refused, no browser fingerprint", kind)
            return page(request, "mot_de_passe.html", 422, policy=PASSWORD_POLICY_TEXT, client_hints=client_hints,
                        errors=[CLIENT_HINTS_MISSING])
        password = str(form.get("mot_de_passe") or "")
        confirmation = str(form.get("confirmation") or "")
        errors = password_problems(password)
        if password != confirmation:
            errors.append("Les deux mots de passe ne sont pas identiques.")
        if errors:
            return page(request, "mot_de_passe.html", 422, policy=PASSWORD_POLICY_TEXT, errors=errors,
                        client_hints=client_hints)
        password_hash = await run_in_threadpool(hash_password, password)
        result = x.store.use_token_and_set_password(digest, kind, password_hash, x.now())  # type: ignore[arg-type]
        if result.status != "valid":
            return invalid_link(request, kind, token, expired=result.status == "expired")
        log.info("%s link used for identifiant=%s", kind, log_ref(result.identifiant or ""))
        if kind == "activation":
            account = x.store.account(result.identifiant or "")
            if account:
                await send_mail(x, mail.render("habilitation", account.courriel, civilite=account.civilite,
                                               nom=account.nom, denomination=account.denomination,
                                               siret=account.siret, base_url=x.settings.base_url))
        return page(request, "mot_de_passe_ok.html", title=done_title, kind=kind)

    return handler


def invalid_link(request: Request, kind: str, token: str, *, expired: bool) -> Response:
    log.info("%s link refused (%s) ref=%s", kind, "expired" if expired else "invalid", log_ref(token))
    return page(request, "lien_invalide.html", 410 if expired else 404,
                message=LINK_EXPIRED.format(minutes=_x(request).settings.token_ttl_minutes) if expired else LINK_INVALID)


# -- assistance ---------------------------------------------------------------------------------
def assistance_handler(canal: str) -> Callable[[Request], Awaitable[Response]]:
    title = "Envoyer une demande d'assistance technique" if canal == "technique" else "Envoyer une demande d'assistance"

    async def handler(request: Request) -> Response:
        x = _x(request)
        if request.method == "GET":
            motif = request.query_params.get("motif", "")
            return page(request, "assistance.html", title=title, motifs=MOTIFS,
                        values={"motif": motif if motif in MOTIFS else ""})
        form, ok = await read_form(request)
        if not ok:
            return session_expired(request)
        values = {name: field(form, name) for name in ("motif", "siret", "nom", "courriel", "message")}
        errors = []
        if not values["motif"]:
            errors.append("Choisissez le motif de la demande.")
        elif values["motif"] not in MOTIFS:
            errors.append("Le motif de la demande est inconnu : choisissez un motif dans la liste.")
        if problem := siret_error(values["siret"]):
            errors.append(problem)
        if not values["nom"]:
            errors.append("Le champ « Nom » est obligatoire.")
        if problem := email_error(values["courriel"]):
            errors.append(problem)
        if len(values["message"]) > 5000:
            errors.append("Le message ne doit pas dépasser 5000 caractères.")
        if errors:
            return page(request, "assistance.html", 422, title=title, motifs=MOTIFS, values=values, errors=errors)
        numero = x.store.add_assistance(canal=canal, motif=values["motif"], siret=normalize(values["siret"]),
                                        nom=values["nom"], courriel=values["courriel"], message=values["message"],
                                        now=x.now())
        log.info("assistance request %s (%s, motif %r) recorded", numero, canal, values["motif"])
        await send_mail(x, mail.render("assistance", values["courriel"], numero=numero, nom=values["nom"],
                                       motif=values["motif"]))
        return page(request, "assistance_ok.html", numero=numero)

    return handler


# -- health ---------------------------------------------------------------------------------------
async def healthz(request: Request) -> Response:
    try:
        _x(request).store.ping()
    except Exception as exc:  # noqa: BLE001 - any database failure means "not healthy"
        log.error("health check: database error %s", type(exc).__name__)
        return JSONResponse({"status": "error", "version": __version__, "database": "error"}, status_code=503)
    return JSONResponse({"status": "ok", "version": __version__, "database": "ok"})


# -- operator controls ----------------------------------------------------------------------------
def operator(handler: Callable[[Request, Extranet], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """404 when no key is configured (the routes do not exist), 403 on a missing or wrong key."""

    async def guarded(request: Request) -> Response:
        x = _x(request)
        if not x.settings.operator_key:
            raise HTTPException(404)
        if not x.operator_authorized(request):
            log.warning("operator request refused: wrong or missing X-Operator-Key")
            return JSONResponse({"error": "wrong or missing X-Operator-Key"}, status_code=403)
        return await handler(request, x)

    return guarded


class BadRequest(Exception):
    """An operator payload is malformed; the message says what is expected."""


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise BadRequest("the body must be JSON") from None


async def op_cryptogram(request: Request, x: Extranet) -> Response:
    answer = x.store.challenge_answer(request.query_params.get("challenge", ""))
    if answer is None:
        return JSONResponse({"error": "unknown, used or expired challenge"}, status_code=404)
    return JSONResponse({"answer": answer})


async def op_clock(request: Request, x: Extranet) -> Response:
    if request.method == "POST":
        body = await json_body(request)
        offset = body.get("offset_seconds") if isinstance(body, dict) else None
        if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not math.isfinite(offset):
            raise BadRequest('expected {"offset_seconds": <number>}')
        x.store.set_setting("clock_offset_seconds", repr(float(offset)))
        log.warning("operator: clock offset set to %s s", offset)
    offset_value = x.store.clock_offset()
    return JSONResponse({"offset_seconds": int(offset_value) if offset_value.is_integer() else offset_value,
                         "now": x.now()})


async def op_seed(request: Request, x: Extranet) -> Response:
    body = await json_body(request)
    establishments = validate_seed(body)
    hashes: dict[str, str | None] = {}
    for item in establishments:
        account = item.get("account")
        if account:
            pw = account.get("password")
            hashes[account["identifiant"]] = await run_in_threadpool(hash_password, pw) if pw else None
    written = x.store.seed(establishments, hashes, x.now())
    log.info("operator: seeded %d establishment(s), %d account(s)", len(establishments), written)
    return JSONResponse({"establishments": len(establishments), "accounts": written})


def validate_seed(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("establishments"), list):
        raise BadRequest('expected {"establishments": [...]}')
    out = []
    for index, item in enumerate(body["establishments"]):
        where = f"establishments[{index}]"
        if not isinstance(item, dict):
            raise BadRequest(f"{where}: must be an object")
        siret = normalize(str(item.get("siret", "")))
        if not is_valid_siret(siret):
            raise BadRequest(f"{where}.siret: must be 14 digits with a valid Luhn key, got {item.get('siret')!r}")
        denomination = item.get("denomination")
        if not isinstance(denomination, str) or not denomination.strip():
            raise BadRequest(f"{where}.denomination: must be a non-empty string")
        account = item.get("account")
        if account is not None:
            if not isinstance(account, dict):
                raise BadRequest(f"{where}.account: must be an object or null")
            for key in ("identifiant", "courriel", "nom", "prenom"):
                if not isinstance(account.get(key), str) or not account[key].strip():
                    raise BadRequest(f"{where}.account.{key}: must be a non-empty string")
            account = dict(account)
            account["identifiant"] = account["identifiant"].strip().upper()
            if not IDENTIFIER_RE.fullmatch(account["identifiant"]):
                raise BadRequest(f"{where}.account.identifiant: must be AP + 8 digits or upper-case letters")
            if email_error(account["courriel"]):
                raise BadRequest(f"{where}.account.courriel: must be an e-mail address")
            account.setdefault("civilite", "Madame")
            if account["civilite"] not in CIVILITES:
                raise BadRequest(f"{where}.account.civilite: must be one of {', '.join(CIVILITES)}")
            account["telephone"] = str(account.get("telephone") or "0100000000")
            password = account.get("password")
            if password is not None and (not isinstance(password, str) or not password):
                raise BadRequest(f"{where}.account.password: must be a non-empty string or null")
        out.append({"siret": siret, "denomination": denomination.strip(), "account": account})
    identifiants = [i["account"]["identifiant"] for i in out if i["account"]]
    if len(set(identifiants)) != len(identifiants) or len({i["siret"] for i in out}) != len(out):
        raise BadRequest("each siret and each identifiant may appear only once")
    return out


async def op_reset(request: Request, x: Extranet) -> Response:
    x.store.reset()
    log.warning("operator: state reset")
    return JSONResponse({"status": "ok"})


async def op_incident(request: Request, x: Extranet) -> Response:
    if request.method == "POST":
        body = await json_body(request)
        if not isinstance(body, dict) or "text" not in body or not (body["text"] is None or isinstance(body["text"], str)):
            raise BadRequest('expected {"text": "..." | null}')
        x.store.set_setting("incident_text", json.dumps(body["text"]))
        log.info("operator: incident notice %s", "cleared" if not body["text"] else "set")
    return JSONResponse({"text": x.incident_text()})


async def op_faults(request: Request, x: Extranet) -> Response:
    """POST replaces the whole profile (``{}`` = no fault); GET shows the one in force."""
    if request.method == "POST":
        try:
            profile = FaultProfile.from_dict(await json_body(request))
        except FaultProfileError as exc:
            raise BadRequest(str(exc)) from None
        x.store.set_setting("faults", json.dumps(profile.to_dict()))
        x._fault_state = None  # a new RNG even for the same profile: a seed replays from the start
        log.warning("operator: fault profile set (%s)", ", ".join(sorted(profile.to_dict())) or "none")
    return JSONResponse(x.faults().profile.to_dict())


def operator_route(path: str, handler: Callable[[Request, Extranet], Awaitable[Response]],
                   methods: list[str]) -> Route:
    async def endpoint(request: Request) -> Response:
        try:
            return await operator(handler)(request)
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return Route(f"/__operator__/{path}", endpoint, methods=methods)


# -- errors and logging ---------------------------------------------------------------------------
async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return Response("Méthode non autorisée.", status_code=405, media_type="text/plain; charset=utf-8")
    title = "Page introuvable" if status == 404 else "Erreur"
    message = ("La page demandée n'existe pas." if status == 404
               else "Une erreur est survenue, veuillez réessayer plus tard.")
    return page(request, "erreur.html", status, title=title, message=message)


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s: %s", request.method, redact_path(request.url.path), type(exc).__name__)
    return Response("Une erreur est survenue, veuillez réessayer plus tard.", status_code=500,
                    media_type="text/plain; charset=utf-8")


_SECRET_PATH = re.compile(r"^/(activation|reinitialisation)/(.+)$")


def redact_path(path: str) -> str:
    """Paths as logged: link tokens become a short reference."""
    match = _SECRET_PATH.match(path)
    return f"/{match.group(1)}/<ref {log_ref(match.group(2))}>" if match else path


class FaultInjection:
    """Step faults of the profile in force: delay, forced error status, per-engine failures.

    Sits inside the session middleware so that the error page is the app's own. Operator
    routes, static files and /healthz are never faulted (``step_of`` gives them no step).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        step = step_of(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if step is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        x = _x(request)
        state = x.faults()
        profile = state.profile
        delay = profile.step_delays_seconds.get(step, 0.0)
        if delay:
            log.warning("fault: step %s delayed by %s s", step, delay)
            await asyncio.sleep(delay)
        status = profile.step_errors.get(step)
        if status is None and profile.engine_failure_rates and step == profile.failure_step:
            engine = engine_of(request.headers)
            rate = profile.failure_rate(engine)
            with x._fault_lock:
                failed = rate > 0 and state.draw(rate)
            if failed:
                log.warning("fault: step %s failed for engine %s (rate %s)", step, engine, rate)
                status = 500
        if status is None:
            await self.app(scope, receive, send)
            return
        log.warning("fault: step %s answers %d", step, status)
        response = page(request, "erreur.html", status, title="Erreur",
                        message="Une erreur est survenue, veuillez réessayer plus tard.")
        await response(scope, receive, send)


class AccessLogAndHeaders:
    """Logs one line per request with tokens redacted (uvicorn's access log is turned off
    because it would print reset links) and adds headers every response needs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 500
        logged = False

        def log_once() -> None:
            nonlocal logged
            if not logged:
                logged = True
                access_log.info("%s %s %d %.0fms", scope["method"], redact_path(scope["path"]), status,
                                (time.monotonic() - started) * 1000)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))  # links carry tokens
                headers.append((b"x-frame-options", b"DENY"))
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                log_once()  # before any background task (mail) runs

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_once()


# -- application ----------------------------------------------------------------------------------
def create_app(settings: Settings, *, mailer: mail.Mailer | None = None) -> Starlette:
    """Build the application; the database schema is created here, before the first request."""
    store = Store(settings.database)
    extranet = Extranet(
        settings=settings, store=store, clock=Clock(store.clock_offset), cryptograms=Cryptograms(store),
        mailer=mailer or mail.Mailer(settings.smtp_host, settings.smtp_port),
        templates=Jinja2Templates(directory=str(HERE / "templates")),
    )
    extranet.templates.env.globals["version"] = __version__

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("extranet %s ready on %s (operator controls %s)", __version__, settings.base_url,
                 "enabled" if settings.operator_key else "disabled")
        yield

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/connexion", login, methods=["POST"]),
        Route("/mon-espace", mon_espace, methods=["GET"]),
        Route("/deconnexion", logout, methods=["POST"]),
        Route("/creer-mon-espace", creer_get, methods=["GET"]),
        Route("/creer-mon-espace", creer_post, methods=["POST"]),
        Route("/creer-mon-espace/compte", compte_get, methods=["GET"]),
        Route("/creer-mon-espace/compte", compte_post, methods=["POST"]),
        Route("/cryptogramme/nouveau", cryptogram_new, methods=["GET"]),
        Route("/cryptogramme/{challenge}.png", cryptogram_image, methods=["GET"]),
        Route("/identifiant-oublie", identifiant_oublie, methods=["GET", "POST"]),
        Route("/mot-de-passe-oublie", mot_de_passe_oublie, methods=["GET", "POST"]),
        Route("/reinitialisation/{token:path}", link_handler("reinitialisation"), methods=["GET", "POST"]),
        Route("/activation/{token:path}", link_handler("activation"), methods=["GET", "POST"]),
        Route("/assistance", assistance_handler("assistance"), methods=["GET", "POST"]),
        Route("/assistance-technique", assistance_handler("technique"), methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        operator_route("cryptogram", op_cryptogram, ["GET"]),
        operator_route("clock", op_clock, ["GET", "POST"]),
        operator_route("seed", op_seed, ["POST"]),
        operator_route("reset", op_reset, ["POST"]),
        operator_route("incident", op_incident, ["GET", "POST"]),
        operator_route("faults", op_faults, ["GET", "POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(AccessLogAndHeaders),
            Middleware(SessionMiddleware, secret_key=store.session_secret(), session_cookie="extranet_session",
                       max_age=8 * 3600, same_site="lax"),
            Middleware(FaultInjection),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.extranet = extranet
    return app
