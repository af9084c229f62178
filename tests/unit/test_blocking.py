"""The bot-defence classifier: each product's page recognised by its own marks, the portal's own
refusals left to the portal, the reference id cleaned and bounded, and the re-send's verdict."""
from __future__ import annotations

import pytest

from fixtures.core import blocking
from fixtures.core.blocking import AUTOMATION, PRODUCTS, UNDETERMINED, USER_AGENT, Block, detect, refusal_follows
from fixtures.core.outcomes import Blocked, Outcome, classify

F5_PAGE = ("<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
           "Please consult with your administrator.<br><br>Your support ID is: 14759836281739927441"
           "<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>")
CLOUDFLARE_PAGE = ("<title>Attention Required! | Cloudflare</title><div class='cf-error-details'>"
                   "<h1>Sorry, you have been blocked</h1></div>"
                   "<span>Cloudflare Ray ID: <strong class='font-semibold'>8a1b2c3d4e5f6a7b</strong></span>")
CLOUDFLARE_CHALLENGE = "<title>Just a moment...</title><script>window._cf_chl_opt={cvId: '3'}</script>"
AKAMAI_PAGE = ("<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have "
               "permission to access \"http&#58;&#47;&#47;portail&#46;fr&#47;\" on this server.<P>"
               "Reference&#32;&#35;18&#46;2f5e1602&#46;1700000000&#46;1a2b3c4d</BODY></HTML>")
AKAMAI_PLAIN = "<H1>Access Denied</H1>Reference #18.2f5e1602.1700000000.1a2b3c4d"
IMPERVA_PAGE = ("<html><body>Request unsuccessful. Incapsula incident ID: 1234000560178901234-567890123456789"
                "</body></html>")


@pytest.mark.parametrize(("status", "headers", "html", "title", "product", "reference"), [
    (403, {}, F5_PAGE, "", "f5", "support ID 14759836281739927441"),
    (200, {}, F5_PAGE, "", "f5", "support ID 14759836281739927441"),  # F5 also answers 200 with its page
    (403, {"CF-RAY": "8a1b2c3d4e5f6a7b-CDG", "Server": "cloudflare"}, CLOUDFLARE_PAGE, "", "cloudflare",
     "Ray ID 8a1b2c3d4e5f6a7b-CDG"),
    (403, {"cf-mitigated": "challenge", "cf-ray": "8a1b2c3d4e5f6a7c-CDG"}, CLOUDFLARE_CHALLENGE, "Just a moment...",
     "cloudflare", "Ray ID 8a1b2c3d4e5f6a7c-CDG"),
    (403, {"Server": "AkamaiGHost"}, AKAMAI_PLAIN, "", "akamai", "Reference #18.2f5e1602.1700000000.1a2b3c4d"),
    (403, {"Server": "AkamaiGHost"}, AKAMAI_PAGE, "Access Denied", "akamai",
     "Reference #18.2f5e1602.1700000000.1a2b3c4d"),
    (403, {"X-Iinfo": "12-345-0 0CNN RT(1 2) q(0 0 0 -1) r(0 0) U5"}, IMPERVA_PAGE, "", "imperva",
     "Incident ID 1234000560178901234-567890123456789"),
    (403, {"x-amzn-waf-action": "block"}, "<h1>403 ERROR</h1>Request blocked. Request ID: "
     "Zx9_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345==", "", "aws_waf", "Request ID Zx9_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345=="),
    (403, {"x-datadome": "protected"}, "<script src='https://ct.captcha-delivery.com/c.js'></script>", "",
     "datadome", None),
    (403, {}, "<div class='g-recaptcha' data-sitekey='x'></div>", "", "captcha", None),
    (403, {}, "<p>Vérification de votre navigateur…</p>", "", "js_challenge", None),
    (429, {"Retry-After": "120"}, "<h1>Too Many Requests</h1>", "", "rate_limit", None),
    # A defence that does not name its product, keyed on an automation fingerprint.
    (403, {}, "<h1>Forbidden</h1><p>Automated browsers are not allowed. Block ID: 7f3a9c21e0</p>", "", "other",
     "Block ID: 7f3a9c21e0"),
    (503, {}, "<p>Our firewall refused your request.</p>", "", "other", None),
])
def test_each_product_is_recognised_with_its_reference(status: int, headers: dict[str, str], html: str, title: str,
                                                      product: str, reference: str | None) -> None:
    found = detect(status, headers, html, title)
    assert found is not None and (found.product, found.reference, found.status) == (product, reference, status)
    assert found.product in PRODUCTS


