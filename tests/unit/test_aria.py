"""Accessibility snapshots as data (fixtures.core.aria), their store, and the failure diff in the record."""
from __future__ import annotations

import json
import xml.sax.saxutils
from pathlib import Path

import pytest

from fixtures.core import aria
from fixtures.core.aria_store import MAX_SCREENS, AriaStore, Screen
from fixtures.core.contract import parse_result
from fixtures.core.signature import Signature, junit_properties
from fixtures.secrets.registry import SecretRegistry

#: What Playwright 1.64's ``page.locator("body").aria_snapshot()`` printed for the home page, a
#: password typed (values after the colon), a YAML-quoted key and a ``/url`` property.
HOME = """- banner:
  - link "Extranet activité partielle":
    - /url: /
- main:
  - heading "Extranet activité partielle" [level=1]
  - region "Connexion":
    - paragraph:
      - text: Identifiant
      - textbox "Identifiant": AP7K2M9Q4X
    - paragraph:
      - text: Mot de passe
      - textbox "Mot de passe": Secret-123456!
    - paragraph:
      - button "Se connecter"
    - list:
      - listitem:
        - 'link "J''ai oublié: mon mot de passe"':
          - /url: /reinitialisation/Zk3v8XbQ1mR2tY7uWq9pLs0dFg4hJ6kA
  - paragraph: "Saisissez votre identifiant : AP7K2M9Q4X"
  - alert: Identifiant ou mot de passe incorrect.
"""


def test_parse_reads_roles_names_and_alert_text_and_skips_text_and_properties() -> None:
    elements = aria.parse(HOME)
    assert [(e.role, e.name) for e in elements if e.name][:4] == [
        ("link", "Extranet activité partielle"), ("heading", "Extranet activité partielle"),
        ("region", "Connexion"), ("textbox", "Identifiant")]
    assert ("link", "J'ai oublié: mon mot de passe") in [(e.role, e.name) for e in elements]
    assert aria.Element("alert", text="Identifiant ou mot de passe incorrect.", depth=1) in elements
    assert not any(e.role in ("text",) or e.role.startswith("/") for e in elements)


def test_clean_snapshot_keeps_no_typed_value_url_or_free_text() -> None:
    cleaned = aria.clean_snapshot(HOME)
    for leaked in ("AP7K2M9Q4X", "Secret-123456!", "/reinitialisation", "Zk3v8XbQ1mR2tY7uWq9pLs0dFg4hJ6kA",
                   "Saisissez"):
        assert leaked not in cleaned
    assert '- textbox "Mot de passe"' in cleaned.splitlines()[7].strip() or '  - textbox "Mot de passe"' in cleaned
    assert aria.parse(cleaned) == [e for e in aria.parse(HOME)], "the cleaned text reads back the same elements"


def test_clean_snapshot_runs_the_secret_scrubber_and_bounds_names() -> None:
    registry = SecretRegistry(["Dupont-Durand SARL 42"])
    raw = '- heading "Bienvenue Dupont-Durand SARL 42" [level=1]\n- button "' + "x" * 500 + '\u202e"'
    cleaned = aria.clean_snapshot(raw, registry.scrub_text)
    assert "Dupont-Durand" not in cleaned and "[secret]" in cleaned
    assert all(len(e.name) <= aria.MAX_NAME_CHARS for e in aria.parse(cleaned))
    assert "\u202e" not in cleaned, "a bidi override from the target is not kept"


def renamed(snapshot: str, **changes: str) -> str:
    for old, new in changes.items():
        snapshot = snapshot.replace(old, new)
    return snapshot


def texts(changes: list[aria.ScreenChange]) -> list[str]:
    return [c.text() for c in changes]


