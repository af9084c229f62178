"""``python -m extranet accounts add``: create test accounts as the operator of a real portal would.

A monitor pointed at a portal cannot create accounts (the cryptogram is a real captcha), so
the portal's operator creates a few *test accounts* once, straight in its own database, and
hands their credentials to the monitoring team. This command does that for the reference
extranet, with no operator key and no HTTP: it writes to the SQLite database and appends each
account to a credentials file (mode 0600, the format fixtures/target/accounts.py reads), with the
account's contact (nom, prénom, phone): the suite scrubs them from its outputs by value, so it must
know them. It never prints an identifier, a password or a contact.

Why the TOML is written by hand: the extranet never imports the suite or its libraries, and a
JSON string (``json.dumps``) is a valid TOML basic string.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import stat
import string
import sys
import time
from pathlib import Path
from typing import Sequence

from .rendering import email_error
from .routes.operator import BadRequest, validate_seed
from .security import hash_password, new_identifiant, password_problems
from .siret import random_siret
from .store import Store

PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!#$%&*+-=?@_"


def _password() -> str:
    while True:
        candidate = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(20))
        if not password_problems(candidate):
            return candidate


def _credentials_ok(path: Path) -> str | None:
    if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
        return f"{path}: mode {stat.S_IMODE(path.stat().st_mode):04o} lets others read passwords; chmod 600 it first"
    return None


def _append(path: Path, entries: list[dict[str, str]]) -> None:
    """Append ``[[account]]`` tables; the file is created 0600 (never readable by others)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        if out.tell() == 0:
            out.write("# Test accounts (python -m extranet accounts add). Mode 0600. The suite rewrites\n"
                      "# `password` in place when a journey rotates it; keep this file out of version control.\n")
        for entry in entries:
            out.write("\n[[account]]\n")
            for key, value in entry.items():
                out.write(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")
        out.flush()
        os.fsync(out.fileno())


def add(args: argparse.Namespace) -> int:
    credentials = Path(args.credentials)
    problem = _credentials_ok(credentials)
    if problem:
        print(f"extranet accounts add: {problem}", file=sys.stderr)
        return 2
    if args.count > 1 and (args.siret or "{n}" not in args.mailbox):
        print("extranet accounts add: with --count > 1, omit --siret and put {n} in --mailbox "
              "(e.g. qa+{n}@example.org): each account needs its own SIRET and mailbox", file=sys.stderr)
        return 2
    rng = random.SystemRandom()
    establishments, entries, passwords = [], [], {}
    for n in range(1, args.count + 1):
        identifiant, password = new_identifiant(), _password()
        name = (args.name or "compte-{n}").format(n=n + args.first - 1)
        denomination = (args.denomination or "Compte de test {n}").format(n=n + args.first - 1)
        mailbox = args.mailbox.format(n=n + args.first - 1)
        telephone = args.telephone or "06" + "".join(rng.choice(string.digits) for _ in range(8))
        establishments.append({"siret": args.siret or random_siret(rng), "denomination": denomination,
                               "account": {"identifiant": identifiant, "courriel": mailbox, "nom": args.nom,
                                           "prenom": args.prenom, "civilite": args.civilite,
                                           "telephone": telephone}})
        passwords[identifiant] = password
        # the contact too: the suite scrubs a test account's personal data by value, so it must know it
        entries.append({"name": name, "identifiant": identifiant, "password": password,
                        "siret": "", "mailbox": mailbox, "denomination": denomination,
                        "nom": args.nom, "prenom": args.prenom, "telephone": telephone})
    try:
        valid = validate_seed({"establishments": establishments})
    except BadRequest as exc:
        print(f"extranet accounts add: {exc}", file=sys.stderr)
        return 2
    for entry, item in zip(entries, valid, strict=True):
        entry["siret"] = item["siret"]
    store = Store(args.database)
    for item in valid:  # an account already on that SIRET would be replaced: refuse instead
        if store.account_by_siret(item["siret"]) is not None:
            print(f"extranet accounts add: SIRET {item['siret']} already has an account in {args.database}",
                  file=sys.stderr)
            return 2
    store.seed(valid, {i: hash_password(p) for i, p in passwords.items()}, time.time())
    _append(credentials, entries)
    print(f"added {len(entries)} test account(s) ({', '.join(e['name'] for e in entries)}) to {args.database}; "
          f"credentials appended to {credentials} (mode 0600)")
    return 0


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m extranet accounts",
                                     description="Create test accounts in the reference extranet's database, "
                                                 "as a portal's operator would for a monitoring team.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add", help="create activated accounts and append their credentials to a file")
    p.add_argument("--database", default=os.environ.get("EXTRANET_DATABASE", "./extranet.db"),
                   help="the extranet's SQLite file (default: EXTRANET_DATABASE or ./extranet.db)")
    p.add_argument("--credentials", required=True, help="credentials file to append to (created 0600)")
    p.add_argument("--mailbox", required=True, help="the account's mail address; {n} numbers several accounts")
    p.add_argument("--count", type=int, default=1, help="how many accounts (default 1)")
    p.add_argument("--first", type=int, default=1, help="number of the first account for {n} (default 1)")
    p.add_argument("--siret", default=None, help="the establishment's SIRET (default: a random valid one)")
    p.add_argument("--denomination", default=None, help="establishment name; {n} numbers them")
    p.add_argument("--name", default=None, help="label in reports (default compte-{n}); never a secret")
    p.add_argument("--nom", default="Veilleur", help="the contact's last name (default Veilleur)")
    p.add_argument("--prenom", default="Dominique", help="the contact's first name (default Dominique)")
    p.add_argument("--civilite", default="Madame")
    p.add_argument("--telephone", default=None, help="the contact's phone (default: a random 06 number per account)")
    args = parser.parse_args(list(argv))
    if args.count < 1:
        parser.error("--count must be at least 1")
    if email_error(args.mailbox.format(n=1)):
        parser.error(f"--mailbox {args.mailbox!r} is not a mail address")
    return add(args)
