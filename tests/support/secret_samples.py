"""Secrets whose encodings differ between encoders, and a registry holding them.

Shared by the scrubber's unit tests (tests/unit/test_secret_scrubbing.py) and the real-trace tests
(tests/integration/test_scrubbing_real_traces_and_screenshots.py), which must look for the same forms.
"""
from __future__ import annotations

from fixtures.secrets.registry import SecretRegistry

# A password using every character whose encoding differs between encoders: space (+ or %20),
# '*' and '~' (browser form encoding vs quote_plus), 'é' (utf-8, \u00e9), and & " < > ' (HTML/JSON).
PASSWORD = "S3cret Pass*~é&\"<x>'"
IDENTIFIER = "AP7K2M9Q4X"
TOKEN = "tok_Zq9xW2v-Lm4Np7Rs1Tu8"
BROWSER_FORM_PASSWORD = "S3cret+Pass*%7E%C3%A9%26%22%3Cx%3E%27"  # what Chromium and Firefox POST


def registry(*values: str | None) -> SecretRegistry:
    """A registry holding ``values`` (None is skipped, as ``SecretRegistry.add`` does)."""
    secrets = SecretRegistry()
    for value in values:
        secrets.add(value)
    return secrets