def test_diff_names_each_renamed_element_with_its_new_name() -> None:
    failing = renamed(HOME, **{'button "Se connecter"': 'button "Connexion"',
                               'textbox "Identifiant"': 'textbox "Identifiant de connexion"',
                               'heading "Extranet activité partielle"': 'heading "Bienvenue"'})
    assert texts(aria.diff(HOME, failing)) == [
        "heading « Extranet activité partielle » → heading « Bienvenue »",
        "textbox « Identifiant » → textbox « Identifiant de connexion »",
        "button « Se connecter » → button « Connexion »"]


def test_diff_missing_appeared_and_role_changed() -> None:
    good = '- heading "Nouveau mot de passe" [level=1]\n- textbox "Nouveau mot de passe"\n- button "Valider"\n'
    failing = '- heading "Nouveau mot de passe" [level=1]\n- link "Valider"\n- alert: Erreur.\n'
    assert texts(aria.diff(good, failing)) == [
        "textbox « Nouveau mot de passe » missing", "button « Valider » → link « Valider »", "alert « Erreur. » appeared"]
    assert aria.diff(good, good) == []


def test_diff_pairs_two_renamed_buttons_by_similarity_then_position() -> None:
    good = '- button "Envoyer la demande"\n- button "Annuler"\n'
    failing = '- button "Abandonner"\n- button "Envoyer ma demande"\n'
    assert texts(aria.diff(good, failing)) == ["button « Envoyer la demande » → button « Envoyer ma demande »",
                                               "button « Annuler » → button « Abandonner »"]


def test_bounded_keeps_renames_and_missing_first_and_counts_the_rest() -> None:
    changes = [aria.ScreenChange(aria.APPEARED, "link", f"n{i}") for i in range(20)]
    changes.insert(15, aria.ScreenChange(aria.RENAMED, "button", "Valider", "button", "Confirmer"))
    kept, omitted = aria.bounded(changes, 5)
    assert len(kept) == 5 and omitted == 16 and kept[-1].kind == aria.RENAMED


def test_the_diff_travels_in_the_signature_through_the_contract_and_junit_but_not_in_the_line() -> None:
    change = aria.ScreenChange(aria.RENAMED, "button", "Valider", "button", "Confirmer")
    signature = Signature(step_id="login", step="Se connecter", error="TimeoutError: x", screen_changes=(change,),
                          screen_baseline="the last good run (the same browser)")
    assert "Confirmer" not in signature.line, "the grouping line (and any label) never carries target text of the diff"
    record = {"journey": "J1", "browser": "chromium", "outcome": "failure", "signatures": [signature.to_dict()]}
    back = parse_result(json.loads(json.dumps(record))).signatures[0]
    assert back == signature
    assert back.change_lines() == ["what changed on the screen since the last good run (the same browser):",
                                   "  button « Valider » → button « Confirmer »"]
    props = dict(junit_properties(back))
    assert props["failure_screen_change"] == "button « Valider » → button « Confirmer »"
    assert xml.sax.saxutils.escape(props["failure_screen_baseline"])


def test_scrubbed_signature_scrubs_the_changed_names() -> None:
    change = aria.ScreenChange(aria.RENAMED, "heading", "Mon espace", "heading", "Bonjour Jeanne Secrète-Valeur")
    signature = Signature(step_id="login", step="x", screen_changes=(change,))
    scrubbed = signature.scrubbed(SecretRegistry(["Jeanne Secrète-Valeur"]).scrub_text)
    assert scrubbed.screen_changes[0].new_name == "Bonjour [secret]"


