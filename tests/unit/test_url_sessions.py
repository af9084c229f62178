"""Sessions carried in URLs are secrets by kind (fixtures/secrets/by_kind.py), wherever a URL is kept."""
from __future__ import annotations

import pytest

from fixtures.core.signature import mask_path, mask_urls
from fixtures.secrets.by_kind import URL_SESSION_PARAMETERS, mask_url_sessions
from fixtures.secrets.registry import MASK, SecretRegistry
from fixtures.secrets.scrubber import mask_credentials, unmasked_credentials

TOKEN = "5E8F0C2A9B7D4E61A3C5B7D9E1F20384"


@pytest.mark.parametrize("text", [
    f'<a href="/aparts/accueil;jsessionid={TOKEN}">',                       # Servlet URL rewriting
    f'{{"url":"http://h/aparts/;JSESSIONID={TOKEN}?motif=x"}}',             # a trace's JSON, any case
    f"GET /index.php?PHPSESSID={TOKEN}&page=2",                            # PHP
    f"/x?a=1&amp;sid={TOKEN}",                                             # in HTML, after &amp;
    f"next=http%3A%2F%2Fh%2Fx%3Bjsessionid%3D{TOKEN}",                     # a URL inside a query
    f"/cb?access_token={TOKEN}#x",
])
def test_a_session_in_a_url_is_masked_and_harvested(text: str) -> None:
    masked, harvested, count = mask_url_sessions(text.encode(), MASK)
    assert TOKEN.encode() not in masked and MASK.encode() in masked
    assert harvested == [TOKEN] and count == 1
    assert mask_url_sessions(masked, MASK)[2] == 0  # masked once, never again


def test_ordinary_parameters_are_left_alone() -> None:
    text = b"/assistance?motif=Habilitation+extranet&sidebar=1&tokens=3&session_count=2;charset=utf-8"
    assert mask_url_sessions(text, MASK) == (text, [], 0)
    assert "jsessionid" in URL_SESSION_PARAMETERS and "phpsessid" in URL_SESSION_PARAMETERS


def test_every_text_through_the_registry_loses_the_session_even_with_nothing_registered() -> None:
    registry = SecretRegistry()
    message = f"expected the heading; navigated to http://h/aparts/mon-espace;jsessionid={TOKEN}"
    assert TOKEN not in registry.scrub_text(message)
    assert TOKEN in registry.values  # then found in any other form, e.g. percent-encoded elsewhere
    assert TOKEN not in registry.scrub_text(f"echo: {TOKEN}")


def test_artifacts_mask_it_by_kind_and_the_verifier_flags_it() -> None:
    member = f'{{"request":{{"url":"http://h/aparts/;jsessionid={TOKEN}"}}}}\n'.encode()
    assert unmasked_credentials("trace.network", member)
    masked, harvested, count = mask_credentials("trace.network", member)
    assert TOKEN.encode() not in masked and harvested == [TOKEN] and count == 1
    assert unmasked_credentials("trace.network", masked) == []


def test_signature_paths_leave_path_parameters_out() -> None:
    assert mask_path(f"http://h/aparts/mon-espace;jsessionid={TOKEN}?x=1") == "/aparts/mon-espace"
    assert TOKEN not in mask_urls(f"Failed to load http://h/aparts/static/a.css;jsessionid={TOKEN}")
