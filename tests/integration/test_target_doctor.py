"""``python -m monitor doctor`` on the reference extranet, as a QA engineer runs it: unchanged it
finds every expected element (exit 0); relabelled (``label_overrides``: a button, a textbox's
label, a heading) it names each missing element with the renamed one as its closest candidate,
on every engine (exit 1)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.engines.resolve import resolve_engine

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


def doctor(tmp_path: Path, browsers: list[str], faults: dict | None = None) -> tuple[subprocess.CompletedProcess, list]:
    out = tmp_path / "doctor.json"
    argv = [sys.executable, "-m", "monitor", "doctor", "--json", str(out), *[a for b in browsers for a in ("--browser", b)]]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
                          env={**os.environ, "EXTRANET_FAULTS": json.dumps(faults or {})})
    return proc, json.loads(out.read_text(encoding="utf-8")) if out.exists() else []


@pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")
def test_the_unchanged_reference_meets_every_expectation(tmp_path: Path) -> None:
    proc, [report] = doctor(tmp_path, ["chromium"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("every expected element was found")
    opened = [s for s in report["screens"] if s["opened"]]
    assert len(opened) == 7 and all(e["found"] for s in opened for e in s["elements"])
    assert "LienInvalidePage /reinitialisation/… (404)" in proc.stdout, "the forged link's token is masked"


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
