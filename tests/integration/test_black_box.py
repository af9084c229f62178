"""The monitor against a target it did not start: the reference extranet as a black box.

The extranet runs without an operator key (no cryptogram answer, clock, seeding or notice);
its test accounts are created with its own CLI, as a real portal's operator would. Checked:
monitor cycles exit 0 with write-guarded and operator-only journeys *not run* with their
reason; the recovery journeys pass on the test accounts; a run SIGKILLed at each step of the
reset leaves an account the next run can use; bad credentials files and an account locked by
the target's rate limit are one-line errors with the right outcome.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest

# tests/ is on sys.path (pytest inserts a test file's folder): helpers import by name
from support.black_box import add_accounts, black_box, target_file
from support.child_pytest import run_pytest
from support.monitor_toml import monitor_config
from support.service_helpers import start_or_skip

from extranet.security import verify_password
from extranet.store import Store as ExtranetStore
from fixtures.services.processes import ExtranetService, MailpitService, start_extranet, start_mailpit
from fixtures.target.accounts import CredentialsFile, load_accounts
from monitor.store.results_db import Store

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=190)]


@pytest.fixture(scope="module")
def mailpit_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailpitService]:
    service = start_or_skip(lambda: start_mailpit(tmp_path_factory.mktemp("black-box-mailpit")), "mailpit_missing")
    yield service
    service.stop()


@contextlib.contextmanager
def box_with_accounts(tmp_path: Path, mailpit: MailpitService, count: int, extranet_args: tuple[str, ...] = (),
                      **target_keys: object) -> Iterator[tuple[ExtranetService, Path, Path]]:
    """A black box with ``count`` test accounts: (the extranet, its credentials file, the target file)."""
    extranet = black_box(tmp_path / "x", mailpit, *extranet_args)
    credentials = tmp_path / "accounts.toml"
    try:
        add_accounts(extranet.database, credentials, count)
        yield extranet, credentials, target_file(tmp_path, extranet, mailpit, writes=True, credentials=credentials,
                                                 **target_keys)
    finally:
        extranet.stop()


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
    config = monitor_config(tmp_path, target, journeys, ["chromium"], cycle_timeout="4m")
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
    assert runs_of(summary) == {"R1": ("success", None), "N1": ("success", None), "J1": ("not_run", "write_guard"),
                                "J2.2b": ("not_run", "write_guard"), "J3": ("not_run", "write_guard")}
    assert "J1     chromium  not run (write_guard)" in proc.stdout and "probe_error" not in proc.stdout
    # Coverage said per target: J3 filled to the last click, N1 read; the rest with why not.
    [coverage] = summary["coverage"]
    assert (coverage["exercised"], coverage["declared"]) == (4, 22), coverage
    assert {k: len(v) for k, v in coverage["not_exercised"].items()} == {"write_guard": 14, "needs_operator": 4}
    assert "coverage chromium: 4 of 22 help-page steps exercised; not: write_guard 14 (J1, J2.2b, J3), " \
           "needs_operator 4 (N1)" in proc.stdout
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
                                    "J1": ("not_run", "captcha"), "N1": ("success", None)}
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
    extranet = black_box(workdir / "x", mailpit_service, "--reset-rate-limit", "0", "--login-lockout-attempts", "0")
    credentials = workdir / "accounts.toml"
    add_accounts(extranet.database, credentials, 1)
    # the extranet sets no recovery limit and no lockout here: neither does the suite (its quota is tested below)
    target = target_file(workdir, extranet, mailpit_service, writes=True, credentials=credentials,
                         recovery_rate_limit=1000, login_lockout_attempts=0)
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


def test_past_its_own_quota_the_journey_is_not_run_naming_the_shortfall_and_nothing_is_sent(
        tmp_path: Path, mailpit_service) -> None:
    with box_with_accounts(tmp_path, mailpit_service, 1, ("--reset-rate-limit", "1"), recovery_rate_limit=1) as box:
        extranet, credentials, target = box
        first, results = j2_2(tmp_path / "1", target, "J2.2b")
        assert [r["outcome"] for r in results] == ["success"], first.stdout[-3000:]
        second, results = j2_2(tmp_path / "2", target, "J2.2b")
        assert second.returncode == 0, second.stdout[-3000:]
        assert [(r["outcome"], r["failure_class"], r["accounts_short"]) for r in results] == \
            [("not_run", "account_quota", 1)], results
        assert results[0]["message"].startswith("test accounts exhausted: 1 more account or a longer interval"), \
            results[0]["message"]
        assert results[0]["duration_seconds"] < 15  # no mail timeout waited out
        assert recovery_requests_seen_by(extranet.database) == 1  # the second request was never sent
        assert account_works(extranet.database, credentials) == ["password"]


def recovery_requests_seen_by(db: Path) -> int:
    """What the target itself counted (its rate-limit table): the suite's oracle-free view."""
    import sqlite3
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return int(connection.execute("SELECT count(*) FROM rate_limits").fetchone()[0])