def test_retry_after_is_kept_as_sent() -> None:
    found = detect(429, {"retry-after": "120"}, "")
    assert found is not None and found.retry_after == "120"
    assert "Retry-After 120" in found.line()


@pytest.mark.parametrize(("status", "headers", "html"), [
    (403, {}, "<h1>Erreur</h1><p>Jeton de sécurité invalide, veuillez recharger la page.</p>"),  # the portal's CSRF
    (503, {"Retry-After": "3600"}, "<h1>Maintenance en cours</h1>"),  # a maintenance a person sees too
    (200, {"cf-ray": "8a1b2c3d4e5f6a7b-CDG", "server": "cloudflare"}, "<h1>Extranet activité partielle</h1>"),
    (502, {"cf-ray": "8a1b2c3d4e5f6a7b-CDG"}, "<title>Bad gateway | Cloudflare</title>"),  # the origin is down
    (200, {"x-iinfo": "12-345-0"}, "<h1>Extranet activité partielle</h1>"),  # served through Imperva, let in
    (404, {}, "<h1>Lien invalide</h1>"),
    (404, {}, "<h1>Not found</h1><p>robots.txt</p>"),  # not a refusal status
    (403, {}, "<h1>Accès refusé</h1><p>Vous n'avez pas accès à cet espace.</p>"),  # the portal's own access rule
    (200, {}, "<img alt='Cryptogramme'><label>Contrôle de sécurité</label>"),  # the portal's own captcha step
    (200, {}, "<form><div class='g-recaptcha' data-sitekey='x'></div></form>"),  # a form with its own captcha
    (None, {}, ""),
])
def test_the_portals_own_pages_are_not_a_block(status: int | None, headers: dict[str, str], html: str) -> None:
    assert detect(status, headers, html) is None


def test_the_reference_is_cleaned_and_bounded() -> None:
    hostile = "<title>Request Rejected</title>Your support ID is: " + "9" * 200 + "\x1b[31m"
    found = detect(403, {}, hostile)
    assert found is not None and found.reference is not None
    assert len(found.reference) <= blocking.REFERENCE_CHARS and "\x1b" not in found.reference
    ray = detect(403, {"cf-mitigated": "block", "cf-ray": "abc\x1b]0;owned\x07\u202edef" + "x" * 500}, "")
    assert ray is not None and ray.reference is not None
    assert len(ray.reference) <= blocking.REFERENCE_CHARS and "\x1b" not in ray.reference and "\u202e" not in ray.reference


def test_bounded_is_idempotent_and_keeps_the_vocabularies() -> None:
    odd = Block(product="a label of the target's", reference="x" * 1000, refusal_follows="whatever", resend="y" * 900)
    once = odd.bounded()
    assert once.product in PRODUCTS and once.refusal_follows is None
    assert once.bounded() == once and len(once.resend or "") <= 300


def test_only_the_first_part_of_a_huge_page_is_read() -> None:
    late = "x" * (blocking.READ_CHARS + 10) + "<title>Just a moment...</title>"
    assert detect(403, {}, late) is None


@pytest.mark.parametrize(("own", "others", "verdict"), [
    (True, [False], USER_AGENT),  # its headers refused, another engine's let through
    (True, [False, True], USER_AGENT),
    (False, [False], AUTOMATION),  # its own headers let through without the browser
    (True, [True, True], AUTOMATION),  # every header set refused over HTTP: a challenge only a browser passes
    (None, [False], UNDETERMINED),
    (True, [None], UNDETERMINED),
    (True, [], UNDETERMINED),
])
def test_whom_the_refusal_follows(own: bool | None, others: list[bool | None], verdict: str) -> None:
    assert refusal_follows(own, others) == verdict


def test_blocked_is_the_probers_problem() -> None:
    found = classify(Blocked("blocked by f5"))
    assert (found.outcome, found.failure_class) == (Outcome.PROBE_ERROR, "blocked")
