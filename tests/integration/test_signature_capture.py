"""Failure signatures captured in real browsers, through the real J2.2b journey run as users run it.

The reference extranet is started by the child pytest with a fault profile (``EXTRANET_FAULTS``):
- ``reset_requires_client_hints``: Firefox (over WebDriver BiDi) and WebKit (WebKitGTK over its
  inspector, when available) have no ``navigator.userAgentData``; the page's script throws and the
  server answers 422 with an alert. Chromium passes that step, which the same run checks.
- ``engine_failure_rates`` with Chromium at 1.0: the reset submission answers 500 with the error
  page, so Chromium's capture (CDP) is checked on a failure of its own.
"""
from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
from support.child_pytest import run_pytest  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.core.steps import OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE
from fixtures.engines.resolve import resolve_engine

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=50)]
ALERT = "La vérification de sécurité de votre navigateur a échoué"
CLIENT_HINTS = json.dumps({"reset_requires_client_hints": True})


def available(name: str) -> bool:
    return resolve_engine(name).available


def run_j22b(tmp_path, faults: str, browsers: list[str]) -> tuple[subprocess.CompletedProcess[str], dict[str, dict], ET.Element]:
    junit = tmp_path / "junit.xml"
    args = ["journeys/test_j2_2b_mot_de_passe_oublie.py", "--junitxml", str(junit)]
    for b in browsers:
        args += ["--browser", b]
    proc, results = run_pytest(tmp_path, *args, env={"EXTRANET_FAULTS": faults})
    return proc, {r["browser"]: r for r in results}, ET.parse(junit).getroot()


def properties(junit: ET.Element, browser: str) -> dict[str, str]:
    case = next(c for c in junit.iter("testcase") if f"[{browser}]" in c.get("name", ""))
    return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


def check_client_hints_signature(result: dict, props: dict[str, str], proc_out: str) -> None:
    assert result["outcome"] == "failure", proc_out[-3000:]
    [sig] = result["signatures"]
    assert sig["step_id"] == OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id
    assert sig["step"] == "Ouvrir le lien et saisir deux fois le nouveau mot de passe"
    assert sig["status"] == 422
    assert sig["path"] == "/reinitialisation/…", "the token in the path is masked"
    assert sig["heading"] == "Nouveau mot de passe"
    assert sig["alerts"] and sig["alerts"][0].startswith(ALERT)
    assert any(e.startswith("TypeError") for e in sig["js_errors"]), sig
    assert sig["line"].startswith("Ouvrir le lien et saisir deux fois le nouveau mot de passe · 422 · « La vérif")
    assert "TypeError" in sig["line"]
    assert props["failure_signature"] == sig["line"] and props["failure_status"] == "422"
    # The expect helper said what it expected and what the screen showed.
    assert "expected the heading « Mot de passe modifié »; the page shows « Nouveau mot de passe »" in result["message"]


@pytest.mark.skipif(not (available("firefox") and available("chromium")), reason="needs firefox and chromium")
def test_client_hints_fault_signs_firefox_and_webkit_at_the_reset_step_and_chromium_passes(tmp_path) -> None:
    browsers = ["chromium", "firefox"] + (["webkit"] if available("webkit") else [])
    proc, results, junit = run_j22b(tmp_path, CLIENT_HINTS, browsers)
    out = proc.stdout + proc.stderr
    check_client_hints_signature(results["firefox"], properties(junit, "firefox"), out)
    if "webkit" in results:
        check_client_hints_signature(results["webkit"], properties(junit, "webkit"), out)
    assert results["chromium"]["outcome"] == "success", out[-3000:]
    assert results["chromium"]["signatures"] == []
    passed = {s["id"]: s["ok"] for s in results["chromium"]["steps"]}
    assert passed[OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id] is True
    assert "failure signature" in proc.stdout and "TypeError" in proc.stdout
    # The end-of-run summary: one line per distinct signature and browser, with its count.
    assert f"Firefox ×1 [J2.2b]: {results['firefox']['signatures'][0]['line']}" in proc.stdout
    assert "/reinitialisation/" not in json.dumps(results, ensure_ascii=False).replace("/reinitialisation/…", ""), "no token anywhere"


@pytest.mark.skipif(not available("chromium"), reason="chromium unavailable")
def test_a_server_error_on_chromium_is_signed_with_its_status_and_error_page(tmp_path) -> None:
    faults = json.dumps({"engine_failure_rates": {"chromium": 1.0}, "failure_endpoint": "reset_submit"})
    proc, results, junit = run_j22b(tmp_path, faults, ["chromium"])
    result = results["chromium"]
    assert result["outcome"] == "failure", (proc.stdout + proc.stderr)[-3000:]
    [sig] = result["signatures"]
    assert (sig["step_id"], sig["status"], sig["path"]) == (OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id, 500,
                                                           "/reinitialisation/…")
    assert sig["heading"] == "Erreur"
    assert sig["js_errors"] == [], "Chromium has navigator.userAgentData: nothing threw"
    assert sig["alerts"] == ["Une erreur est survenue, veuillez réessayer plus tard."]
    assert sig["line"].startswith("Ouvrir le lien et saisir deux fois le nouveau mot de passe · 500 · « Une erreur "
                                  "est survenue, veuillez réessayer plus tard. »"), sig["line"]
    # Chromium echoes the 500 on its console ("Failed to load resource"): the status already says it.
    assert sig["console_errors"] == [], sig
    assert sig["line"] == ("Ouvrir le lien et saisir deux fois le nouveau mot de passe · 500 · « Une erreur est "
                           "survenue, veuillez réessayer plus tard. »")
    assert properties(junit, "chromium")["failure_status"] == "500"
