"""The mail path read from headers alone: verdicts, hops, links and the sentence that explains them."""
from __future__ import annotations

import json
from typing import Sequence

import pytest

from fixtures.core.contract import JourneyResult, ResultsFileError, parse_result
from fixtures.core.mail_path import MailHop, MailPath, explain
from fixtures.core.placement import Placement
from fixtures.mail.path import link_problem, read_auth, read_hops, read_path
from fixtures.mail.source import Mail

FROM = "Extranet activité partielle <ne-pas-repondre@activitepartielle.invalid>"
DATE = "Wed, 02 Dec 2026 01:00:00 +0000"


def _received(by: str, stamp: str | None, recipient: str = "aparts+x1@sentinel.invalid") -> str:
    return f"from client.example (client.example [127.0.0.1]) by {by} with ESMTP id 4AbC for <{recipient}>" + \
        (f"; {stamp}" if stamp else "")


def _mail(*, auth: Sequence[str] = (), received: Sequence[str] = (), html: str = "", placement: Placement | None = None,
          kind: str = "reinitialisation") -> Mail:
    headers: dict[str, list[str]] = {"From": [FROM], "Date": [DATE], "X-Extranet-Kind": [kind]}
    if auth:
        headers["Authentication-Results"] = list(auth)
    if received:
        headers["Received"] = list(received)
    return Mail("1", "Réinitialisation de votre mot de passe", ["aparts@sentinel.invalid"], "x", "", html,
                headers, created=0.0, placement=placement)


CLEAN = ("mx.sentinel.invalid; spf=pass smtp.mailfrom=ne-pas-repondre@bounces.activitepartielle.invalid; "
         "dkim=pass header.d=activitepartielle.invalid header.s=sentinel header.b=AbCdEf; "
         "dmarc=pass (p=quarantine dis=none) header.from=activitepartielle.invalid")
BODY_BROKEN = ("mx.sentinel.invalid; spf=pass smtp.mailfrom=ne-pas-repondre@bounces.activitepartielle.invalid; "
               "dkim=fail reason=\"body hash mismatch\" header.d=activitepartielle.invalid header.s=sentinel; "
               "dmarc=fail (p=quarantine dis=quarantine) header.from=activitepartielle.invalid")


def test_clean_mail_shows_three_passes_and_is_ok() -> None:
    path = read_path(_mail(auth=[CLEAN]), "http://127.0.0.1:8000")
    assert (path.spf, path.dkim, path.dmarc, path.authenticated_by) == ("pass", "pass", "pass", "mx.sentinel.invalid")
    assert path.dmarc_policy == "none"  # dis= (what was applied) wins over p= (what was published)
    assert (path.verdict, path.explanation) == ("ok", "spf=pass dkim=pass dmarc=pass")


def test_no_authentication_results_is_none_everywhere() -> None:
    path = read_path(_mail(), "http://127.0.0.1:8000")
    assert (path.spf, path.dkim, path.dmarc, path.authenticated_by) == ("none", "none", "none", None)
    assert path.explanation == "no Authentication-Results (not checked on the way)"


def test_broken_body_in_junk_is_explained_as_a_gateway_would() -> None:
    path = read_path(_mail(auth=[BODY_BROKEN], placement=Placement.JUNK), "http://127.0.0.1:8000")
    assert (path.dkim, path.dkim_reason, path.dmarc, path.dmarc_policy) == \
        ("fail", "body hash mismatch", "fail", "quarantine")
    assert (path.verdict, path.explanation) == ("warning", "in Junk: DKIM fail (body hash mismatch), DMARC quarantine")


