"""``python -m monitor doctor`` on the reference extranet, as a QA engineer runs it: unchanged, under
``/aparts``, it finds every expected element (exit 0) with GETs only; a dead target or a base URL
without the portal's path is said as such; relabelled (``label_overrides``: a button, a textbox's
label, a heading) it names each missing element with the renamed one as its closest candidate,
on every engine (exit 1)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.engines.resolve import resolve_engine
from fixtures.services.ports import free_port
from fixtures.services.processes import start_extranet

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RENAMES = {"Envoyer": "Transmettre", "Identifiant": "Votre identifiant", "Créer mon espace": "Ouvrir un espace",
           # two fields of one form: alone, « Courriel » is nearer « Numéro SIRET » than « Adresse électronique »
           "N° de SIRET": "Numéro SIRET", "Courriel": "Adresse électronique"}
#: (page object, expected element) → the renamed element that must be its first candidate.
EXPECTED = {("MotDePasseOubliePage", "button", "Envoyer"): ("button", "Transmettre"),
            ("IdentifiantOubliePage", "button", "Envoyer"): ("button", "Transmettre"),
            ("MotDePasseOubliePage", "textbox", "Identifiant"): ("textbox", "Votre identifiant"),
            ("AccueilPage", "textbox", "Identifiant"): ("textbox", "Votre identifiant"),
            ("CreationEspacePage", "heading", "Créer mon espace"): ("heading", "Ouvrir un espace"),
            **{(screen, "textbox", old): ("textbox", new) for old, new in RENAMES.items() if old in ("N° de SIRET", "Courriel")
               for screen in ("IdentifiantOubliePage", "AssistancePage", "AssistancePage(technique=True)")},
            ("CreationEspacePage", "textbox", "N° de SIRET"): ("textbox", "Numéro SIRET")}


def doctor(tmp_path: Path, browsers: list[str], faults: dict | None = None,
           target: Path | None = None) -> tuple[subprocess.CompletedProcess, list]:
    out = tmp_path / "doctor.json"
    argv = [sys.executable, "-m", "monitor", "doctor", "--json", str(out), *[a for b in browsers for a in ("--browser", b)],
            *(["--target-config", str(target)] if target else [])]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
                          env={**os.environ, "EXTRANET_FAULTS": json.dumps(faults or {})})
    return proc, json.loads(out.read_text(encoding="utf-8")) if out.exists() else []


def target_file(tmp_path: Path, base_url: str) -> Path:
    config = tmp_path / "target.toml"
    config.write_text(f'[target]\nbase_url = "{base_url}"\nallow_writes = false\n', encoding="utf-8")
    return config


def test_the_unchanged_reference_under_a_path_meets_every_expectation_read_only(tmp_path: Path) -> None:
    """A target the user runs, under ``/aparts`` as the real portal is: exit 0 on every engine, and
    the target saw only GETs (its access log: no form submitted, nothing written)."""
    browsers = [b for b in ("chromium", "firefox", "webkit") if resolve_engine(b).available]
    if not browsers:
        pytest.skip("no engine available")
    extranet = start_extranet(tmp_path / "extranet", smtp_host="127.0.0.1", smtp_port=9, operator_key=None,
                              root_path="/aparts")
    try:
        proc, reports = doctor(tmp_path, browsers, target=target_file(tmp_path, extranet.base_url))
    finally:
        extranet.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("every expected element was found")
    assert [r["browser"] for r in reports] == browsers
    for report in reports:
        opened = [s for s in report["screens"] if s["opened"]]
        assert len(opened) == 7 and all(e["found"] for s in opened for e in s["elements"]), report["browser"]
        assert all(s["path"].startswith("/aparts/") for s in opened), [s["path"] for s in opened]
    assert "LienInvalidePage /aparts/reinitialisation/… (404)" in proc.stdout, "the forged link's token is masked"
    methods = re.findall(r"extranet\.access: ([A-Z]+) ", "".join(
        log.read_text(encoding="utf-8") for log in (tmp_path / "extranet").glob("extranet-*.log")))
    assert len(methods) >= 7 * len(browsers) and set(methods) == {"GET"}, sorted(set(methods))


@pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")
def test_a_dead_target_and_a_base_url_without_the_portal_s_path_are_said_as_such(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    proc, _ = doctor(tmp_path, ["chromium"], target=target_file(tmp_path, f"http://127.0.0.1:{port}/aparts"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "=> the target could not be reached (could not open it: Page.goto: net::ERR_CONNECTION_REFUSED" in proc.stdout
    extranet = start_extranet(tmp_path / "extranet", smtp_host="127.0.0.1", smtp_port=9, operator_key=None,
                              root_path="/aparts")
    try:  # the portal lives under /aparts; base_url forgot it
        proc, _ = doctor(tmp_path, ["chromium"], target=target_file(tmp_path, extranet.base_url.removesuffix("/aparts")))
    finally:
        extranet.stop()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "=> every screen answered HTTP 404 and showed none of its elements: is base_url" in proc.stdout, proc.stdout


def test_the_relabelled_reference_names_each_rename_on_every_engine(tmp_path: Path) -> None:
    browsers = [b for b in ("chromium", "firefox", "webkit") if resolve_engine(b).available]
    if not browsers:
        pytest.skip("no engine available")
    proc, reports = doctor(tmp_path, browsers, {"label_overrides": RENAMES})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {r["browser"] for r in reports} == set(browsers)
    for report in reports:
        missing = {(s["page_object"], e["role"], e["name"]): e["candidates"]
                   for s in report["screens"] for e in s["elements"] if not e["found"]}
        assert set(missing) == set(EXPECTED), (report["browser"], sorted(missing))
        for key, (role, name) in EXPECTED.items():
            first = missing[key][0]
            assert (first["role"], first["name"]) == (role, name), (report["browser"], key, missing[key])
    assert "button « Envoyer »" in proc.stdout and "MISSING — closest: button « Transmettre »" in proc.stdout