# -- a lock the suite did not cause -------------------------------------------------------------
def test_an_account_locked_by_someone_else_is_account_locked_before_the_journey_uses_it(
        tmp_path: Path, mailpit_service) -> None:
    with box_with_accounts(tmp_path, mailpit_service, 1) as (extranet, credentials, target):
        identifiant = load_accounts(credentials)[0].identifiant
        with httpx.Client(base_url=extranet.base_url) as someone:  # its owner, mistyping 5 times
            for _ in range(5):
                token = re.search(r'name="csrf_token" value="([^"]+)"', someone.get("/").text)
                assert token, "no CSRF token on the home page"
                someone.post("/connexion", data={"csrf_token": token.group(1), "identifiant": identifiant,
                                                 "mot_de_passe": "Pas-le-sien-1!"})
        proc, results = j2_2(tmp_path, target, "J2.2a")
        assert [(r["outcome"], r["failure_class"]) for r in results] == [("failure", "account_locked")], \
            proc.stdout[-3000:]
        assert "test account compte-1: the target says it is locked" in results[0]["message"]
        assert [s["id"] for s in results[0]["steps"]] == ["test_account_find_password"]  # before the journey's steps
        assert recovery_requests_seen_by(extranet.database) == 0  # nothing sent: no recovery, no mail wait
        assert account_works(extranet.database, credentials) == ["password"]  # the suite changed nothing


# -- too few accounts, two browsers (the judged run) -------------------------------------------------
def test_too_few_accounts_are_named_at_start_and_in_the_report_and_never_fail_a_browser(
        tmp_path: Path, mailpit_service) -> None:
    with box_with_accounts(tmp_path, mailpit_service, 1, ("--reset-rate-limit", "1"), recovery_rate_limit=1) as box:
        extranet, credentials, target = box
        config = monitor_config(tmp_path, target, ["J2.2a", "J2.2b"], ["chromium", "firefox"], interval="15m", exporter=True)
        check = monitor(config, "check-config")
        assert check.returncode == 0, check.stderr
        assert ("test accounts: too few: 8 forgotten-identifier requests per hour (J2.2a × 2 browsers × 4 cycles) "
                "for 1 account × 1 allowed = 1: the schedule needs 8 accounts (7 more)") in check.stdout, check.stdout
        run = monitor(config, "run", "--max-cycles", "1", "--no-exporter")
        assert run.returncode == 0, run.stderr[-3000:]
        start = run.stderr.index("test accounts: too few: 8 password-reset requests per hour")
        assert start < run.stderr.index("cycle 1"), "the shortfall is said before the first cycle"
        with Store.open_reader(tmp_path / "monitor.db") as store:
            rows = [(r.journey, r.browser, r.outcome, r.failure_class) for r in store.results()]
        assert len(rows) == 4, rows
        for journey in ("J2.2a", "J2.2b"):  # one browser got the account's one request, the other was not run
            assert sorted((o, c) for j, _b, o, c in rows if j == journey) == \
                [("not_run", "account_quota"), ("success", None)], rows
        assert recovery_requests_seen_by(extranet.database) == 2  # one per kind: nothing past the quota sent
        report = monitor(config, "report")
        assert "Test accounts exhausted: 1 more account or a longer interval" in report.stdout, report.stdout
        metrics = scrape(config)
        assert metrics["extranet_test_accounts_missing"] == 1.0
        exhausted = [v for k, v in metrics.items() if k.startswith("extranet_test_accounts_exhausted_total{")]
        assert sum(exhausted) == 2.0, metrics
        assert account_works(extranet.database, credentials) == ["password"]


def monitor(config: Path, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *command],
                          cwd=config.parent, capture_output=True, text=True, timeout=timeout)


def scrape(config: Path) -> dict[str, float]:
    """``monitor serve`` on the config's store, one scrape of /metrics: {series: value}."""
    import tomllib
    listen = tomllib.loads(config.read_text())["exporter"]["listen"]
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "serve"], cwd=config.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = httpx.get(f"http://{listen}/metrics", timeout=2).text
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"monitor serve did not answer: {proc.stderr.read() if proc.stderr else ''}") \
                        from None
                time.sleep(0.2)  # polling a port coming up: no event to wait on
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
            if line and not line.startswith("#")}


