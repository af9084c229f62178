"""The screen diff of a failed step, in real browsers: the reference extranet relabelled by its
``label_overrides`` fault, the journey run as users run it (a child pytest), the diff read back from
the results JSON, the JUnit XML and the terminal summary.

R1's home-page test is the probe: read-only, a few seconds, and its steps look for the login
form's labels, so renaming them fails it at a known step on every engine.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.child_pytest import run_pytest

from fixtures.core.aria_store import DIR_ENV, AriaStore
from fixtures.core.engine_names import display_name
from fixtures.core.signature import change_lines
from fixtures.core.steps import ACCUEIL_LIENS_AFFICHES, OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE
from fixtures.engines.resolve import resolve_engine

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=120)]

PROBE = ["journeys/test_r_pages_accessibles.py", "-k", "test_accueil_liens_de_recuperation"]
#: A renamed button is a click that waits for it: 10 s instead of Playwright's 30 s, for each failure.
QUICK = ("--action-timeout", "10")
#: A button, a textbox's label and a heading (also the name of its region), renamed at once.
RENAMES = {"Se connecter": "Valider la connexion", "Identifiant": "Identifiant de connexion",
           "Connexion": "Accès à votre espace"}
EXPECTED = ["heading « Connexion » → heading « Accès à votre espace »",
            "textbox « Identifiant » → textbox « Identifiant de connexion »",
            "button « Se connecter » → button « Valider la connexion »"]


def engines(*names: str) -> list[str]:
    return [n for n in names if resolve_engine(n).available]


def run_probe(tmp_path: Path, name: str, browsers: list[str], snapshots: Path, faults: dict | None = None):
    where = tmp_path / name
    where.mkdir()
    args = [*PROBE, *QUICK, "--junitxml", str(where / "junit.xml"), *[a for b in browsers for a in ("--browser", b)]]
    env = {DIR_ENV: str(snapshots), "EXTRANET_FAULTS": json.dumps(faults or {})}
    proc, results = run_pytest(where, *args, env=env)
    return proc, {r["browser"]: r for r in results}, ET.parse(where / "junit.xml").getroot()


def junit_properties(junit: ET.Element, browser: str) -> dict[str, str]:
    case = next(c for c in junit.iter("testcase") if f"[{browser}]" in c.get("name", ""))
    return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


@pytest.mark.skipif(not engines("chromium"), reason="needs at least Chromium")
def test_renamed_labels_are_named_in_the_failure_diff_on_every_engine(tmp_path: Path) -> None:
    browsers = engines("chromium", "firefox", "webkit")
    snapshots = tmp_path / "aria"
    proc, results, _ = run_probe(tmp_path, "good", browsers, snapshots)
    assert all(results[b]["outcome"] == "success" for b in browsers), proc.stdout[-3000:]
    stored = AriaStore(snapshots / "reference").files()
    assert {p.parent.name for p in stored} == set(browsers)
    assert any('button \\"Se connecter' in p.read_text(encoding="utf-8") for p in stored)

    proc, results, junit = run_probe(tmp_path, "relabelled", browsers, snapshots, {"label_overrides": RENAMES})
    out = proc.stdout + proc.stderr
    for browser in browsers:
        result = results[browser]
        assert result["outcome"] == "failure", out[-3000:]
        [signature] = result["signatures"]
        assert signature["step_id"] == ACCUEIL_LIENS_AFFICHES.id
        said = [line.strip() for line in change_lines(signature)[1:]]
        for change in EXPECTED:
            assert change in said, (browser, said)
        assert "the same browser" in signature["screen_baseline"]
        props = junit_properties(junit, browser)
        assert set(EXPECTED) <= {v for k, v in props.items() if k.startswith("failure_screen_change")}, props
        assert f"{display_name(browser)} ×1 [R1]" in proc.stdout
    assert all(change in proc.stdout for change in EXPECTED), "the terminal summary names each change"
    # A failing test keeps nothing, not even its passing steps' screens (the renamed home page would be
    # the next failure's baseline, and its diff empty).
    after = [p.read_text(encoding="utf-8") for p in AriaStore(snapshots / "reference").files()]
    assert len(after) == len(stored) and not any("Valider la connexion" in text for text in after)


@pytest.mark.skipif(not engines("chromium"), reason="needs at least Chromium")
def test_a_form_the_step_only_crosses_is_compared_with_its_own_good_copy(tmp_path: Path) -> None:
    """J2.2b's step « open the mailed link, choose the new password » crosses the new-password form
    between the link and « Mot de passe modifié »: its copy, snapshotted at its load, is the baseline
    (not the « Mot de passe modifié » screen at the same address). One old name on two elements
    (the heading and the field's label) and the button, renamed at once."""
    browsers = engines("chromium", "firefox", "webkit")
    snapshots = tmp_path / "aria"
    journey = ["journeys/test_j2_2b_mot_de_passe_oublie.py", *QUICK, *[a for b in browsers for a in ("--browser", b)]]
    where = tmp_path / "good"
    where.mkdir()
    proc, results = run_pytest(where, *journey, env={DIR_ENV: str(snapshots)})
    assert [r["outcome"] for r in results] == ["success"] * len(browsers), proc.stdout[-3000:]
    where = tmp_path / "relabelled"
    where.mkdir()
    renames = {"Valider": "Enregistrer", "Nouveau mot de passe": "Choisissez votre mot de passe"}
    proc, results = run_pytest(where, *journey, env={DIR_ENV: str(snapshots),
                                                     "EXTRANET_FAULTS": json.dumps({"label_overrides": renames})})
    for result in results:
        [signature] = result["signatures"]
        assert signature["step_id"] == OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id, signature
        assert "the same browser" in signature["screen_baseline"], signature
        said = [line.strip() for line in change_lines(signature)[1:]]
        assert said == ["heading « Nouveau mot de passe » → heading « Choisissez votre mot de passe »",
                        "textbox « Nouveau mot de passe » → textbox « Choisissez votre mot de passe »",
                        "button « Valider » → button « Enregistrer »"], (result["browser"], said)


@pytest.mark.skipif(len(engines("chromium", "firefox")) < 2, reason="needs Chromium and Firefox")
def test_a_browser_that_never_passed_is_compared_with_another_browser(tmp_path: Path) -> None:
    snapshots = tmp_path / "aria"
    proc, results, _ = run_probe(tmp_path, "good", ["firefox"], snapshots)
    assert results["firefox"]["outcome"] == "success", proc.stdout[-3000:]
    proc, results, _ = run_probe(tmp_path, "relabelled", ["chromium"], snapshots,
                                 {"label_overrides": {"Se connecter": "Entrer"}})
    [signature] = results["chromium"]["signatures"]
    assert signature["screen_baseline"].startswith("the last good run (Firefox"), signature
    assert {"kind": "renamed", "role": "button", "name": "Se connecter", "new_role": "button",
            "new_name": "Entrer"} in signature["screen_changes"]


@pytest.mark.skipif(not engines("chromium"), reason="needs Chromium")
def test_a_screen_the_failing_step_only_crossed_is_compared_where_another_step_kept_it(tmp_path: Path) -> None:
    """J2.2b's first step crosses the « J'ai oublié mon mot de passe » form (home → form → confirmation):
    with its button renamed the step fails there, and R1's step that ends on that form is the baseline."""
    snapshots = tmp_path / "aria"
    where = tmp_path / "good"
    where.mkdir()
    proc, results = run_pytest(where, "journeys/test_r_pages_accessibles.py", "-k", "mot_de_passe_depuis",
                               "--browser", "chromium", env={DIR_ENV: str(snapshots)})
    assert [r["outcome"] for r in results] == ["success"], proc.stdout[-3000:]
    where = tmp_path / "relabelled"
    where.mkdir()
    proc, results = run_pytest(where, "journeys/test_j2_2b_mot_de_passe_oublie.py", *QUICK, "--browser", "chromium",
                               env={DIR_ENV: str(snapshots),
                                    "EXTRANET_FAULTS": json.dumps({"label_overrides": {"Envoyer": "Transmettre"}})})
    [signature] = results[0]["signatures"]
    assert signature["path"] == "/mot-de-passe-oublie", signature
    assert "as step click_forgot_password left it" in signature["screen_baseline"], signature
    assert [c for c in signature["screen_changes"]] == [
        {"kind": "renamed", "role": "button", "name": "Envoyer", "new_role": "button", "new_name": "Transmettre"}]
