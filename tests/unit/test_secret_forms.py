"""Secrets in every encoding (issue 10): base64 at any alignment, and cookies and
authorization headers as secrets by kind, in HAR-shaped JSON, trace lines and logs.

Each test first shows the verifier *finds* the secret in the unscrubbed data (so it would fail
if scrubbing did nothing), then that nothing is left after scrubbing.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

import pytest

from fixtures.secrets.forms import base64_cores
from fixtures.secrets.registry import MASK, SecretLeak, SecretRegistry
from fixtures.secrets.scrubber import mask_credentials, scrub_tree

IDENTIFIER = "AP7K2M9Q4X"
PASSWORD = "S3cret Pass*~é&\"<x>'"
COOKIE = "5TRm6aLa4T6KiP9DKVzOI6pKFN1485WjAzKsigveNck"


def encodings(data: bytes) -> dict[str, bytes]:
    std = base64.b64encode(data)
    return {"standard": std, "standard-unpadded": std.rstrip(b"="),
            "urlsafe": base64.urlsafe_b64encode(data), "urlsafe-unpadded": base64.urlsafe_b64encode(data).rstrip(b"="),
            "standard-percent": quote(std.decode(), safe="").encode()}


@pytest.mark.parametrize("prefix", range(6))
@pytest.mark.parametrize("secret", [IDENTIFIER, PASSWORD])
def test_base64_at_any_alignment_is_decoded_masked_and_re_encoded(prefix: int, secret: str) -> None:
    secrets = SecretRegistry([secret])
    inner = b'{"x":"' + b"\xfe" * prefix + b'","v":' + json.dumps(secret).encode() + b',"n":1}'
    for kind, encoded in encodings(inner).items():
        text = b"session=" + encoded + b"; Path=/"
        assert secrets.remaining(text), f"{kind}: the verifier does not see the secret"
        scrubbed = secrets.scrub_bytes(text)
        assert secrets.remaining(scrubbed) == [], kind
        value = scrubbed.removeprefix(b"session=").removesuffix(b"; Path=/")
        if kind == "standard-percent":
            value = unquote_to_bytes(value)
        decoded = base64.b64decode(value + b"=" * (-len(value) % 4), altchars=b"-_" if "urlsafe" in kind else None)
        assert json.loads(decoded.decode("utf-8", "replace").replace("\ufffd", "?"))["v"] == MASK, kind


def test_every_alignment_has_a_core_found_inside_a_longer_value() -> None:
    cores = base64_cores(IDENTIFIER.encode())
    assert len({label.split(",")[0] for label in cores.values()}) >= 3  # three offsets, two alphabets
    for prefix in range(3):
        encoded = base64.b64encode(b"z" * prefix + IDENTIFIER.encode() + b"tail")
        assert any(core in encoded for core in cores), prefix


def test_basic_authorization_in_a_log_is_masked_by_kind_and_by_value() -> None:
    basic = base64.b64encode(f"{IDENTIFIER}:{PASSWORD}".encode()).decode()
    log = f"GET / HTTP/1.1\nAuthorization: Basic {basic}\nCookie: sid={COOKIE}; lang=fr\nAccept: */*\n".encode()
    masked, found, count = mask_credentials("server.log", log)
    assert count == 2 and basic in found and COOKIE in found
    assert "fr" not in SecretRegistry(found)  # too short to register: it would mask every "fr"
    assert f"Authorization: {MASK}".encode() in masked and b"Accept: */*" in masked
    secrets = SecretRegistry([PASSWORD])
    assert secrets.remaining(log), "the base64 Basic credentials hold the password"


def har_entry(cookie_header: str) -> dict:
    return {"request": {"method": "GET", "url": "http://127.0.0.1/", "cookies": [{"name": "sid", "value": COOKIE}],
                        "headers": [{"name": cookie_header, "value": f"sid={COOKIE}"},
                                    {"name": "Accept", "value": "text/html"}]},
            "response": {"status": 200, "cookies": [{"name": "sid", "value": COOKIE, "path": "/"}],
                         "headers": [{"name": "set-cookie", "value": f"sid={COOKIE}; Path=/\nlang=fr; Path=/"},
                                     {"name": "WWW-Authenticate", "value": "Basic"}]}}


@pytest.mark.parametrize("cookie_header", ["cookie", "Cookie", "COOKIE"])  # Chromium, Firefox, any
def test_har_like_records_have_cookies_masked_whatever_the_case(cookie_header: str, tmp_path: Path) -> None:
    lines = "\n".join(json.dumps({"type": "resource-snapshot", "snapshot": har_entry(cookie_header)})
                      for _ in range(2)) + "\n"
    har = json.dumps({"log": {"entries": [har_entry(cookie_header)]}}, indent=2)
    (tmp_path / "trace.network").write_text(lines)
    (tmp_path / "run.har").write_text(har)
    (tmp_path / "page.log").write_text(f"document.cookie was sid={COOKIE}\n")  # found by value
    secrets = SecretRegistry()
    assert scrub_tree(tmp_path, secrets) > 0
    assert COOKIE in secrets, "the cookie value found by kind is registered"
    for path in tmp_path.iterdir():
        text = path.read_text()
        assert COOKIE not in text, path.name
    entry = json.loads((tmp_path / "trace.network").read_text().splitlines()[0])["snapshot"]
    assert entry["request"]["headers"][0]["value"] == MASK and entry["request"]["headers"][1]["value"] == "text/html"
    assert entry["response"]["headers"][0]["value"] == MASK and entry["response"]["cookies"][0]["value"] == MASK
    assert json.loads((tmp_path / "run.har").read_text())["log"]["entries"][0]["request"]["cookies"][0]["value"] == MASK


def test_header_objects_and_add_cookies_calls_in_trace_lines() -> None:
    lines = (json.dumps({"type": "before", "method": "setExtraHTTPHeaders",
                         "params": {"headers": [{"name": "Authorization", "value": "Bearer tok-123456"}]}}) + "\n"
             + json.dumps({"type": "before", "method": "addCookies",
                           "params": {"cookies": [{"name": "sid", "value": COOKIE, "domain": "x"}]}}) + "\n"
             + json.dumps({"type": "before", "method": "fetch",
                           "params": {"headers": {"Proxy-Authorization": "Basic cHJveHk6c2VjcmV0"}}}) + "\n").encode()
    masked, found, count = mask_credentials("trace.trace", lines)
    assert count == 3 and {"tok-123456", COOKIE, "cHJveHk6c2VjcmV0"} <= set(found)
    assert b"tok-123456" not in masked and COOKIE.encode() not in masked and b"cHJveHk6" not in masked
    for line in masked.splitlines():
        json.loads(line)


def test_the_verifier_fails_a_tree_with_an_unmasked_cookie_it_cannot_rewrite(tmp_path: Path) -> None:
    # A binary file (NUL bytes) is verified, not rewritten: a registered cookie in it is a leak.
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" + base64.b64encode(f"sid={COOKIE}".encode()))
    with pytest.raises(SecretLeak, match="base64"):
        scrub_tree(tmp_path, SecretRegistry([COOKIE]), delete_on_leak=False)