# -- killed at random moments, a password changed behind its back: the next clean cycle passes ------
def test_after_random_kills_and_passwords_changed_behind_its_back_the_next_clean_cycle_passes(
        tmp_path: Path, mailpit_service) -> None:
    seed = int(os.environ.get("SENTINEL_KILL_SEED", time.time()))
    chance = random.Random(seed)
    print(f"kill seed {seed} (SENTINEL_KILL_SEED to replay)")
    # cycles back to back: a target that tolerates them (else the suite's own quota says not run, tested above)
    with box_with_accounts(tmp_path, mailpit_service, 2, ("--reset-rate-limit", "0", "--login-lockout-attempts", "20"),
                           recovery_rate_limit=1000, login_lockout_attempts=20) as (extranet, credentials, target):
        config = monitor_config(tmp_path, target, ["J2.2a", "J2.2b"], ["chromium", "firefox"], interval="15m",
                                exporter=True)
        for _ in range(2):  # SIGKILL the whole monitor (and its child) at a random moment of a cycle
            proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "once"],
                                    cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=chance.uniform(3.0, 40.0))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        change_passwords_behind_its_back(extranet.database, credentials)
        assert account_works(extranet.database, credentials) == ["nothing", "nothing"]
        clean, summary = monitor_once_with(config, tmp_path)
        assert clean.returncode == 0, f"seed {seed}: " + clean.stdout[-3000:] + clean.stderr[-2000:]
        assert sorted(runs_of_browsers(summary)) == [
            ("J2.2a", "chromium", "success"), ("J2.2a", "firefox", "success"),
            ("J2.2b", "chromium", "success"), ("J2.2b", "firefox", "success")], f"seed {seed}: {clean.stdout}"
        assert account_works(extranet.database, credentials) == ["password", "password"]


def test_a_password_changed_behind_its_back_is_healed_before_j2_2a_logs_in_on_either_browser(
        tmp_path: Path, mailpit_service) -> None:
    with box_with_accounts(tmp_path, mailpit_service, 1) as (extranet, credentials, target):
        change_passwords_behind_its_back(extranet.database, credentials)  # the file says nothing of it
        assert load_accounts(credentials)[0].previous_password is None
        proc, results = run_pytest(tmp_path, "journeys", "--journey", "J2.2a", "--browser", "chromium",
                                   "--browser", "firefox", "--target-config", str(target))
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert sorted((r["browser"], r["outcome"]) for r in results) == [("chromium", "success"), ("firefox", "success")]
        healed = [r for r in results if [s["id"] for s in r["steps"]][:2] == ["test_account_find_password",
                                                                               "test_account_recover"]]
        assert len(healed) == 1, [[s["id"] for s in r["steps"]] for r in results]  # once, before the journey
        assert account_works(extranet.database, credentials) == ["password"]


def change_passwords_behind_its_back(db: Path, credentials: Path) -> None:
    """What an account's owner (or a portal reset) does: a new password the suite does not know."""
    import sqlite3

    from extranet.security import hash_password
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        for account in load_accounts(credentials):
            connection.execute("UPDATE accounts SET password_hash = ? WHERE identifiant = ?",
                               (hash_password(f"Change-Ailleurs-{uuid.uuid4().hex[:6]}!A1"), account.identifiant))


def monitor_once_with(config: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    summary = tmp_path / "summary.json"
    summary.unlink(missing_ok=True)
    proc = monitor(config, "once", "--json", str(summary))
    return proc, (json.loads(summary.read_text()) if summary.exists() else {})


def runs_of_browsers(summary: dict) -> list[tuple[str, str, str]]:
    return [(r["journey"], r["browser"], r["final_outcome"]) for r in summary.get("runs", [])]


# -- test accounts' personal data: in no output, the child logs included ----------------------------
def personal_forms(credentials: Path) -> list[str]:
    """Each account's SIRET (also as SIREN and spaced), dénomination, names, phone (also spaced
    by pairs) and mailbox, written out here rather than asked of the code under test."""
    values: list[str] = []
    for a in load_accounts(credentials):
        s, t = a.siret, a.telephone or ""
        values += [s, s[:9], f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}", a.mailbox, a.denomination or "", a.nom or "",
                   a.prenom or "", t, " ".join(t[i:i + 2] for i in range(0, len(t), 2))]
    return [v for v in values if v]


