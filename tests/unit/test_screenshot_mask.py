"""The recorder masks the fields the page objects declare (``secret_fields()``), whatever screen is open."""
from __future__ import annotations

import pytest

from pages import AccueilPage, BasePage, MonEspacePage, NouveauMotDePassePage

pytestmark = pytest.mark.integration


def test_the_screens_that_hold_secrets_declare_them() -> None:
    for screen in (AccueilPage, MonEspacePage, NouveauMotDePassePage):
        assert screen.secret_fields is not BasePage.secret_fields, screen
