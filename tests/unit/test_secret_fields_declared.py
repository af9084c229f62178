"""The screens that hold secrets declare their secret fields (``secret_fields()``), which the recorder
masks; that the mask really paints them is tests/integration/test_screenshot_mask.py, in a browser."""
from __future__ import annotations

from pages import AccueilPage, BasePage, MonEspacePage, NouveauMotDePassePage


def test_the_screens_that_hold_secrets_declare_them() -> None:
    for screen in (AccueilPage, MonEspacePage, NouveauMotDePassePage):
        assert screen.secret_fields is not BasePage.secret_fields, screen
