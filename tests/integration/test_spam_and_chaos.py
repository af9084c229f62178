"""SpamAssassin (spamd) and Mailpit's SMTP chaos, wired into the suite and off by default.

- fixtures/services/spamd.py starts spamd with a PING/PONG readiness check;
- a Mailpit started with ``--enable-spamassassin`` scores the extranet's normal mails low and
  its ``spammy_mail`` mails high;
- the journeys, run as a user runs them (pytest in a child process), with ``--spamassassin``
  record each mail's score and *warn* (``spam_flagged``) without failing; with
  ``--mailpit-chaos`` an SMTP refusal ends as ``mail_not_received``.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

# tests/ is on sys.path (pytest inserts a test file's folder): helpers import by name
from support.child_pytest import run_pytest
from support.service_helpers import start_or_skip

from fixtures.engines.resolve import resolve_engine
from fixtures.mail.mailpit import MailpitClient
from fixtures.services.processes import start_extranet, start_mailpit
from fixtures.services.spamd import SpamdService, spamd_pong, start_spamd
from fixtures.target.identity import new_identity
from fixtures.target.operator import OperatorClient

pytestmark = pytest.mark.integration
KEY = "spam-key-" + uuid.uuid4().hex[:8]
J22B = "journeys/test_j2_2b_mot_de_passe_oublie.py"


@pytest.fixture(scope="module")
def spamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpamdService]:
    service = start_or_skip(lambda: start_spamd(tmp_path_factory.mktemp("spamd")), "spamd_missing")
    yield service
    service.stop()


def test_spamd_is_ready_then_stops(spamd: SpamdService, tmp_path: Path) -> None:
    assert spamd_pong(spamd.host, spamd.port)
    other = start_spamd(tmp_path)
    assert other.port != spamd.port and spamd_pong(other.host, other.port)
    other.stop()
    assert not other.process.alive() and not spamd_pong(other.host, other.port)


def test_normal_mail_scores_low_spammy_mail_high(spamd: SpamdService, tmp_path: Path) -> None:
    mailpit = start_mailpit(tmp_path, spamassassin=spamd.address)
    extranet = start_extranet(tmp_path, smtp_host=mailpit.smtp_host, smtp_port=mailpit.smtp_port, operator_key=KEY)
    operator = OperatorClient(extranet.base_url, KEY)
    try:
        import httpx
        account = operator.seed_account(new_identity(f"s-{uuid.uuid4().hex[:10]}@example.test", lambda _v: None))
        scores = {}
        with MailpitClient(mailpit.http_url) as client, httpx.Client(base_url=extranet.base_url) as http:
            for spammy in (False, True):
                operator.set_faults({"spammy_mail": spammy})
                form = http.get("/mot-de-passe-oublie").text
                csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
                with client.expect_mail(f'to:"{account.courriel}"', timeout=30) as waiter:
                    assert http.post("/mot-de-passe-oublie", data={"csrf_token": csrf,
                                                                    "identifiant": account.identifiant}).status_code == 200
                mail = waiter.value
                assert mail.spam_score is not None, "the started Mailpit scores every mail"
                scores[spammy] = (mail.spam_score, mail.spam_is_spam)
        assert scores[False][0] is not None and scores[False][0] < 5 and scores[False][1] is False, scores
        assert scores[True][0] is not None and scores[True][0] >= 5 and scores[True][1] is True, scores
    finally:
        operator.close()
        extranet.stop()
        mailpit.stop()


# -- the suite's options, as a user runs them -----------------------------------------------------------
needs_chromium = pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")


@needs_chromium
def test_spamassassin_option_warns_without_failing(spamd: SpamdService, tmp_path: Path) -> None:
    proc, results = run_pytest(tmp_path, J22B, "--browser", "chromium", "--spamassassin",
                                 env={"EXTRANET_FAULTS": '{"spammy_mail": true}'})
    assert proc.returncode == 0, proc.stdout[-2000:]
    (result,) = results
    assert result["outcome"] == "success" and result["spam_flagged"] is True
    assert result["spam_scores"] and min(result["spam_scores"]) >= 5


@needs_chromium
def test_without_spamassassin_no_score_and_no_flag(tmp_path: Path) -> None:
    proc, results = run_pytest(tmp_path, J22B, "--browser", "chromium")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert results[0]["spam_scores"] == [] and results[0]["spam_flagged"] is False


@needs_chromium
def test_mailpit_chaos_smtp_refusal_is_mail_not_received(tmp_path: Path) -> None:
    proc, results = run_pytest(tmp_path, J22B, "--browser", "chromium", "--mailpit-chaos", "Recipient:451:100",
                                 "--mail-timeout", "3")
    assert proc.returncode == 1, proc.stdout[-2000:]
    (result,) = results
    assert result["outcome"] == "mail_not_received", result


def test_options_refused_with_a_user_mailpit(tmp_path: Path) -> None:
    proc, _ = run_pytest(tmp_path, J22B, "--browser", "chromium", "--spamassassin",
                           "--mailpit-url", "http://127.0.0.1:9")
    assert proc.returncode == 4 and "--enable-spamassassin" in proc.stderr + proc.stdout
