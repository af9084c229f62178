"""SIRET numbers: 14 digits whose Luhn checksum is valid; the SIREN is the first 9.

Why our own check: the extranet must refuse a mistyped SIRET with a precise French message
(too short, too long, not digits, wrong check digit) before touching the database.
La Poste's establishments (SIREN 356000000) follow a different rule (sum of digits a
multiple of 5), accepted here as INSEE does.
"""
from __future__ import annotations

import random
import re

LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (only 0-9) passes the Luhn checksum."""
    if not digits or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize(raw: str) -> str:
    """Drop the spaces people type between groups (``123 456 789 00012``)."""
    return re.sub(r"\s+", "", raw or "")


def siret_error(raw: str) -> str | None:
    """The French message explaining why ``raw`` is not a SIRET, or None when it is one."""
    value = normalize(raw)
    if not value:
        return "Le N° de SIRET est obligatoire."
    if not value.isdigit():
        return "Le N° de SIRET ne doit contenir que des chiffres."
    if len(value) < 14:
        return f"Le N° de SIRET est trop court : il doit comporter 14 chiffres ({len(value)} saisis)."
    if len(value) > 14:
        return f"Le N° de SIRET est trop long : il doit comporter 14 chiffres ({len(value)} saisis)."
    if not is_valid_siret(value):
        return "Le N° de SIRET n'est pas valide : la clé de contrôle est incorrecte."
    return None


def is_valid_siret(value: str) -> bool:
    """True for 14 digits with a valid checksum (Luhn, or La Poste's rule)."""
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN) and value != LA_POSTE_SIREN + "00000":
        return sum(int(c) for c in value) % 5 == 0 or luhn_valid(value)
    return luhn_valid(value)


def siren(value: str) -> str:
    """The SIREN (company number): the first 9 digits of a SIRET."""
    return normalize(value)[:9]


def _luhn_complete(partial: str) -> str:
    """Append the check digit that makes ``partial`` Luhn-valid."""
    for check in "0123456789":
        if luhn_valid(partial + check):
            return partial + check
    raise AssertionError("unreachable: one check digit always fits")


def random_siret(rng: random.Random | None = None) -> str:
    """A random valid SIRET (valid SIREN, valid SIRET), never La Poste's: for tests and demos."""
    rng = rng or random.SystemRandom()
    while True:
        siren_value = _luhn_complete("".join(rng.choice("0123456789") for _ in range(8)))
        if siren_value == LA_POSTE_SIREN or siren_value.startswith("000"):
            continue
        return _luhn_complete(siren_value + "".join(rng.choice("0123456789") for _ in range(4)))
