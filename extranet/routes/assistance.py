"""The assistance forms (PROCEDURE.md J3): general and technical, one handler per channel."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import mailer as mail
from ..rendering import email_error, field, page, read_form, session_expired
from ..siret import normalize, siret_error
from ..state import extranet_of

log = logging.getLogger("extranet")

MOTIFS = ("Habilitation extranet", "Habilitation à l'extranet", "Demande d'indemnisation", "Autre")


def assistance_handler(canal: str) -> Callable[[Request], Awaitable[Response]]:
    title = "Envoyer une demande d'assistance technique" if canal == "technique" else "Envoyer une demande d'assistance"

    async def handler(request: Request) -> Response:
        extranet = extranet_of(request)
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
        numero = extranet.store.add_assistance(canal=canal, motif=values["motif"], siret=normalize(values["siret"]),
                                               nom=values["nom"], courriel=values["courriel"],
                                               message=values["message"], now=extranet.now())
        log.info("assistance request %s (%s, motif %r) recorded", numero, canal, values["motif"])
        await extranet.send_mail(mail.render("assistance", values["courriel"], numero=numero, nom=values["nom"],
                                             motif=values["motif"]))
        return page(request, "assistance_ok.html", numero=numero)

    return handler


ROUTES = [
    Route("/assistance", assistance_handler("assistance"), methods=["GET", "POST"]),
    Route("/assistance-technique", assistance_handler("technique"), methods=["GET", "POST"]),
]
