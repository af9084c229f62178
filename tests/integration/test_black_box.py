"""The monitor against a target it did not start: the reference extranet as a black box.

The extranet runs without an operator key (no cryptogram answer, clock, seeding or notice);
its test accounts are created with its own CLI, as a real portal's operator would. Checked:
monitor cycles exit 0 with write-guarded and operator-only journeys *not run* with their
reason; the recovery journeys pass on the test accounts; a run SIGKILLed at each step of the
reset leaves an account the next run can use; bad credentials files and an account locked by
the target's rate limit are one-line errors with the right outcome.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

# tests/ is on sys.path (pytest inserts a test file's folder): helpers import by name
from support.child_pytest import ROOT, run_pytest
from support.service_helpers import start_or_skip

from extranet.security import verify_password
from extranet.store import Store as ExtranetStore
from fixtures.services.processes import ExtranetService, MailpitService, start_extranet, start_mailpit
from fixtures.target.accounts import CredentialsFile, load_accounts

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def mailpit_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailpitService]:
    service = start_or_skip(lambda: start_mailpit(tmp_path_factory.mktemp("black-box-mailpit")), "mailpit_missing")
    yield service
    service.stop()


def black_box(workdir: Path, mailpit: MailpitService, *extra: str) -> ExtranetService:
    """The reference extranet with no operator key: to the suite, any portal."""
    return start_extranet(workdir, smtp_host=mailpit.smtp_host, smtp_port=mailpit.smtp_port, operator_key=None,
                          extra_args=extra)


def add_accounts(db: Path, credentials: Path, count: int, first: int = 1) -> None:
    """``python -m extranet accounts add``: the operator's CLI, straight into the database."""
    proc = subprocess.run([sys.executable, "-m", "extranet", "accounts", "add", "--database", str(db),
                           "--credentials", str(credentials), "--mailbox", f"qa+{uuid.uuid4().hex[:8]}-{{n}}@sentinel.invalid",
                           "--count", str(count), "--first", str(first)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for account in load_accounts(credentials):  # never printed
        assert account.password not in proc.stdout + proc.stderr and account.identifiant not in proc.stdout


def target_file(tmp_path: Path, extranet: ExtranetService, mailpit: MailpitService, *, writes: bool,
                credentials: Path | None = None, **extra: object) -> Path:
    lines = ["[target]", f'base_url = "{extranet.base_url}"', f'mailpit_url = "{mailpit.http_url}"',
             f"allow_writes = {'true' if writes else 'false'}", "mail_timeout_seconds = 15"]
    if credentials:
        lines.append(f'credentials_file = "{credentials}"')
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path = tmp_path / "target.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def account_works(db: Path, credentials: Path) -> list[str]:
    """Independent oracle, read from the target's own database: for each account, which of the
    file's passwords the target would accept ('password', 'previous_password' or nothing)."""
    store = ExtranetStore(db)
    verdicts = []
    for account in load_accounts(credentials):
        row = store.account(account.identifiant)
        assert row is not None, f"{account.identifiant} is not in the extranet's store"
        stored = row.password_hash
        verdicts.append("password" if verify_password(account.password, stored)
                        else "previous_password" if account.previous_password
                        and verify_password(account.previous_password, stored) else "nothing")
    return verdicts


def monitor_once(tmp_path: Path, target: Path, journeys: list[str]) -> tuple[subprocess.CompletedProcess, dict]:
    config = tmp_path / "monitor.toml"
    config.write_text(f"""
[run]
journeys = {json.dumps(journeys)}
browsers = ["chromium"]
retries = 0
cycle_timeout = "4m"
extra_args = ["--target-config", "{target}"]
[store]
path = "{tmp_path / 'monitor.db'}"
artifacts_dir = "{tmp_path / 'artifacts'}"
[exporter]
listen = "127.0.0.1:0"
""")
    summary = tmp_path / "summary.json"
    proc = subprocess.run([sys.executable, "-m", "monitor", "once", "--config", str(config), "--json", str(summary)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    return proc, (json.loads(summary.read_text()) if summary.exists() else {})


def runs_of(summary: dict) -> dict[str, tuple[str, str | None]]:
    return {r["journey"]: (r["final_outcome"], r["failure_class"]) for r in summary.get("runs", [])}


def test_read_only_monitor_of_a_black_box_exits_0_with_not_run_reasons(tmp_path: Path, mailpit_service) -> None:
    extranet = black_box(tmp_path / "x", mailpit_service)
    try:
        target = target_file(tmp_path, extranet, mailpit_service, writes=False)
        proc, summary = monitor_once(tmp_path, target, ["R1", "N1", "J1", "J2.2b", "J3"])
    finally:
        extranet.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert runs_of(summary) == {"R1": ("success", None), "N1": ("success", None), "J1": ("not_run", "needs_operator"),
                                "J2.2b": ("not_run", "write_guard"), "J3": ("not_run", "write_guard")}
    assert "J1     chromium  not run (needs_operator)" in proc.stdout and "probe_error" not in proc.stdout
    assert summary["errors"] == []


def test_writes_allowed_recovery_journeys_pass_on_test_accounts(tmp_path: Path, mailpit_service) -> None:
    extranet = black_box(tmp_path / "x", mailpit_service)
    credentials = tmp_path / "accounts.toml"
    try:
        add_accounts(extranet.database, credentials, 2)
        before = [a.password for a in load_accounts(credentials)]
        target = target_file(tmp_path, extranet, mailpit_service, writes=True, credentials=credentials)
        proc, summary = monitor_once(tmp_path, target, ["J2.2a", "J2.2b", "J1", "N1"])
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert runs_of(summary) == {"J2.2a": ("success", None), "J2.2b": ("success", None),
                                    "J1": ("not_run", "needs_operator"), "N1": ("success", None)}
        after = load_accounts(credentials)
        assert sum(a.password != b for a, b in zip(after, before, strict=True)) == 1  # J2.2b rotated one account
        assert account_works(extranet.database, credentials) == ["password", "password"]
        assert oct(credentials.stat().st_mode & 0o777) == "0o600"
        secrets = [s for a in after for s in (a.identifiant, a.password)] + before
        for path in [*tmp_path.joinpath("artifacts").rglob("*"), tmp_path / "monitor.db"]:
            if path.is_file():
                data = path.read_bytes()
                assert not any(s.encode() in data for s in secrets), f"a secret reached {path}"
    finally:
        extranet.stop()


# A run killed at each point of the reset (see fixtures/core/kill_points.py), then a normal run.
KILL_POINTS = ["after:forgot_password", "after:read_reset_mail", "password_written",
               "after:open_reset_link_new_password", "after:login_with_new_password"]


@pytest.fixture(scope="module")
def one_account_box(tmp_path_factory: pytest.TempPathFactory, mailpit_service) -> Iterator[tuple[Path, Path]]:
    workdir = tmp_path_factory.mktemp("kill")
    extranet = black_box(workdir / "x", mailpit_service, "--reset-rate-limit", "0")
    credentials = workdir / "accounts.toml"
    add_accounts(extranet.database, credentials, 1)
    target = target_file(workdir, extranet, mailpit_service, writes=True, credentials=credentials)
    yield target, extranet.database
    extranet.stop()


def j2_2(tmp_path: Path, target: Path, journey: str, **env: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    return run_pytest(tmp_path, "journeys", "--journey", journey, "--browser", "chromium",
                      "--target-config", str(target), env=env)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_at_each_step_leaves_an_account_the_next_run_uses(tmp_path: Path, one_account_box,
                                                                        point: str) -> None:
    target, db = one_account_box
    credentials = Path(load_target(target))
    killed, _ = j2_2(tmp_path / "killed", target, "J2.2b", SENTINEL_TEST_KILL_AT=point)
    assert killed.returncode == -9, f"the run was not killed at {point}: {killed.stdout[-1500:]}"
    state = account_works(db, credentials)
    assert state != ["nothing"] or point == "never", state  # a password of the file still works
    after, results = j2_2(tmp_path / "after", target, "J2.2a")  # logs in with the file's password
    assert after.returncode == 0 and [r["outcome"] for r in results] == ["success"], after.stdout[-3000:]
    assert account_works(db, credentials) == ["password"]
    assert load_accounts(credentials)[0].previous_password is None  # healed and confirmed


def test_an_account_changed_behind_our_back_is_recovered_by_forgot_password(tmp_path: Path, one_account_box) -> None:
    target, db = one_account_box
    credentials = Path(load_target(target))
    file = CredentialsFile(credentials)
    name = file.accounts[0].name
    file.begin_rotation(name, "Pas-le-bon-1!aaaa")
    file.begin_rotation(name, "Pas-le-bon-2!bbbb")  # neither candidate works now
    assert account_works(db, credentials) == ["nothing"]
    proc, results = j2_2(tmp_path, target, "J2.2a")
    assert proc.returncode == 0, proc.stdout[-3000:]
    steps = [s["id"] for s in results[0]["steps"]]
    assert steps[:2] == ["test_account_find_password", "test_account_recover"], steps
    assert account_works(db, credentials) == ["password"]


def test_without_test_accounts_the_recovery_journeys_are_not_run_with_the_reason(tmp_path: Path,
                                                                                   one_account_box) -> None:
    target, _ = one_account_box
    no_accounts = tmp_path / "target.toml"
    no_accounts.write_text("\n".join(line for line in target.read_text().splitlines()
                                     if not line.startswith("credentials_file")))
    proc, results = j2_2(tmp_path, no_accounts, "J2.2b")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert [(r["outcome"], r["failure_class"]) for r in results] == [("not_run", "needs_test_account")]
    assert "[[account]]" in results[0]["message"]


def load_target(target: Path) -> str:
    import tomllib
    return tomllib.loads(target.read_text())["target"]["credentials_file"]


# -- bad input -------------------------------------------------------------------------------


def test_a_world_readable_credentials_file_is_a_probe_error_and_the_monitor_keeps_its_rows(
        tmp_path: Path, mailpit_service) -> None:
    extranet = black_box(tmp_path / "x", mailpit_service)
    credentials = tmp_path / "accounts.toml"
    try:
        add_accounts(extranet.database, credentials, 1)
        credentials.chmod(0o644)
        target = target_file(tmp_path, extranet, mailpit_service, writes=True, credentials=credentials)
        proc, summary = monitor_once(tmp_path, target, ["J2.2b", "R1"])
        assert proc.returncode == 3, proc.stdout + proc.stderr  # ours to fix: a probe error, not the target's
        assert runs_of(summary) == {"J2.2b": ("probe_error", "credentials_invalid"), "R1": ("success", None)}
        line = next(a["message"] for a in summary["attempts"] if a["journey"] == "J2.2b")
        assert "chmod 600" in line and "\n" not in line
        credentials.chmod(0o600)  # fixed: the next cycle runs, and the first one is still in the store
        proc, summary = monitor_once(tmp_path, target, ["J2.2b", "R1"])
        assert proc.returncode == 0 and summary["cycle_id"] == 2, proc.stdout + proc.stderr
    finally:
        extranet.stop()


def test_an_account_locked_by_the_target_rate_limit_is_a_target_failure_naming_it(tmp_path: Path,
                                                                                   mailpit_service) -> None:
    extranet = black_box(tmp_path / "x", mailpit_service, "--reset-rate-limit", "1")
    credentials = tmp_path / "accounts.toml"
    try:
        add_accounts(extranet.database, credentials, 1)
        target = target_file(tmp_path, extranet, mailpit_service, writes=True, credentials=credentials,
                             recovery_rate_limit=1)
        first, results = j2_2(tmp_path / "1", target, "J2.2b")
        assert [r["outcome"] for r in results] == ["success"], first.stdout[-3000:]
        second, results = j2_2(tmp_path / "2", target, "J2.2b")
        assert [(r["outcome"], r["failure_class"]) for r in results] == [("failure", "account_locked")]
        assert "test account compte-1" in results[0]["message"], results[0]["message"]
        assert account_works(extranet.database, credentials) == ["password"]  # locked, never lost
    finally:
        extranet.stop()
