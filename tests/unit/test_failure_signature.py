"""Failure signatures (pure half) and the step vocabulary: masking, the normalized line, labels."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from fixtures.core.signature import Signature, junit_properties, mask_path, mask_urls
from fixtures.core.steps import AUTRE, ETAPES, HORS_ETAPE, OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE, STEP_IDS, Etape, etape
from fixtures.plugin.journey import JourneyRecord
from fixtures.secrets.registry import SecretRegistry

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "q8Zr3kP1xYvB7nM2cD5fG9hJ0kL4mN6p"
ALERT = ("La vérification de sécurité de votre navigateur a échoué : votre mot de passe n'a pas été modifié. "
         "Essayez avec un autre navigateur.")


def test_a_reset_link_path_keeps_its_words_and_loses_its_token_query_and_fragment() -> None:
    assert mask_path(f"http://127.0.0.1:8000/reinitialisation/{TOKEN}?a=b#c") == "/reinitialisation/…"
    assert mask_path("https://x.invalid/activation/abcdefghijklmnopqrstuvwxyzabcdefgh") == "/activation/…"
    assert mask_path("http://h/mot-de-passe-oublie?identifiant=AP7K2M9Q4X") == "/mot-de-passe-oublie"
    assert mask_path("http://h/creer-mon-espace/compte") == "/creer-mon-espace/compte"
    assert mask_path(None) is None


def test_urls_inside_console_text_are_reduced_to_masked_paths() -> None:
    text = f"Failed to load http://127.0.0.1:8000/reinitialisation/{TOKEN}?x=1 (404)"
    assert mask_urls(text) == "Failed to load /reinitialisation/… (404)"


def firefox_signature() -> Signature:
    return Signature(step_id=OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id, step=OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.name,
                     path="/reinitialisation/…", status=422, heading="Nouveau mot de passe", alerts=(ALERT,),
                     js_errors=('TypeError: can\'t access property "platform", data is undefined',),
                     error="AssertionError: expected the heading « Mot de passe modifié »")


def test_the_line_reads_step_status_alert_and_first_page_error() -> None:
    assert firefox_signature().line == (
        "Ouvrir le lien et saisir deux fois le nouveau mot de passe · 422 · « La vérification de sécurité de "
        "votre navigateur a échoué… » · TypeError: can't access property \"platform\", data is undefined")


def test_without_alert_the_line_names_the_heading_and_without_page_error_the_expectation() -> None:
    sig = Signature(step_id="login", step="Se connecter", status=200, heading="Extranet activité partielle",
                    error="AssertionError: expected the heading « Mon espace »")
    assert sig.line == ("Se connecter · 200 · page « Extranet activité partielle » · "
                          "AssertionError: expected the heading « Mon espace »")


def test_the_line_is_stable_across_runs_of_the_same_cause() -> None:
    a = firefox_signature()
    b = dataclasses.replace(a, error="AssertionError: something with a different wording", line="")
    assert a.line == b.line


def test_scrubbing_masks_registered_secrets_and_tokens_in_every_field() -> None:
    password = "N0uveau-Mot-de-passe!"
    registry = SecretRegistry([password, f"http://127.0.0.1:8000/reinitialisation/{TOKEN}"])
    sig = Signature(step_id="login", step="Se connecter", path="/", alerts=(f"mot de passe {password} refusé",),
                    console_errors=(f"GET http://127.0.0.1:8000/reinitialisation/{TOKEN} 404",),
                    js_errors=(f"Error: {password}",), failed_requests=(f"GET /x?{TOKEN}: net::ERR_FAILED",),
                    error=f"AssertionError: {password}")
    clean = sig.scrubbed(registry.scrub_text).to_dict()
    text = repr(clean)
    assert password not in text and TOKEN not in text
    assert clean["console_errors"] == ["GET /reinitialisation/… 404"]


def test_junit_properties_carry_the_line_and_each_field() -> None:
    props = dict(junit_properties(firefox_signature()))
    assert props["failure_signature"].startswith("Ouvrir le lien")
    assert props["failure_status"] == "422"
    assert props["failure_step_id"] == "open_reset_link_new_password"
    assert props["failure_alert"] == ALERT
    assert props["failure_js_error"].startswith("TypeError")
    assert junit_properties(None) == []


def test_a_record_without_pages_still_signs_the_failed_step_and_the_error() -> None:
    record = JourneyRecord("J2.2b", "firefox")
    record.secret("S3cret-Passw0rd!")
    with pytest.raises(AssertionError), record.step(OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE):
        raise AssertionError("S3cret-Passw0rd! refused")
    sig = record.capture_signature(AssertionError("S3cret-Passw0rd! refused"))
    assert sig.step_id == "open_reset_link_new_password"
    assert "S3cret-Passw0rd!" not in repr(sig)
    assert record.capture_signature(None) is sig, "captured once, at the first failure"


def test_a_failure_outside_any_step_is_signed_hors_etape() -> None:
    record = JourneyRecord("J2.2b", "firefox")
    with record.step(OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE):
        pass
    assert record.capture_signature(RuntimeError("boom")).step_id == HORS_ETAPE.id


# -- the step vocabulary ----------------------------------------------------------------------
def test_step_ids_are_unique_snake_case_labels_and_words_are_unique() -> None:
    assert len(set(STEP_IDS)) == len(STEP_IDS)
    assert all(i.replace("_", "").isalnum() and i == i.lower() for i in STEP_IDS)
    words = [e.name for e in ETAPES.values()]
    assert len(set(words)) == len(words), "two ids for the same words would split one step"


def test_words_find_their_step_and_unknown_words_get_the_bounded_label() -> None:
    assert etape("Ouvrir le lien et saisir deux fois le nouveau mot de passe") is OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE
    custom = etape("Mon étape à moi")
    assert (custom.id, custom.name) == (AUTRE.id, "Mon étape à moi")
    with pytest.raises(ValueError, match="fixtures/core/steps.py"):
        etape(Etape("made_up", "Inventée"))


def test_the_repository_journeys_name_steps_with_constants_only() -> None:
    """A string literal in ``journey.step(...)`` would bypass the vocabulary (label ``other``)."""
    offenders = []
    for path in sorted((ROOT / "journeys").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step"
                    and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, f"journey.step() with free text (use fixtures/core/steps.py): {offenders}"


def test_the_signature_round_trips_through_the_results_contract() -> None:
    from fixtures.core.contract import JourneyResult, Step, parse_result
    step = OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE
    record = JourneyResult(journey="J2.2b", browser="firefox", outcome="failure",
                           steps=(Step(step.name, 1.0, False, step.id),), signatures=(firefox_signature(),))
    back = parse_result(record.to_dict())
    assert back == record
    assert back.signatures[0].line == firefox_signature().line and back.steps[0].id == OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id


def test_the_end_of_run_summary_lists_distinct_signatures_per_browser_with_counts() -> None:
    from fixtures.core.contract import JourneyResult
    from fixtures.plugin.results_output import signature_lines
    sig = firefox_signature()
    other = Signature(step_id="login", step="Se connecter", status=200, heading="Extranet activité partielle")
    results = [JourneyResult("J2.2b", "firefox", "failure", signatures=(sig,)),
               JourneyResult("J2.2c", "firefox", "failure", signatures=(sig,)),
               JourneyResult("J2.2a", "firefox", "failure", signatures=(other,)),
               JourneyResult("J2.2b", "chromium", "success")]
    assert signature_lines(results) == [
        "failure signatures per browser:",
        f"  Firefox ×2 [J2.2b, J2.2c]: {sig.line}",
        f"  Firefox ×1 [J2.2a]: {other.line}",
    ]
    assert signature_lines(results[3:]) == []
