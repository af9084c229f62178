"""The per-step funnel's arithmetic and the grouping of failure signatures (monitor/stats/funnel.py)."""
from __future__ import annotations

import html
from typing import Any

from fixtures.core.signature import Signature
from fixtures.core.steps import (
    LIRE_COURRIEL_REINITIALISATION,
    MOT_DE_PASSE_OUBLIE,
    OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE,
    SE_CONNECTER_NOUVEAU_MOT_DE_PASSE,
)
from monitor.stats.funnel import FunnelRun, build, drop_clause

STEPS = [MOT_DE_PASSE_OUBLIE, LIRE_COURRIEL_REINITIALISATION, OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE,
         SE_CONNECTER_NOUVEAU_MOT_DE_PASSE]
ALERT = "La vérification de sécurité de votre navigateur a échoué : votre mot de passe n'a pas été modifié."


def as_fields(signature: dict[str, Any]) -> dict[str, Any]:
    """A signature's JSON (lists) as Signature's fields (tuples)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in signature.items()}


def steps_until(failed_at: int | None) -> list[dict]:
    """The steps a run recorded: all passed, or passed up to ``failed_at`` which failed (and the run stopped)."""
    out = []
    for i, e in enumerate(STEPS):
        if failed_at is not None and i > failed_at:
            break
        out.append({"id": e.id, "name": e.name, "seconds": 1.0, "ok": failed_at is None or i < failed_at})
    return out


def firefox_signature() -> dict:
    return Signature(step_id=OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id, step=OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.name,
                     status=422, alerts=(ALERT,), js_errors=("TypeError: data is undefined",)).to_dict()


def scenario() -> list[FunnelRun]:
    runs = [FunnelRun(100.0 + i, "J2.2b", "chromium", "success", steps_until(None)) for i in range(3)]
    runs += [FunnelRun(200.0 + i, "J2.2b", "firefox", "failure", steps_until(2), [firefox_signature()],
                       [f"/a/{i}/test-failed-1.png", f"/a/{i}/trace.zip"]) for i in range(3)]
    # A probe error judges nothing: out of the funnel, its signature still listed.
    runs.append(FunnelRun(300.0, "J2.2b", "firefox", "probe_error", [],
                          [Signature(step_id="none", step="hors étape", error="BrowserCrashed: gone").to_dict()]))
    # The mail never came for one webkit run: it dropped at reading the mail.
    runs.append(FunnelRun(400.0, "J2.2b", "webkit", "mail_not_received", steps_until(1), []))
    # An engine not installed here: no column, it judged nothing.
    runs.append(FunnelRun(500.0, "J2.2b", "edge", "unavailable", [], []))
    return runs


def test_reached_passed_and_dropped_per_step_and_browser() -> None:
    [funnel] = build(scenario(), browsers=["chromium", "firefox", "webkit"])
    assert funnel.browsers == ["chromium", "firefox", "webkit"]
    assert funnel.runs == {"chromium": 3, "firefox": 3, "webkit": 1}, "the probe error is not counted"
    assert funnel.succeeded == {"chromium": 3}
    rows = {r.id: r for r in funnel.steps}
    assert [r.id for r in funnel.steps] == [e.id for e in STEPS], "procedure order"
    reset = rows[OUVRIR_LIEN_NOUVEAU_MOT_DE_PASSE.id]
    assert (reset.reached, reset.passed) == ({"chromium": 3, "firefox": 3}, {"chromium": 3})
    assert reset.dropped("firefox") == 3 and reset.dropped("chromium") == 0
    login = rows[SE_CONNECTER_NOUVEAU_MOT_DE_PASSE.id]
    assert login.reached == {"chromium": 3}, "firefox never reached the login"
    mail = rows[LIRE_COURRIEL_REINITIALISATION.id]
    assert (mail.reached["webkit"], mail.passed.get("webkit", 0)) == (1, 0)
    assert funnel.drop_step("firefox") is reset and funnel.drop_step("chromium") is None


def test_signatures_are_grouped_with_counts_first_and_last_seen_and_the_latest_artifacts() -> None:
    [funnel] = build(scenario())
    [group, crash] = funnel.top_signatures("firefox")
    assert (group.count, group.first_seen, group.last_seen) == (3, 200.0, 202.0)
    assert group.outcomes == {"failure": 3}
    assert (group.screenshot, group.trace) == ("/a/2/test-failed-1.png", "/a/2/trace.zip")
    assert crash.outcomes == {"probe_error": 1}
    assert funnel.top_signatures("chromium") == []


def test_the_drop_clause_names_the_step_the_ratio_and_the_cause() -> None:
    [funnel] = build(scenario())
    assert drop_clause(funnel, "firefox", "Firefox") == (
        "Firefox fails at « Ouvrir le lien et saisir deux fois le nouveau mot de passe » (3/3: 422 · « La "
        "vérification de sécurité de votre navigateur a échoué… » · TypeError: data is undefined)")
    assert drop_clause(funnel, "chromium") is None


def test_a_run_of_several_tests_counts_a_step_once_and_fails_it_if_any_test_did() -> None:
    both = steps_until(None)[:2] + steps_until(1)[:2]  # two tests: the second fails at reading the mail
    [funnel] = build([FunnelRun(1.0, "J2", "chromium", "failure", both)])
    mail = next(r for r in funnel.steps if r.id == LIRE_COURRIEL_REINITIALISATION.id)
    assert (mail.reached, mail.passed) == ({"chromium": 1}, {})
    first = next(r for r in funnel.steps if r.id == MOT_DE_PASSE_OUBLIE.id)
    assert (first.reached, first.passed) == ({"chromium": 1}, {"chromium": 1})


# -- through the store and the report -----------------------------------------------------------
def store_three_cycles(path, tmp_path) -> None:
    from fixtures.core.contract import JourneyResult, Step
    from monitor.store.results_db import Store
    shot, trace = tmp_path / "a" / "test-failed-1.png", tmp_path / "a" / "trace.zip"
    shot.parent.mkdir()
    shot.write_bytes(b"png")
    trace.write_bytes(b"zip")
    with Store.open_writer(path) as store:
        for i in range(3):
            c = store.start_cycle(["J2.2b"], ["chromium", "firefox"], now=1000.0 + i)
            ok = tuple(Step(**{k: v for k, v in s.items()}) for s in steps_until(None))
            ko = tuple(Step(**{k: v for k, v in s.items()}) for s in steps_until(2))
            store.record_attempt(c, 1, [
                JourneyResult("J2.2b", "chromium", "success", steps=ok),
                JourneyResult("J2.2b", "firefox", "failure", steps=ko, signatures=(Signature(**as_fields(
                    firefox_signature())),),
                    artifacts=(str(shot), str(trace)))], now=1000.0 + i)
            store.finish_cycle(c, "completed", now=1000.0 + i)


def test_the_report_shows_the_funnel_the_signature_and_where_firefox_fails(tmp_path) -> None:
    from monitor.report.history_html import render_html
    from monitor.report.history_model import compute
    from monitor.report.history_text import render_text
    from monitor.store.results_db import Store
    db = tmp_path / "m.db"
    store_three_cycles(db, tmp_path)
    with Store.open_reader(db) as store:
        data = compute(store, [86400], browsers=["chromium", "firefox"], now=2000.0)
    text = render_text(data)
    assert ("J2.2b: Firefox fails at « Ouvrir le lien et saisir deux fois le nouveau mot de passe » (3/3: 422 · "
            "« La vérification de sécurité de votre navigateur a échoué… » · TypeError: data is undefined); "
            "Chromium passes it (3/3)") in text
    # The verdict (whatever its statistics say) names where its worse browser fails.
    assert data.headline.endswith(" Where: on J2.2b, Firefox fails at « Ouvrir le lien et saisir deux fois le nouveau "
                                  "mot de passe » (3/3: 422 · « La vérification de sécurité de votre navigateur a "
                                  "échoué… » · TypeError: data is undefined)."), data.headline
    row = next(line for line in text.splitlines() if line.strip().startswith("Ouvrir le lien et saisir"))
    assert row.split()[-3:] == ["3/3", "0/3", "✗3"], row
    assert "×3 (3 failure)" in text and "test-failed-1.png" in text
    page = render_html(data, tmp_path / "report.html")
    assert "Where each browser drops out" in page and "0/3 ✗3" in page
    assert 'href="a/test-failed-1.png"' in page and 'href="a/trace.zip"' in page
    assert f"<b>alert</b>: {html.escape(ALERT, quote=True)}" in page, "the alert in full, not only shortened"
    assert "<b>status</b>: 422" in page and "<b>JavaScript error</b>: TypeError: data is undefined" in page
    assert f"alert: {ALERT}" in text
