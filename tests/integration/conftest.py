"""Services shared by the HTTP-level test modules: one Mailpit + reference extranet per module.

Why module scope: each module changes server-wide state (clock offset, fault profile), so
modules must not share a server; tests inside one module restore what they change.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

# tests/ is on sys.path (pytest inserts a test file's folder): helpers import by name
from support.extranet_helpers import OPERATOR_KEY
from support.service_helpers import start_or_skip

from fixtures.mail.mailpit import MailpitClient
from fixtures.services.processes import ExtranetService, MailpitService, start_extranet, start_mailpit


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def mailpit_service(workdir: Path) -> Iterator[MailpitService]:
    service = start_or_skip(lambda: start_mailpit(workdir), "mailpit_missing")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def extranet(workdir: Path, mailpit_service: MailpitService) -> Iterator[ExtranetService]:
    service = start_extranet(workdir, smtp_host=mailpit_service.smtp_host, smtp_port=mailpit_service.smtp_port,
                             operator_key=OPERATOR_KEY)
    yield service
    service.stop()


@pytest.fixture(scope="module")
def mailpit(mailpit_service: MailpitService) -> Iterator[MailpitClient]:
    with MailpitClient(mailpit_service.http_url) as client:
        yield client
