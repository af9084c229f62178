"""Scrubbing without a browser: the variants of a secret we look for, files, JSON, form bodies and
HTML scrubbed, and synthetic traces rewritten or refused (``scrub_trace``, ``scrub_tree``).
Real Playwright traces and masked screenshots: tests/integration/test_scrubbing_real_traces_and_screenshots.py.
"""
from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus

import pytest
from PIL import Image
from support.secret_samples import BROWSER_FORM_PASSWORD, IDENTIFIER, PASSWORD, TOKEN, registry

from fixtures.secrets.registry import MASK, SecretLeak, SecretRegistry
from fixtures.secrets.scrubber import scrub_trace, scrub_tree

# --------------------------------------------------------------------------- registry and variants


def test_add_ignores_empty_and_short_values_and_lists_longest_first() -> None:
    secrets = registry(None, "", "   ", "abc", "abcd", "AP7K2M9Q4X", "https://x.invalid/r/" + TOKEN)
    assert secrets.values == ("https://x.invalid/r/" + TOKEN, "AP7K2M9Q4X", "abcd")
    assert "abc" not in secrets and len(secrets) == 3


def test_variants_cover_raw_url_json_and_html_forms() -> None:
    forms = set(SecretRegistry.variants(PASSWORD))
    expected = {
        PASSWORD,
        quote(PASSWORD, safe=""),
        quote_plus(PASSWORD),
        BROWSER_FORM_PASSWORD,  # neither quote nor quote_plus writes this one
        json.dumps(PASSWORD)[1:-1],  # ascii escapes: \u00e9, \"
        json.dumps(PASSWORD, ensure_ascii=False)[1:-1],
        html.escape(PASSWORD),
        html.escape(PASSWORD, quote=False),
    }
    assert {e.encode() for e in expected} <= forms
    assert b"\\u00e9" in b"".join(forms)
    assert all(isinstance(v, bytes) for v in forms)
    lengths = [len(v) for v in SecretRegistry.variants(PASSWORD)]
    assert lengths == sorted(lengths, reverse=True)


def test_variants_of_a_url_include_its_token() -> None:
    link = f"http://127.0.0.1:8000/reinitialisation/{TOKEN}"
    forms = SecretRegistry.variants(link)
    assert link.encode() in forms and TOKEN.encode() in forms
    assert quote(link, safe="").encode() in forms
    assert b"http:\\/\\/127.0.0.1:8000\\/reinitialisation\\/" + TOKEN.encode() in forms  # JSON with \/
    # A tail shorter than the minimum is not turned into a secret of its own.
    assert b"ab" not in SecretRegistry.variants("http://host.invalid/ab")


def test_scrubbed_json_stays_valid_json() -> None:
    secrets = registry(PASSWORD, IDENTIFIER)
    document = {
        "params": {"value": PASSWORD, "selector": "#mdp"},
        "snapshot": [f'<input value="{html.escape(PASSWORD)}">', f"Identifiant : {IDENTIFIER}"],
        "nested": json.dumps({"password": PASSWORD}),  # JSON inside a JSON string
    }
    for text in (json.dumps(document), json.dumps(document, ensure_ascii=False), json.dumps(document, indent=2)):
        scrubbed = secrets.scrub_text(text)
        parsed = json.loads(scrubbed)  # still valid
        assert parsed["params"] == {"value": MASK, "selector": "#mdp"}
        assert parsed["snapshot"][1] == f"Identifiant : {MASK}"
        assert json.loads(parsed["nested"]) == {"password": MASK}
        assert "S3cret" not in scrubbed and IDENTIFIER not in scrubbed


def test_scrubbed_url_encoded_form_body_keeps_its_fields() -> None:
    secrets = registry(PASSWORD, IDENTIFIER)
    for body in (
        f"csrf_token=abc123&identifiant={IDENTIFIER}&mot_de_passe={BROWSER_FORM_PASSWORD}",
        f"identifiant={IDENTIFIER}&mot_de_passe={quote_plus(PASSWORD)}",
        f"identifiant={IDENTIFIER}&mot_de_passe={quote(PASSWORD, safe='')}",
        f"identifiant={IDENTIFIER}&mot_de_passe={re.sub('%[0-9A-F]{2}', lambda m: m.group(0).lower(), quote(PASSWORD, safe=''))}",
    ):
        scrubbed = secrets.scrub_bytes(body.encode())
        fields = parse_qs(scrubbed.decode())
        assert fields["identifiant"] == [MASK] and fields["mot_de_passe"] == [MASK], scrubbed


def test_scrubbed_html_escaped_values() -> None:
    secrets = registry(PASSWORD)
    page = f'<input name="x" value="{html.escape(PASSWORD)}"><p>{html.escape(PASSWORD, quote=False)}</p>'
    scrubbed = secrets.scrub_text(page)
    assert scrubbed == f'<input name="x" value="{MASK}"><p>{MASK}</p>'
    # The browser's own serialisation leaves the apostrophe alone.
    assert secrets.scrub_text('value="S3cret Pass*~é&amp;&quot;&lt;x&gt;\'"') == f'value="{MASK}"'


def test_a_secret_inside_the_mask_word_does_not_look_like_a_leak() -> None:
    secrets = registry("secret")
    scrubbed = secrets.scrub_bytes(b"my secret here")
    assert scrubbed == f"my {MASK} here".encode()
    assert secrets.remaining(scrubbed) == []


