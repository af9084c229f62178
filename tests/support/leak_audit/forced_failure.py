"""A journey that fails on purpose after logging in: the leak audit's worst case.

Why: with the default ``--tracing=retain-on-failure`` a trace is kept exactly when something
went wrong after login, with a live session cookie in it; and the failure message here names
the identifier and the password, so the report, JUnit and terminal output must be scrubbed.
Never collected by ``pytest tests`` (its name does not start with ``test_``); the audit passes
its path explicitly.
"""
from __future__ import annotations

import pytest

from pages import AccueilPage, MonEspacePage

pytestmark = [pytest.mark.journey("J2"), pytest.mark.writes, pytest.mark.needs_operator]


def test_echec_force_apres_connexion(page, journey, existing_account):
    with journey.step("Se connecter"):
        accueil = AccueilPage(page)
        accueil.ouvrir()
        accueil.se_connecter(existing_account.identifiant, existing_account.password)
        MonEspacePage(page).expect_connecte()
    with journey.step("Échec forcé après la connexion"):
        # An AssertionError, as a failed check on the target would raise (outcome: failure).
        raise AssertionError(f"forced failure after login as {existing_account.identifiant} "
                             f"with password {existing_account.password}")
