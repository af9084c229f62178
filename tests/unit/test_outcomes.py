"""Classification: a target failure, a missing mail and a broken prober never mix."""
from __future__ import annotations

import httpx
import pytest

from fixtures.core.outcomes import (
    BrowserCrashed,
    EngineUnavailable,
    MailNotReceived,
    MailpitUnreachable,
    Outcome,
    ServiceStartError,
    TargetUnreachable,
    classify,
)
from fixtures.target.identity import random_password


class Error(Exception):
    """Stands in for playwright's Error class, whose name and message are all classify reads."""


class TimeoutError(Exception):  # noqa: A001 - same name as playwright's, on purpose
    pass


@pytest.mark.parametrize("exc, outcome, cls", [
    (None, Outcome.SUCCESS, None),
    (MailNotReceived("x"), Outcome.MAIL_NOT_RECEIVED, "mail_not_received"),
    (MailpitUnreachable("x"), Outcome.PROBE_ERROR, "mailpit_unreachable"),
    (BrowserCrashed("x"), Outcome.PROBE_ERROR, "browser_crashed"),
    (ServiceStartError("x"), Outcome.PROBE_ERROR, "service_start_failed"),
    (TargetUnreachable("x"), Outcome.FAILURE, "target_unreachable"),
    (EngineUnavailable("x"), Outcome.UNAVAILABLE, "engine_unavailable"),
    (Error("Page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/"), Outcome.FAILURE, "target_unreachable"),
    (Error("Page.goto: NS_ERROR_CONNECTION_REFUSED"), Outcome.FAILURE, "target_unreachable"),
    (Error("Locator.click: Target page, context or browser has been closed"), Outcome.PROBE_ERROR, "browser_crashed"),
    (TimeoutError("Locator.click: Timeout 5000ms exceeded."), Outcome.FAILURE, "timeout"),
    (AssertionError("Locator expected to be visible"), Outcome.FAILURE, "assertion"),
    (KeyError("bug in the suite"), Outcome.PROBE_ERROR, "suite_error:KeyError"),
])
def test_classify(exc, outcome, cls):
    result = classify(exc)
    assert (result.outcome, result.failure_class) == (outcome, cls)


def test_exception_group_prefers_probe_errors_over_failures():
    group = ExceptionGroup("soft", [AssertionError("a"), MailpitUnreachable("b")])
    assert classify(group).outcome is Outcome.PROBE_ERROR


def test_httpx_connect_error_to_mailpit_is_a_probe_error():
    assert classify(httpx.ConnectError("mailpit refused")).outcome is Outcome.PROBE_ERROR


def test_random_password_meets_the_policy():
    for _ in range(50):
        pw = random_password()
        assert len(pw) >= 12 and any(c.islower() for c in pw) and any(c.isupper() for c in pw)
        assert any(c.isdigit() for c in pw) and any(not c.isalnum() for c in pw)