def test_store_keeps_the_latest_good_screens_and_falls_back_to_another_browser(tmp_path: Path) -> None:
    store = AriaStore(tmp_path)
    key = {"journey": "J2.2b", "test": "test_x", "step_id": "forgot_password"}
    assert store.baseline_for(browser="chromium", run_id="r2", **key) is None
    store.save(browser="firefox", run_id="r1", screens=[Screen("/", "- button \"A\"")], **key)
    store.save(browser="webkit", run_id="r2", screens=[Screen("/", "- button \"B\"")], **key)
    store.save(browser="firefox", run_id="r0", screens=[Screen("/", "- button \"C\"")], **key)
    fallback = store.baseline_for(browser="chromium", run_id="r2", **key)
    assert fallback is not None and fallback.browser == "webkit", "another browser of the same run first"
    store.save(browser="chromium", run_id="r1", screens=[Screen("/", "old")], **key)
    store.save(browser="chromium", run_id="r2", screens=[Screen(f"/p{i}", "x") for i in range(20)] * 2, **key)
    own = store.baseline_for(browser="chromium", run_id="r2", **key)
    assert own is not None and own.browser == "chromium" and len(own.screens) == MAX_SCREENS
    assert [p.name for p in store.files() if p.parent.name == "chromium"] == ["forgot_password.json"]
    assert not list(tmp_path.rglob("*.tmp")), "no temp file left by the atomic write"


def test_baseline_closest_prefers_the_same_path_then_the_most_alike_screen() -> None:
    from fixtures.core.aria_store import Baseline
    form = '- heading "J\'ai oublié mon mot de passe"\n- textbox "Identifiant"\n- button "Envoyer"'
    done = '- heading "Demande enregistrée"\n- link "Retour à l\'accueil"'
    baseline = Baseline("chromium", "r", 0.0, (Screen("/", HOME), Screen("/mot-de-passe-oublie", form),
                                               Screen("/mot-de-passe-oublie", done)))
    failing = form.replace("Envoyer", "Transmettre")
    assert baseline.closest("/mot-de-passe-oublie", failing) == Screen("/mot-de-passe-oublie", form)
    assert baseline.closest("/ailleurs", failing) == Screen("/mot-de-passe-oublie", form)


@pytest.mark.parametrize(("text", "shown"), [("a\x1bb", "a\\x1bb"), ("a\u202eb", "a\\u202eb"), ("a\ud800b", "a\\ud800b"),
                                             ("a\ufffeb", "a\\ufffeb"), ("a\nb", "a b"), ("a\u2028b", "a b")])
def test_clean_name_shows_controls_as_escapes(text: str, shown: str) -> None:
    """The target's names go through the one cleaner: an escape is visible, and a lone surrogate
    (a name set from script) can still be written as UTF-8 (the doctor's JSON, the snapshot store)."""
    assert aria.clean_name(text) == shown
    assert aria.clean_name(shown) == shown
    assert aria.clean_name("\x1b" * 100).endswith("…") and len(aria.clean_name("\x1b" * 100)) <= aria.MAX_NAME_CHARS


def test_a_name_holding_line_separators_other_than_lf_is_one_element() -> None:
    """Playwright writes C1 and U+2028 raw inside a quoted name: the element is still read (seen
    missing from a hostile screen's diff when lines were split with str.splitlines)."""
    snapshot = "- banner:\n  - 'link \"a\x85b\u2028c\x1cd \\u001b\"':\n    - /url: /x\n- button \"ok\""
    assert [(e.role, e.name) for e in aria.parse(snapshot)] == [
        ("banner", ""), ("link", "a\\x85b c\\x1cd \\x1b"), ("button", "ok")]


def test_monitor_report_shows_the_screen_diff_beside_the_funnel_text_and_html() -> None:
    from monitor.report.funnel_section import funnel_html, funnel_text
    from monitor.stats.funnel import FunnelRun, build
    change = aria.ScreenChange(aria.RENAMED, "button", "Valider", "button", "<b>Confirmer</b>")
    signature = Signature(step_id="login", step="Se connecter", error="TimeoutError", screen_changes=(change,),
                          screen_baseline="the last good run (the same browser)").to_dict()
    steps = [{"id": "login", "name": "Se connecter", "seconds": 1.0, "ok": False}]
    funnels = build([FunnelRun(1.0, "J2.2b", "chromium", "failure", steps, [signature])], ["chromium"])
    text = "\n".join(funnel_text(funnels, "24 h"))
    assert "screen changed: button « Valider » → button « <b>Confirmer</b> »" in text
    assert "screen compared with: the last good run (the same browser)" in text
    page = funnel_html(funnels, "24 h", str)
    assert "<b>screen changed</b>: button « Valider » → button « &lt;b&gt;Confirmer&lt;/b&gt; »" in page


