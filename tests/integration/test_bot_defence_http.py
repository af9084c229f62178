"""The reference extranet's bot-defence faults over HTTP (``extranet/bot_defence.py``): each answers
with the page of the product it imitates, and the suite's classifier (``fixtures.core.blocking``)
names it; operator routes are never refused."""
from __future__ import annotations

from typing import Iterator

import httpx
import pytest
from support.extranet_helpers import OPERATOR_KEY

from fixtures.core.blocking import detect
from fixtures.services.processes import ExtranetService
from fixtures.target.operator import OperatorClient

pytestmark = pytest.mark.integration

HEADLESS = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "HeadlessChrome/156.0.0.0 Safari/537.36", "accept": "text/html"}
ORDINARY = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/156.0.0.0 Safari/537.36 aparts-sentinel", "accept": "text/html"}


@pytest.fixture
def operator(extranet: ExtranetService) -> Iterator[OperatorClient]:
    client = OperatorClient(extranet.base_url, OPERATOR_KEY)
    yield client
    client.set_faults({})
    client.close()


def get(extranet: ExtranetService, headers: dict[str, str], path: str = "/") -> httpx.Response:
    return httpx.get(extranet.base_url + path, headers=headers, timeout=10)


def test_a_headless_user_agent_gets_the_f5_page_and_an_ordinary_one_gets_in(extranet: ExtranetService,
                                                                          operator: OperatorClient) -> None:
    operator.set_faults({"bot_defence_user_agent": True})
    refused = get(extranet, HEADLESS)
    found = detect(refused.status_code, dict(refused.headers), refused.text)
    assert refused.status_code == 403 and found is not None and found.product == "f5"
    assert found.reference is not None and found.reference.startswith("support ID ")
    assert get(extranet, ORDINARY).status_code == 200
    assert get(extranet, {**ORDINARY, "sec-ch-ua": '"Chromium";v="156", "HeadlessChrome";v="156"'}).status_code == 403
    assert operator.faults()["bot_defence_user_agent"] == ["HeadlessChrome", "Headless"]  # the operator still answers


def test_tokens_of_the_profile_are_refused(extranet: ExtranetService, operator: OperatorClient) -> None:
    operator.set_faults({"bot_defence_user_agent": ["aparts-sentinel"]})
    assert get(extranet, ORDINARY).status_code == 403
    assert get(extranet, HEADLESS).status_code == 200


def test_the_automation_challenge_without_its_cookie(extranet: ExtranetService, operator: OperatorClient) -> None:
    operator.set_faults({"bot_defence_automation": True})
    refused = get(extranet, ORDINARY)
    found = detect(refused.status_code, dict(refused.headers), refused.text)
    assert refused.status_code == 403 and found is not None and found.product == "js_challenge"
    assert "navigator.webdriver" in refused.text
    token = refused.text.split("bd_challenge=")[1].split(";")[0]
    assert get(extranet, {**ORDINARY, "cookie": f"bd_challenge={token}"}).status_code == 200
    assert get(extranet, {**ORDINARY, "cookie": "bd_challenge=forged"}).status_code == 403


def test_the_rate_limit_answers_429_with_retry_after(extranet: ExtranetService, operator: OperatorClient) -> None:
    operator.set_faults({"bot_defence_rate": {"requests": 3, "window_seconds": 60}})
    statuses = [get(extranet, ORDINARY).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = get(extranet, ORDINARY)
    found = detect(limited.status_code, dict(limited.headers), limited.text)
    assert found is not None and found.product == "rate_limit" and 0 < int(found.retry_after or 0) <= 60
