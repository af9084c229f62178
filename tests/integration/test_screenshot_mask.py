"""The recorder masks the fields the page objects declare (``secret_fields()``), whatever screen is open."""
from __future__ import annotations

from typing import Iterator

import pytest

from fixtures.engines.resolve import resolve_engine
from pages import secret_fields

pytestmark = pytest.mark.integration

SCREENS = (
    "<main><h1>Extranet activité partielle</h1><label>Identifiant <input name=identifiant></label>"
    "<label>Mot de passe <input type=password name=mdp></label></main>",
    "<main><h1>Mon espace</h1><p>Identifiant : AP1234567</p><p>Boulangerie Martin</p></main>",
)


@pytest.fixture(scope="module")
def chromium_page(playwright) -> Iterator[object]:
    engine = resolve_engine("chromium")
    if not engine.available:
        pytest.skip(f"chromium unavailable: {engine.reason}")
    browser = playwright.chromium.launch(**engine.launch_options())
    page = browser.new_page()
    yield page
    browser.close()


def masked_texts(page) -> list[str]:
    return [text for locator in secret_fields(page) for text in locator.evaluate_all(
        "els => els.map(e => e.value !== undefined && e.tagName === 'INPUT' ? 'input:' + e.name : e.textContent)")]


def test_every_screen_s_secret_fields_are_masked_on_the_screen_that_is_open(chromium_page) -> None:
    page = chromium_page
    page.set_content(SCREENS[0])
    assert sorted(set(masked_texts(page))) == ["input:identifiant", "input:mdp"]
    page.set_content(SCREENS[1])
    assert masked_texts(page) == ["Identifiant : AP1234567"]  # the establishment's name stays readable


