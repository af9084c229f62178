"""How the browsers present themselves (fixtures.core.presentation) and the target settings that say so."""
from __future__ import annotations

import pytest

from fixtures.core.presentation import (
    Presentation,
    PresentationError,
    headless_marks,
    ordinary_brands,
    ordinary_user_agent,
    parse_header,
    parse_viewport,
)
from fixtures.target.config import TargetConfigError, load_target_config

HEADLESS = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.8078.129 "
            "Safari/537.36")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
BRANDS = [{"brand": "Not:A-Brand", "version": "8"}, {"brand": "Chromium", "version": "156"},
          {"brand": "HeadlessChrome", "version": "156"}]


def test_the_ordinary_user_agent_replaces_the_headless_token_and_keeps_every_other() -> None:
    agent = ordinary_user_agent(HEADLESS, "aparts-sentinel")
    assert agent == ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.129 "
                     "Safari/537.36 aparts-sentinel")
    assert HEADLESS.split() [:-2] == agent.split()[:-3]  # every engine token before it, in order
    assert not headless_marks(agent)
    assert ordinary_user_agent(HEADLESS, "", mode="engine") == HEADLESS
    assert ordinary_user_agent(FIREFOX, "aparts-sentinel") == f"{FIREFOX} aparts-sentinel"


def test_the_headless_brand_leaves_the_client_hints() -> None:
    assert [b["brand"] for b in ordinary_brands(BRANDS)] == ["Not:A-Brand", "Chromium"]
    assert ordinary_brands(BRANDS, "engine") == BRANDS
    assert headless_marks("Chrome/1", BRANDS) == ["HeadlessChrome"]


def test_context_options_carry_locale_zone_viewport_agent_and_header() -> None:
    options = Presentation().context_options(HEADLESS)
    assert options["locale"] == "fr-FR" and options["timezone_id"] == "Europe/Paris"
    assert options["viewport"] == {"width": 1920, "height": 1080}
    assert options["user_agent"].endswith("Chrome/156.0.8078.129 Safari/537.36 aparts-sentinel")
    assert list(options["extra_http_headers"]) == ["X-Synthetic-Monitor"]
    quiet = Presentation(monitor_header=None, user_agent_suffix="").context_options(None)
    assert "user_agent" not in quiet and "extra_http_headers" not in quiet
    assert Presentation().posix_locale() == "fr_FR.UTF-8"


@pytest.mark.parametrize("text", ["no colon", "Bad Name: x", "X-Monitor: café", "Cookie: a=b",
                                  "X-Operator-Key: k", "X-Monitor:"])
def test_a_malformed_or_dangerous_header_is_refused(text: str) -> None:
    with pytest.raises(PresentationError):
        parse_header(text)


def test_headers_and_viewports_parse() -> None:
    assert parse_header("sec-datadog: Request sent by a synthetic test") == ("sec-datadog", "Request sent by a synthetic test")
    assert parse_header("") is None
    assert parse_viewport("1366x768") == (1366, 768)
    for bad in ("1366", "100x100", "99999x1"):
        with pytest.raises(PresentationError):
            parse_viewport(bad)


def test_the_target_config_reads_and_checks_the_presentation() -> None:
    default = load_target_config(env={}).presentation
    assert default == Presentation()
    given = load_target_config(env={"SENTINEL_LOCALE": "de-DE", "SENTINEL_MONITOR_HEADER": "",
                                    "SENTINEL_USER_AGENT": "engine"},
                               overrides={"viewport": "1366x768", "timezone_id": "Europe/Berlin"}).presentation
    assert (given.locale, given.timezone_id, given.viewport, given.user_agent, given.monitor_header) == \
        ("de-DE", "Europe/Berlin", (1366, 768), "engine", None)
    for key, bad in (("locale", "french"), ("user_agent", "stealth"), ("monitor_header", "Cookie: x"),
                     ("viewport", "big"), ("user_agent_suffix", "é" * 3)):
        with pytest.raises(TargetConfigError) as caught:
            load_target_config(env={}, overrides={key: bad})
        assert key.replace("_", "-") in caught.value.key
