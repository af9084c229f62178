"""The captcha strategies on a black box (the reference extranet without operator key, with test
accounts): ``bypass`` — a header the portal's operators grant, configured at the extranet's start —
lets J2 reach « Un compte existe déjà » on three engines, its value in no output; a wrong value is
refused by the portal (so the bypass is tested for real); ``stop`` runs J1 and J2 up to the captcha,
says so (``captcha``) and never clicks VALIDER."""
from __future__ import annotations

import secrets
import subprocess
import zipfile
from pathlib import Path
from typing import Iterator

import pytest
from support.black_box import add_accounts, black_box, target_file
from support.child_pytest import run_pytest
from support.service_helpers import start_or_skip

from fixtures.services.processes import MailpitService, start_mailpit

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=120)]

HEADER = "X-Sentinel-Captcha"


@pytest.fixture(scope="module")
def mailpit_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailpitService]:
    service = start_or_skip(lambda: start_mailpit(tmp_path_factory.mktemp("captcha-mailpit")), "mailpit_missing")
    yield service
    service.stop()


def creation_posts(workdir: Path) -> list[str]:
    """The extranet's own access log: every POST of the creation form it answered."""
    return [line for log in workdir.glob("extranet-*.log") for line in log.read_text().splitlines()
            if "POST /creer-mon-espace" in line]


def with_bypass(credentials: Path, value: str) -> None:
    credentials.write_text(credentials.read_text() + f'\n[captcha_bypass]\nheader = "{HEADER}"\nvalue = "{value}"\n')


def outputs(tmp_path: Path, proc: subprocess.CompletedProcess) -> bytes:
    """Every file the run wrote (zip members unpacked: a trace is compressed), and its terminal."""
    data = [proc.stdout.encode(), proc.stderr.encode()]
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                data += [archive.read(name) for name in archive.namelist()]
        else:
            data.append(path.read_bytes())
    return b"".join(data)


def test_bypass_lets_j2_reach_the_account_exists_message_on_three_engines(tmp_path: Path, mailpit_service) -> None:
    value = secrets.token_urlsafe(24)
    extranet = black_box(tmp_path / "x", mailpit_service, "--captcha-bypass-header", HEADER,
                         "--captcha-bypass-value", value)
    try:
        credentials = tmp_path / "accounts.toml"
        add_accounts(extranet.database, credentials, 1)
        with_bypass(credentials, value)
        target = target_file(tmp_path, extranet, mailpit_service, writes=False, credentials=credentials,
                             captcha="bypass")
        proc, results = run_pytest(tmp_path / "run", "journeys", "--journey", "J2", "--browser", "chromium",
                                   "--browser", "firefox", "--browser", "webkit", "--target-config", str(target),
                                   "--tracing", "on", "-k", "test_message_un_compte_existe_deja")
    finally:
        extranet.stop()
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted((r["browser"], r["outcome"]) for r in results) == \
        [(b, "success") for b in ("chromium", "firefox", "webkit")], results
    for result in results:
        assert "cas2_account_exists_message" in [s["id"] for s in result["steps"] if s["ok"]]
    assert len(creation_posts(tmp_path / "x")) == 3  # VALIDER clicked, the captcha skipped by the portal
    assert "captcha: bypass" in proc.stdout
    assert list((tmp_path / "run").rglob("trace.zip")), "traces were asked for: the header is in them, scrubbed"
    assert value.encode() not in outputs(tmp_path / "run", proc), "the bypass value reached an output"


def test_a_wrong_bypass_value_is_refused_by_the_portal(tmp_path: Path, mailpit_service) -> None:
    extranet = black_box(tmp_path / "x", mailpit_service, "--captcha-bypass-header", HEADER,
                         "--captcha-bypass-value", secrets.token_urlsafe(24))
    try:
        credentials = tmp_path / "accounts.toml"
        add_accounts(extranet.database, credentials, 1)
        with_bypass(credentials, "not-the-granted-value")
        target = target_file(tmp_path, extranet, mailpit_service, writes=False, credentials=credentials,
                             captcha="bypass")
        proc, results = run_pytest(tmp_path / "run", "journeys", "--journey", "J2", "--browser", "chromium",
                                   "--target-config", str(target), "--action-timeout", "5",
                                   "-k", "test_message_un_compte_existe_deja")
    finally:
        extranet.stop()
    assert [(r["outcome"], r["failed_step"]) for r in results] == [("failure", results[0]["steps"][-1]["name"])]
    assert results[0]["steps"][-1]["id"] == "cas2_account_exists_message", results[0]["steps"]
    signature = results[0]["signatures"][0]
    assert signature["status"] == 422 and "contrôle de sécurité" in " ".join(signature["alerts"]), signature


def test_stop_runs_j1_and_j2_to_the_captcha_and_says_so(tmp_path: Path, mailpit_service) -> None:
    extranet = black_box(tmp_path / "x", mailpit_service)
    try:
        credentials = tmp_path / "accounts.toml"
        add_accounts(extranet.database, credentials, 1)
        target = target_file(tmp_path, extranet, mailpit_service, writes=True, credentials=credentials)
        proc, results = run_pytest(tmp_path / "run", "journeys", "--journey", "J1", "--journey", "J2",
                                   "--browser", "chromium", "--target-config", str(target),
                                   "-k", "creation_du_compte or test_message_un_compte_existe_deja")
    finally:
        extranet.stop()
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "captcha: stop" in proc.stdout  # the default on a black box
    assert sorted((r["journey"], r["outcome"], r["failure_class"]) for r in results) == \
        [("J1", "not_run", "captcha"), ("J2", "not_run", "captcha")], results
    for result in results:
        assert [(s["id"], s["ok"]) for s in result["steps"]] == [
            ("open_creer_mon_espace", True), ("creation_form_shown", True), ("renew_cryptogram", True),
            ("valider_after_cgu", True)], result["steps"]
        assert "code contrôle sécurité" in result["message"]
    assert creation_posts(tmp_path / "x") == []  # VALIDER never clicked