def test_gmail_style_comment_is_the_reason_and_topmost_header_wins() -> None:
    gmail = ("mx.google.com; dkim=neutral (body hash did not verify) header.i=@activitepartielle.invalid "
             "header.s=s1 header.b=Zz; spf=softfail (google.com: domain of transitioning bounce+aparts=corp.fr@"
             "activitepartielle.invalid does not designate 192.0.2.9 as permitted sender) smtp.mailfrom="
             "bounce+aparts=corp.fr@activitepartielle.invalid; dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) "
             "header.from=activitepartielle.invalid")
    fields = read_auth([gmail, CLEAN], FROM)
    assert fields["dkim"] == "neutral" and fields["dkim_reason"] == "body hash did not verify"
    assert fields["spf"] == "softfail" and "@" not in str(fields["spf_reason"])  # VERP carries the recipient
    assert "corp.fr" not in str(fields["spf_reason"])
    assert fields["dmarc_policy"] == "quarantine" and fields["dmarc_reason"] is None


def test_a_reason_never_carries_a_link_or_a_control_sequence() -> None:
    """Whoever wrote the header is untrusted: a link (a gateway's lookup page, a token in it) is masked,
    a terminal escape or bidi override is shown escaped (fixtures.core.untrusted), the whole bounded."""
    header = ("mx.corp.example; spf=pass smtp.mailfrom=ne-pas-repondre@bounces.activitepartielle.invalid; "
              "dkim=fail (see https://gw.corp.example/why?msg=Tok3nS3cr3t \x1b]0;pwned\x07\u202egnp.exe) "
              "header.d=activitepartielle.invalid; dmarc=pass header.from=activitepartielle.invalid")
    reason = str(read_auth([header], FROM)["dkim_reason"])
    assert "Tok3nS3cr3t" not in reason and "://" not in reason, reason
    assert "\x1b" not in reason and "\u202e" not in reason and "\\x1b" in reason and "\\u202e" in reason, reason
    assert reason.startswith("see …") and len(reason) <= 80


def test_a_utf8_reason_keeps_the_verdicts() -> None:
    """A French gateway's comment or reason in UTF-8 (RFC 8616): authres alone would refuse the
    whole header, read as « not checked on the way »."""
    header = ("mx.corp.example; spf=pass smtp.mailfrom=ne-pas-repondre@bounces.activitepartielle.invalid; "
              "dkim=fail reason=\"clé publique introuvable\" header.d=activitepartielle.invalid; "
              "dmarc=fail (politique appliquée : p=quarantine dis=quarantine) header.from=activitepartielle.invalid")
    path = read_path(_mail(auth=[header], placement=Placement.JUNK), "http://127.0.0.1:8000")
    assert (path.spf, path.dkim, path.dmarc, path.dmarc_policy) == ("pass", "fail", "fail", "quarantine"), path
    assert path.explanation == "in Junk: DKIM fail (clé publique introuvable), DMARC quarantine"


def test_misaligned_domains_are_said_when_the_gateway_gives_no_reason() -> None:
    header = ("mx.sentinel.invalid; spf=pass smtp.mailfrom=envoi@routeur-mail.invalid; "
              "dkim=pass header.d=routeur-mail.invalid; dmarc=fail policy.dmarc=quarantine "
              "header.from=activitepartielle.invalid")
    path = read_path(_mail(auth=[header], placement=Placement.JUNK), "http://127.0.0.1:8000")
    assert (path.spf_aligned, path.dkim_aligned) == (False, False)
    assert path.explanation == "in Junk: DMARC quarantine (SPF and DKIM not aligned with From)"


def test_spf_fail_saved_by_dkim_is_a_warning_in_the_inbox() -> None:
    header = ("mx.sentinel.invalid; spf=fail smtp.mailfrom=ne-pas-repondre@bounces.activitepartielle.invalid; "
              "dkim=pass header.d=activitepartielle.invalid; dmarc=pass header.from=activitepartielle.invalid")
    path = read_path(_mail(auth=[header], placement=Placement.INBOX), "http://127.0.0.1:8000")
    assert (path.verdict, path.explanation) == ("warning", "SPF fail (sender not allowed); DMARC pass through DKIM")


def test_malformed_authentication_results_is_skipped_for_an_older_one() -> None:
    assert read_auth(["garbage ;; = (", CLEAN], FROM)["dkim"] == "pass"
    assert read_auth(["mx.example; dkim=splendid header.d=x"], FROM)["dkim"] == "other"  # bounded vocabulary