def test_test_accounts_personal_data_reach_no_output_child_logs_included(tmp_path: Path, mailpit_service) -> None:
    """A black box whose test account has a SIRET, dénomination, nom, prénom, phone and mailbox
    (Mon espace shows the SIRET and dénomination; the mails greet the nom, go to the mailbox).
    Cycle 1: J2.2a and J2.2b traced and passing. Cycle 2, the target relabelled so that both fail
    on « Mon espace » (failure message, screen snapshot, trace and screenshot kept). Every file the
    monitor, its children, the report, JUnit, the JSON summary and /metrics leave, and the
    terminals, are searched for every form of that data (``support.leak_audit.scan``)."""
    from support.leak_audit.scan import scan

    from fixtures.secrets.registry import SecretRegistry
    from monitor.export.exporter import ExporterServer, StoreCollector

    out = tmp_path / "out"  # every output of the suite, and nothing of the target's
    out.mkdir()
    credentials = tmp_path / "accounts.toml"
    lockout = ["--login-lockout-attempts", "20"]  # two cycles in a minute on one account: its quota is tested above
    extranet = black_box(tmp_path / "x", mailpit_service, *lockout)
    add_accounts(extranet.database, credentials, 1, 1, "--denomination", "Boulangerie Pâtissière Brisebois",
                 "--nom", "Brisebois", "--prenom", "Gwendoline")
    registry = SecretRegistry(personal_forms(credentials))
    assert len(registry) >= 9, registry.values

    def cycle(extranet: ExtranetService, n: int) -> subprocess.CompletedProcess:
        target = target_file(tmp_path, extranet, mailpit_service, writes=True, credentials=credentials,
                             login_lockout_attempts=20)
        config = out / "monitor.toml"
        config.write_text(f"""
[run]
journeys = ["J2.2a", "J2.2b"]
browsers = ["chromium"]
retries = 0
cycle_timeout = "5m"
extra_args = ["--target-config", "{target}", "--tracing=on", "--screenshot=on", "--action-timeout", "10"]
[store]
path = "{out / 'monitor.db'}"
artifacts_dir = "{out / 'artifacts'}"
aria_snapshots_dir = "{out / 'aria-snapshots'}"
""")
        proc = monitor(config, "once", "--json", str(out / f"summary-{n}.json"), "--junit-xml", str(out / f"junit-{n}.xml"))
        (out / f"terminal-{n}.txt").write_text(proc.stdout + proc.stderr)
        return proc

    try:
        first = cycle(extranet, 1)
    finally:
        extranet.stop()
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    relabelled = start_extranet(tmp_path / "x", smtp_host=mailpit_service.smtp_host, smtp_port=mailpit_service.smtp_port,
                                operator_key=None, database=extranet.database,
                                extra_args=[*lockout, "--faults",
                                            json.dumps({"label_overrides": {"Se déconnecter": "Quitter"}})])
    try:
        second = cycle(relabelled, 2)
    finally:
        relabelled.stop()
    summary = json.loads((out / "summary-2.json").read_text())
    assert second.returncode == 1 and {r["final_outcome"] for r in summary["runs"]} == {"failure"}, second.stdout[-3000:]
    config = out / "monitor.toml"
    report = monitor(config, "report", "--html", str(out / "report.html"))
    (out / "report.txt").write_text(report.stdout + report.stderr)
    exporter = ExporterServer(StoreCollector(out / "monitor.db"), "127.0.0.1", 0)
    exporter.start()
    try:
        (out / "metrics.txt").write_text(httpx.get(f"http://127.0.0.1:{exporter.port}/metrics", timeout=30).text)
    finally:
        exporter.stop()

    child_logs = sorted(out.joinpath("artifacts").rglob("child.log"))
    traces = list(out.rglob("trace*.zip"))
    assert len(child_logs) == 2 and traces and list(out.rglob("*.png")), (child_logs, traces)
    assert "Mon espace" in "".join(p.read_text() for p in child_logs)  # the failures' screen is in the log
    findings = scan([out], registry)
    assert findings == [], "test accounts' personal data left behind:\n" + "\n".join(findings[:40])

    # The scan finds the data where it would be: planted in a copy of a child log, as a log writes it.
    account = load_accounts(credentials)[0]
    planted = tmp_path / "planted" / "child.log"
    planted.parent.mkdir()
    planted.write_text(child_logs[0].read_text() + f"\nSIRET {account.siret[:3]} {account.siret[3:6]} "
                       f"{account.siret[6:9]} {account.siret[9:]} — {account.prenom} {account.nom}\n")
    assert len(scan([planted.parent], registry)) >= 1