def test_same_screen_finds_a_crossed_screen_where_another_step_kept_it(tmp_path: Path) -> None:
    store = AriaStore(tmp_path)
    form = '- heading "J\'ai oublié mon mot de passe"\n- textbox "Identifiant"\n- button "Envoyer"'
    store.save(journey="R1", test="test_r", browser="chromium", step_id="click_forgot_password", run_id="r",
               screens=[Screen("/", HOME), Screen("/mot-de-passe-oublie", form)])
    store.save(journey="J2.2b", test="test_b", browser="firefox", step_id="x", run_id="r",
               screens=[Screen("/mot-de-passe-oublie", form)])
    found = store.same_screen("chromium", "/mot-de-passe-oublie", form.replace("Envoyer", "Transmettre"),
                              "J2.2b", "test_b")
    assert found is not None and found.step_id == "click_forgot_password" and found.browser == "chromium"
    assert [s.key for s in found.screens] == [("/mot-de-passe-oublie", form)]
    assert store.same_screen("chromium", "/ailleurs", form, "J2.2b", "test_b") is None


def test_same_screen_prefers_a_screen_kept_before_this_run(tmp_path: Path) -> None:
    """A test that passed in this run kept the renamed screen another test failed on: comparing
    with it would say nothing changed, so a screen kept by an earlier run comes first."""
    store = AriaStore(tmp_path)
    form = '- heading "J\'ai oublié mon mot de passe"\n- textbox "Identifiant"\n- button "Envoyer"'
    renamed = form.replace("Envoyer", "Transmettre")
    store.save(journey="R1", test="test_old", browser="chromium", step_id="a", run_id="before",
               screens=[Screen("/mot-de-passe-oublie", form)])
    store.save(journey="R1", test="test_new", browser="chromium", step_id="b", run_id="now",
               screens=[Screen("/mot-de-passe-oublie", renamed)])
    found = store.same_screen("chromium", "/mot-de-passe-oublie", renamed, "J2.2b", "test_b", "now")
    assert found is not None and found.run_id == "before" and found.screens[0].snapshot == form


def test_store_keeps_each_screen_once_with_when_it_was_snapshotted(tmp_path: Path) -> None:
    store = AriaStore(tmp_path)
    key = {"journey": "J2.2b", "test": "test_x", "browser": "chromium", "step_id": "s"}
    store.save(run_id="r", screens=[Screen("/f", "form", 100.0), Screen("/f", "done", 0.0), Screen("/f", "form", 200.0)],
               **key)
    [(step, screens)] = store.kept("J2.2b", "test_x", "chromium").items()
    assert step == "s" and [s.key for s in screens] == [("/f", "done"), ("/f", "form")]
    assert screens[1].saved_at == 200.0 and screens[0].saved_at > 1e9, "a screen without a time gets the file's"


def test_the_store_tells_a_test_s_variants_apart_but_not_its_browsers() -> None:
    from types import SimpleNamespace

    from fixtures.plugin.aria_snapshots import stored_test_name
    item = SimpleNamespace(originalname="test_demande", callspec=SimpleNamespace(id="chromium-assistance-technique"))
    assert stored_test_name(item, "chromium") == "test_demande[assistance-technique]"  # type: ignore[arg-type]
    plain = SimpleNamespace(originalname="test_accueil", callspec=SimpleNamespace(id="webkit"))
    assert stored_test_name(plain, "webkit") == "test_accueil"  # type: ignore[arg-type]
