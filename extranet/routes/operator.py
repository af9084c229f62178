"""The operator API under ``/__operator__/``: what the suite and the monitor drive the
reference extranet with (seed, reset, clock, cryptogram answer, incident notice, faults).

Why a key and not a login: these routes are for machines; without ``--operator-key`` they do
not exist (404), with it a wrong or missing ``X-Operator-Key`` is refused (403). A malformed
payload is a 400 whose message says what is expected.
"""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..faults import FaultProfile, FaultProfileError
from ..rendering import CIVILITES, email_error
from ..security import IDENTIFIER_RE, hash_password
from ..siret import is_valid_siret, normalize
from ..state import Extranet, extranet_of

log = logging.getLogger("extranet")

OperatorHandler = Callable[[Request, Extranet], Awaitable[Response]]


def operator(handler: OperatorHandler) -> Callable[[Request], Awaitable[Response]]:
    """404 when no key is configured (the routes do not exist), 403 on a missing or wrong key."""

    async def guarded(request: Request) -> Response:
        extranet = extranet_of(request)
        if not extranet.settings.operator_key:
            raise HTTPException(404)
        if not extranet.operator_authorized(request):
            log.warning("operator request refused: wrong or missing X-Operator-Key")
            return JSONResponse({"error": "wrong or missing X-Operator-Key"}, status_code=403)
        return await handler(request, extranet)

    return guarded


class BadRequest(Exception):
    """An operator payload is malformed; the message says what is expected."""


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise BadRequest("the body must be JSON") from None


async def op_cryptogram(request: Request, extranet: Extranet) -> Response:
    answer = extranet.store.challenge_answer(request.query_params.get("challenge", ""))
    if answer is None:
        return JSONResponse({"error": "unknown, used or expired challenge"}, status_code=404)
    return JSONResponse({"answer": answer})


async def op_clock(request: Request, extranet: Extranet) -> Response:
    if request.method == "POST":
        body = await json_body(request)
        offset = body.get("offset_seconds") if isinstance(body, dict) else None
        if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not math.isfinite(offset):
            raise BadRequest('expected {"offset_seconds": <number>}')
        extranet.store.set_setting("clock_offset_seconds", repr(float(offset)))
        log.warning("operator: clock offset set to %s s", offset)
    offset_value = extranet.store.clock_offset()
    return JSONResponse({"offset_seconds": int(offset_value) if offset_value.is_integer() else offset_value,
                         "now": extranet.now()})


async def op_seed(request: Request, extranet: Extranet) -> Response:
    body = await json_body(request)
    establishments = validate_seed(body)
    hashes: dict[str, str | None] = {}
    for item in establishments:
        account = item.get("account")
        if account:
            pw = account.get("password")
            hashes[account["identifiant"]] = await run_in_threadpool(hash_password, pw) if pw else None
    written = extranet.store.seed(establishments, hashes, extranet.now())
    log.info("operator: seeded %d establishment(s), %d account(s)", len(establishments), written)
    return JSONResponse({"establishments": len(establishments), "accounts": written})


def validate_seed(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("establishments"), list):
        raise BadRequest('expected {"establishments": [...]}')
    out: list[dict[str, Any]] = []
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
            account = validate_seed_account(account, where)
        out.append({"siret": siret, "denomination": denomination.strip(), "account": account})
    identifiants = [i["account"]["identifiant"] for i in out if i["account"]]
    if len(set(identifiants)) != len(identifiants) or len({i["siret"] for i in out}) != len(out):
        raise BadRequest("each siret and each identifiant may appear only once")
    return out


def validate_seed_account(account: Any, where: str) -> dict[str, Any]:
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
    return account


async def op_reset(request: Request, extranet: Extranet) -> Response:
    extranet.store.reset()
    log.warning("operator: state reset")
    return JSONResponse({"status": "ok"})


async def op_incident(request: Request, extranet: Extranet) -> Response:
    if request.method == "POST":
        body = await json_body(request)
        if not isinstance(body, dict) or "text" not in body or not (body["text"] is None or isinstance(body["text"], str)):
            raise BadRequest('expected {"text": "..." | null}')
        extranet.store.set_setting("incident_text", json.dumps(body["text"]))
        log.info("operator: incident notice %s", "cleared" if not body["text"] else "set")
    return JSONResponse({"text": extranet.incident_text()})


async def op_faults(request: Request, extranet: Extranet) -> Response:
    """POST replaces the whole profile (``{}`` = no fault); GET shows the one in force."""
    if request.method == "POST":
        try:
            profile = FaultProfile.from_dict(await json_body(request))
        except FaultProfileError as exc:
            raise BadRequest(str(exc)) from None
        extranet.store.set_setting("faults", json.dumps(profile.to_dict()))
        extranet.restart_faults()
        log.warning("operator: fault profile set (%s)", ", ".join(sorted(profile.to_dict())) or "none")
    return JSONResponse(extranet.faults().profile.to_dict())


def operator_route(path: str, handler: OperatorHandler, methods: list[str]) -> Route:
    async def endpoint(request: Request) -> Response:
        try:
            return await operator(handler)(request)
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return Route(f"/__operator__/{path}", endpoint, methods=methods)


ROUTES = [
    operator_route("cryptogram", op_cryptogram, ["GET"]),
    operator_route("clock", op_clock, ["GET", "POST"]),
    operator_route("seed", op_seed, ["POST"]),
    operator_route("reset", op_reset, ["POST"]),
    operator_route("incident", op_incident, ["GET", "POST"]),
    operator_route("faults", op_faults, ["GET", "POST"]),
]