def test_hops_oldest_first_with_delays_skew_and_missing_dates() -> None:
    chain = [  # topmost (newest) first, as in the mail
        _received("imap.corp.example", "Wed, 02 Dec 2026 01:00:50 +0000"),
        _received("filter.corp.example", "Wed, 02 Dec 2026 01:00:02 +0000"),
        _received("mx.corp.example", "Wed, 02 Dec 2026 01:00:05 +0000"),  # 3 s later than its successor: skew
        _received("edge.corp.example", None),  # no date at all
    ]
    hops = read_hops(chain, DATE)
    assert [h.by for h in hops] == ["edge.corp.example", "mx.corp.example", "filter.corp.example", "imap.corp.example"]
    assert hops[0] == MailHop(1, "edge.corp.example", None, "no_date")
    assert hops[1] == MailHop(2, "mx.corp.example", None, "no_previous_date")
    assert hops[2] == MailHop(3, "filter.corp.example", 0.0, "clock_skew")
    assert hops[3] == MailHop(4, "imap.corp.example", 48.0, None)
    assert all("@" not in h.by for h in hops)


def test_one_second_stamp_rounding_is_not_skew() -> None:
    hops = read_hops([_received("mx", "Wed, 02 Dec 2026 00:59:59 +0000")], DATE)
    assert hops == (MailHop(1, "mx", 0.0, None),)


def test_a_held_mail_names_the_relay_that_held_it() -> None:
    chain = [_received("imap", "Wed, 02 Dec 2026 01:00:47 +0000"), _received("mx2", "Wed, 02 Dec 2026 01:00:46 +0000"),
             _received("filter", "Wed, 02 Dec 2026 01:00:01 +0000"), _received("mx", "Wed, 02 Dec 2026 01:00:00 +0000")]
    path = read_path(_mail(auth=[CLEAN], received=chain), "http://127.0.0.1:8000")
    assert path.held == (2, 45.0)
    assert (path.verdict, path.explanation) == ("warning", "held 45 s at relay 2")


def test_held_before_the_first_relay_is_at_the_sender() -> None:
    path = read_path(_mail(received=[_received("mx", "Wed, 02 Dec 2026 01:00:30 +0000")]), "http://h")
    assert path.explanation == "held 30 s before the first relay (at the sender)"


@pytest.mark.parametrize("link, base, problem", [
    ("https://portail.example/aparts/reinitialisation/Tok3n", "https://portail.example/aparts/", None),
    ("https://PORTAIL.example./aparts", "https://portail.example/aparts", None),
    ("https://portail.example:443/aparts/x", "https://portail.example/aparts", None),
    ("http://127.0.0.1:8000/reinitialisation/x", "http://127.0.0.1:8000", None),  # the target's own scheme
    ("https://127.0.0.1:9000/x", "http://127.0.0.1:8000", "other_host"),  # another port: another service
    ("http://127.0.0.1/x", "http://127.0.0.1:8000", "other_host"),
    ("https://evil.example/aparts/reinitialisation/x", "https://portail.example/aparts", "other_host"),
    ("https://portail.example.evil.example/aparts/", "https://portail.example/aparts", "other_host"),
    ("http://portail.example/aparts/x", "https://portail.example/aparts", "insecure_scheme"),
    ("https://portail.example/apartsX/x", "https://portail.example/aparts", "outside_path"),
    ("https://portail.example/", "https://portail.example/aparts/", "outside_path"),
])
def test_link_must_stay_on_the_target(link: str, base: str, problem: str | None) -> None:
    assert link_problem(link, base) == problem


def test_link_to_another_host_is_a_failure_and_never_quoted() -> None:
    html = '<a href="https://evil.example/reinitialisation/S3cretTok3nValue">x</a>'
    path = read_path(_mail(auth=[CLEAN], html=html), "http://127.0.0.1:8000")
    assert (path.verdict, path.explanation) == ("failure", "reset link points to another host")
    assert "evil" not in json.dumps(JourneyResult("J2.2b", "chromium", "failure", mail_paths=(path,)).to_dict())


