"""pytest plugin loaded only in the leak audit's child run (``-p leak_capture``): writes down every
secret the run used, independently of the scrubber, into the audit's private folder.

Why independent: the audit must catch what the scrubber's own registry missed. So besides the
journeys' registries it records, through Playwright itself, every value typed into a field a
credential goes into (by the field's ``name`` or ``type=password``) and every cookie a browser
context holds when it closes, on any engine. It also records every session a page's links carry
in their URLs (``;jsessionid=…``, fault ``session_in_url``), read from the page's HTML with a
pattern of its own. Values typed into the fields of the account's personal data (SIRET,
dénomination, nom, prénom, phone, mail address) are recorded as secrets too: a test account's
personal data must reach no output, like its identifier.

The file (``$LEAK_AUDIT_CAPTURE/<worker>.jsonl``) is the audit's key: it lives outside every
folder the audit scans and the audit deletes it.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator

from fixtures.plugin.journey_outcome import record_for

#: Fields whose value is a credential, by their ``name`` attribute.
SECRET_FIELDS = frozenset({"identifiant", "mot_de_passe", "confirmation"})
#: Fields of the account's personal data, by their ``name`` attribute: searched like credentials.
PERSONAL_FIELDS = frozenset({"siret", "denomination", "nom", "prenom", "telephone", "courriel",
                             "courriel_confirmation"})

_current: dict[str, str] = {"test": ""}


def _write(kind: str, value: Any, **extra: Any) -> None:
    folder = Path(os.environ["LEAK_AUDIT_CAPTURE"])
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with (folder / f"{worker}.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"kind": kind, "value": value, "test": _current["test"], **extra}) + "\n")


def _wrap_fill() -> None:
    original = Locator.fill

    def fill(self: Locator, value: str, **kwargs: Any) -> None:
        try:
            name, kind = self.get_attribute("name", timeout=2000), self.get_attribute("type", timeout=2000)
        except Exception:  # noqa: BLE001 - the fill itself will say what is wrong
            name = kind = None
        if kind == "password" or name in SECRET_FIELDS:
            _write("typed-secret", value, field=name)
        elif name in PERSONAL_FIELDS:
            _write("typed-personal", value, field=name)
        original(self, value, **kwargs)

    Locator.fill = fill  # type: ignore[method-assign]


#: The audit's own reading of a session in a URL, deliberately not ``fixtures.secrets.by_kind``'s.
_JSESSIONID = re.compile(r";jsessionid=([0-9A-Za-z._-]+)", re.IGNORECASE)


def _wrap_close() -> None:
    original = BrowserContext.close

    def close(self: BrowserContext, **kwargs: Any) -> None:
        with contextlib.suppress(Exception):  # a crashed browser has no cookies left to leak
            for cookie in self.cookies():
                _write("cookie", cookie["value"], name=cookie["name"])
        for page in list(self.pages):
            with contextlib.suppress(Exception):
                for value in set(_JSESSIONID.findall(page.content()) + _JSESSIONID.findall(page.url)):
                    _write("url-session", value)
        original(self, **kwargs)

    BrowserContext.close = close  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    Path(os.environ["LEAK_AUDIT_CAPTURE"]).mkdir(parents=True, exist_ok=True)
    _wrap_fill()
    _wrap_close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    _current["test"] = item.nodeid
    yield
    record = record_for(item)  # after teardown: the registry holds what the scrubber found too
    for value in record.secrets.values:
        _write("registered", value)
    for name, value in record.public.items():
        _write("public", value, name=name)
