"""The target doctor's findings (fixtures.core.doctor_report) and the page objects' declared expectations."""
from __future__ import annotations

import re
from pathlib import Path

from fixtures.core.aria import parse
from fixtures.core.doctor_report import (
    Candidate,
    DoctorReport,
    ElementCheck,
    ScreenCheck,
    closest,
    closest_on_screen,
    diagnose,
    healthy,
    render,
)
from pages import ecrans
from pages.base import Attendu

ROOT = Path(__file__).resolve().parents[2]
SCREEN = parse('- heading "J\'ai oublié mon mot de passe" [level=1]\n- textbox "Votre identifiant"\n'
               '- textbox "Mot de passe"\n- button "Transmettre"\n- link "Envoyer un message"\n- button "Annuler"')


def test_closest_prefers_the_unclaimed_element_of_the_same_role_even_when_its_name_is_unlike() -> None:
    [first, *_] = closest("textbox", "Identifiant", SCREEN, claimed=[("textbox", "Mot de passe")])
    assert (first.role, first.name) == ("textbox", "Votre identifiant")
    found = closest("button", "Envoyer", SCREEN, claimed=[("button", "Annuler")])
    assert [(c.role, c.name) for c in found] == [("button", "Transmettre")], "the claimed button is left out"
    assert closest("checkbox", "CGU", SCREEN) == ()


def test_closest_offers_another_role_only_for_a_very_similar_name() -> None:
    found = closest("button", "Envoyer un message", SCREEN, claimed=[("button", "Transmettre"), ("button", "Annuler")])
    assert ("link", "Envoyer un message") in [(c.role, c.name) for c in found]


def test_two_fields_renamed_on_one_form_each_get_their_own_new_name_first() -> None:
    """Alone, « Courriel » is a little closer to « Numéro SIRET » (0.30) than to « Adresse électronique »
    (0.29); paired across the screen, « N° de SIRET » takes « Numéro SIRET » and « Courriel » the other."""
    form = parse('- heading "J\'ai oublié mon identifiant" [level=1]\n- textbox "Numéro SIRET"\n'
                 '- textbox "Adresse électronique"\n- button "Envoyer"')
    missing = [("textbox", "N° de SIRET"), ("textbox", "Courriel")]
    assert closest("textbox", "Courriel", form)[0].name == "Numéro SIRET"
    siret, courriel = closest_on_screen(missing, form, claimed=[("button", "Envoyer")])
    assert siret[0].name == "Numéro SIRET" and courriel[0].name == "Adresse électronique", (siret, courriel)
    assert [c.name for c in courriel] == ["Adresse électronique", "Numéro SIRET"], "the others still follow"


def report(missing: bool) -> DoctorReport:
    elements = (ElementCheck("heading", "J'ai oublié mon mot de passe", True),
                ElementCheck("button", "Envoyer", not missing,
                             (Candidate("button", "Transmettre", 0.22),) if missing else ()))
    return DoctorReport("firefox", "http://127.0.0.1:8000/aparts/", (
        ScreenCheck("MotDePasseOubliePage", True, "/mot-de-passe-oublie", 200, "the page shows « J'ai oublié… »",
                    elements),
        ScreenCheck("MonEspacePage", False, not_opened="needs a login")))


def test_render_says_found_missing_with_the_closest_and_healthy_decides_the_exit(tmp_path: Path) -> None:
    lines = render([report(missing=True)])
    assert any(re.search(r"button « Envoyer »\s+MISSING — closest: button « Transmettre » \(0\.22\)", line)
               for line in lines), lines
    assert any("MonEspacePage: not opened — needs a login" in line for line in lines)
    assert lines[-1] == "1 expected element(s) missing, 0 screen(s) could not be opened"
    assert not healthy([report(missing=True)]) and healthy([report(missing=False)]) and not healthy([])
    path = tmp_path / "doctor.json"
    report(missing=True).write(path)
    assert DoctorReport.read(path) == report(missing=True)


def test_the_doctor_opens_every_read_only_screen_and_its_expectations_are_the_locators() -> None:
    screens = dict(ecrans(None))  # type: ignore[arg-type]  # page objects only keep the page
    opened = {name for name, screen in screens.items() if screen.sans_ecriture}
    assert opened == {"AccueilPage", "AssistancePage", "AssistancePage(technique=True)", "CreationEspacePage",
                      "IdentifiantOubliePage", "MotDePasseOubliePage", "LienInvalidePage"}
    assert Attendu("button", "Se connecter") in screens["AccueilPage"].attendus()
    assert screens["AccueilPage"].attendus()[0] == Attendu("heading", "Extranet activité partielle", niveau=1)


def test_no_page_object_spells_a_role_and_name_outside_its_declared_expectations() -> None:
    """One word for each thing: a label the suite relies on is an ``Attendu``, used by the locator and the doctor."""
    spelled = [f"{p.name}:{n}" for p in (ROOT / "pages").glob("*.py") if p.name != "base.py"
               for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"get_by_role\(\s*\"[^\"]+\"\s*,\s*name=\s*\"|get_by_label\(\s*\"", line)]
    assert spelled == []


def test_a_target_down_or_a_base_url_without_the_portal_s_path_is_said_once_per_engine() -> None:
    down = DoctorReport("chromium", "http://127.0.0.1:1/aparts/", (
        ScreenCheck("AccueilPage", False, error="could not open it: Page.goto: net::ERR_CONNECTION_REFUSED"),
        ScreenCheck("MonEspacePage", False, not_opened="needs a login")))
    assert diagnose(down) == ("the target could not be reached (could not open it: Page.goto: net::ERR_CONNECTION_REFUSED): "
                              "is it up, and is base_url http://127.0.0.1:1/aparts/ right?")
    assert "  => the target could not be reached" in "\n".join(render([down]))
    lost = DoctorReport("firefox", "http://127.0.0.1:8000/", (
        ScreenCheck("AccueilPage", True, "/", 404, "the page shows no level-1 heading",
                    (ElementCheck("heading", "Extranet activité partielle", False),)),))
    assert "every screen answered HTTP 404 and showed none of its elements" in (diagnose(lost) or "")
    assert diagnose(report(missing=True)) is None and diagnose(report(missing=False)) is None