def test_remaining_names_the_form_but_never_the_secret() -> None:
    secrets = registry(PASSWORD)
    labels = secrets.remaining(BROWSER_FORM_PASSWORD.encode())
    assert labels and all("S3cret" not in label for label in labels)
    assert "url-form" in labels[0]


# --------------------------------------------------------------------------- files and zips


def synthetic_trace(path: Path, png: bytes) -> tuple[str, str]:
    """A trace-shaped zip: a form body resource referenced by sha1 from trace.network."""
    body = f"identifiant={IDENTIFIER}&mot_de_passe={BROWSER_FORM_PASSWORD}".encode()
    body_name = f"resources/{hashlib.sha1(body).hexdigest()}.dat"
    page = f'<a href="/reinitialisation/{TOKEN}">lien</a>'.encode()
    page_name = f"resources/{hashlib.sha1(page).hexdigest()}.html"
    network = {"type": "resource-snapshot", "snapshot": {"request": {"postData": {
        "params": [{"name": "mot_de_passe", "value": PASSWORD}], "_file": body_name}},
        "response": {"content": {"_file": page_name}}}}
    action = {"type": "before", "method": "fill", "params": {"value": PASSWORD}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("trace.trace", json.dumps(action) + "\n" + json.dumps({"type": "after"}) + "\n")
        z.writestr("trace.network", json.dumps(network) + "\n")
        z.writestr(body_name, body)
        z.writestr(page_name, page)
        z.writestr("resources/" + hashlib.sha1(png).hexdigest() + ".png", png)
    return body_name, page_name


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#123456").save(buffer, format="PNG")
    return buffer.getvalue()


def test_scrub_trace_renames_rewritten_resources_and_their_references(tmp_path: Path) -> None:
    trace = tmp_path / "trace.zip"
    png = tiny_png()
    body_name, page_name = synthetic_trace(trace, png)
    secrets = registry(PASSWORD, IDENTIFIER, f"http://127.0.0.1:1/reinitialisation/{TOKEN}")
    count = scrub_trace(trace, secrets)
    assert count >= 5
    with zipfile.ZipFile(trace) as z:
        names = z.namelist()
        members = {name: z.read(name) for name in names}
    # The old names were unsalted sha1s of secret-bearing bodies: gone, replaced by the new sha1s.
    assert body_name not in names and page_name not in names
    network = json.loads(members["trace.network"])
    new_body = network["snapshot"]["request"]["postData"]["_file"]
    assert members[new_body] == f"identifiant={MASK}&mot_de_passe={MASK}".encode()
    assert new_body == f"resources/{hashlib.sha1(members[new_body]).hexdigest()}.dat"
    assert network["snapshot"]["response"]["content"]["_file"] in names
    assert members["resources/" + hashlib.sha1(png).hexdigest() + ".png"] == png  # image untouched
    for line in members["trace.trace"].splitlines():
        json.loads(line)
    assert scrub_trace(trace, secrets) == 0  # idempotent


def test_scrub_trace_refuses_to_keep_a_trace_whose_image_holds_a_secret(tmp_path: Path) -> None:
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as z:
        z.writestr("trace.trace", json.dumps({"value": IDENTIFIER}))
        z.writestr("resources/frame.png", tiny_png() + b"tEXt" + IDENTIFIER.encode())  # text in PNG metadata
    with pytest.raises(SecretLeak) as caught:
        scrub_trace(trace, registry(IDENTIFIER))
    assert "resources/frame.png" in str(caught.value) and IDENTIFIER not in str(caught.value)
    assert not trace.exists()  # deleted rather than uploaded with the secret


def test_scrub_tree_scrubs_text_files_and_traces_and_leaves_images(tmp_path: Path) -> None:
    secrets = registry(PASSWORD, IDENTIFIER)
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "extranet.log"
    log.write_text(f"POST /connexion identifiant={IDENTIFIER}&mot_de_passe={BROWSER_FORM_PASSWORD}\n")
    record = tmp_path / "result.json"
    record.write_text(json.dumps({"error": f"Identifiant {IDENTIFIER} refusé", "password": PASSWORD}))
    page = tmp_path / "page.html"
    page.write_text(f'<input value="{html.escape(PASSWORD)}">')
    shot = tmp_path / "test-failed-1.png"
    shot.write_bytes(tiny_png())
    before = shot.read_bytes()
    synthetic_trace(tmp_path / "trace.zip", tiny_png())

    count = scrub_tree(tmp_path, secrets)

    assert count >= 8
    assert log.read_text() == f"POST /connexion identifiant={MASK}&mot_de_passe={MASK}\n"
    assert json.loads(record.read_text()) == {"error": f"Identifiant {MASK} refusé", "password": MASK}
    assert page.read_text() == f'<input value="{MASK}">'
    assert shot.read_bytes() == before
    with zipfile.ZipFile(tmp_path / "trace.zip") as z:
        for name in z.namelist():
            assert secrets.remaining(z.read(name)) == []
    assert not list(tmp_path.rglob("*.tmp"))
    assert scrub_tree(tmp_path, secrets) == 0


def test_scrub_tree_reports_and_deletes_a_binary_file_it_cannot_rewrite(tmp_path: Path) -> None:
    video = tmp_path / "video.webm"
    video.write_bytes(b"\x1aE\xdf\xa3\x00\x00" + IDENTIFIER.encode() + b"\x00\x01")
    with pytest.raises(SecretLeak, match="video.webm"):
        scrub_tree(tmp_path, registry(IDENTIFIER))
    assert not video.exists()


# --------------------------------------------------------------------------- real browsers