def test_outside_path_alone_is_a_warning() -> None:
    verdict, text = explain(MailPath("habilitation", link_problems=("outside_path",)))
    assert (verdict, text) == ("warning", "link leaves the target's path")


def test_contract_round_trip_and_refusals() -> None:
    path = read_path(_mail(auth=[BODY_BROKEN], received=[_received("mx", DATE)], placement=Placement.JUNK), "http://h")
    record = JourneyResult("J2.2b", "chromium", "success", mail_paths=(path,))
    assert parse_result(json.loads(json.dumps(record.to_dict()))) == record
    for field, value, message in [("dkim", "splendid", "mail_paths[0].dkim"),
                                  ("verdict", "meh", "mail_paths[0].verdict"),
                                  ("dmarc_policy", "maybe", "mail_paths[0].dmarc_policy")]:
        bad = record.to_dict()
        bad["mail_paths"][0][field] = value
        with pytest.raises(ResultsFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_result(bad)
    bad = record.to_dict()
    bad["mail_paths"][0]["hops"][0]["delay_seconds"] = -3.0
    with pytest.raises(ResultsFileError, match="negative"):
        parse_result(bad)


# -- the sender against the target's declared domain (mail_from_domain) -------------------------
def _sent(sender: str, **extra: list[str]) -> Mail:
    mail = _mail()
    mail.headers["From"] = [f"Extranet activité partielle <notifications-ap@{sender}>"]
    mail.headers.update(extra)
    return mail


def test_a_mail_from_another_domain_is_named_as_such() -> None:
    path = read_path(_sent("activitepartielle.invalid"), "http://127.0.0.1:8000", "asp-public.fr")
    assert (path.from_domain, path.expected_from_domain, path.sender_problem) == \
        ("activitepartielle.invalid", "asp-public.fr", "foreign_domain")
    assert path.verdict == "warning"
    assert "sent from another domain: From activitepartielle.invalid, not asp-public.fr" in path.explanation


@pytest.mark.parametrize("headers, problem", [
    ({"Return-Path": ["<bounce@retours.asp-public.fr>"]}, None),  # relaxed: a subdomain aligns
    ({"DKIM-Signature": ["v=1; a=rsa-sha256; d=asp-public.fr; s=k; b=x"], "Return-Path": ["<b@mailer.example>"]}, None),
    ({"DKIM-Signature": ["v=1; a=rsa-sha256; d=mailer.example; s=k; b=x"], "Return-Path": ["<b@mailer.example>"]},
     "not_aligned"),
    ({}, "not_aligned"),  # nothing claims the domain
])
def test_without_a_gateway_the_domains_the_mail_claims_decide_alignment(headers: dict, problem: str | None) -> None:
    path = read_path(_sent("asp-public.fr", **headers), "http://127.0.0.1:8000", "asp-public.fr")
    assert path.sender_problem == problem
    if problem:
        assert "From asp-public.fr not DMARC-aligned" in path.explanation and path.verdict == "warning"


def test_with_a_gateway_alignment_is_spf_or_dkim_passing_aligned_and_a_subdomain_sender_is_ours() -> None:
    aligned = ("mx.example; spf=pass smtp.mailfrom=b@retours.asp-public.fr; dkim=none; "
               "dmarc=pass header.from=notifications.asp-public.fr")
    foreign_signer = ("mx.example; spf=pass smtp.mailfrom=b@mailer.example; dkim=pass header.d=mailer.example; "
                      "dmarc=fail header.from=asp-public.fr")
    ok = _sent("notifications.asp-public.fr", **{"Authentication-Results": [aligned]})
    assert read_path(ok, "http://h", "asp-public.fr").sender_problem is None
    bad = read_path(_sent("asp-public.fr", **{"Authentication-Results": [foreign_signer]}), "http://h", "asp-public.fr")
    assert bad.sender_problem == "not_aligned" and bad.sender_reason == "SPF pass; DKIM pass"


def test_without_a_declared_domain_nothing_is_judged() -> None:
    path = read_path(_sent("elsewhere.example"), "http://127.0.0.1:8000")
    assert (path.from_domain, path.sender_problem, path.verdict) == ("elsewhere.example", None, "ok")
