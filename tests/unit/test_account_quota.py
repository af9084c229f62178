"""The suite's own ledger of what it asked of each test account (fixtures/target/quota.py) and the
lease that reads it (fixtures/target/accounts.py): files on disk, no process, no network."""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.core.outcomes import NOT_RUN_REASONS, AccountQuota, Outcome, classify
from fixtures.core.procedure import spends_of
from fixtures.target.accounts import CredentialsFile
from fixtures.target.config import TargetConfigError, load_target_config
from fixtures.target.quota import LOGIN_REFUSED, Budget, QuotaLedger, accounts_needed, plan_accounts, plan_headline

HOUR = Budget(2, 3600.0)


def ledger(tmp_path: Path, **budgets: Budget) -> QuotaLedger:
    return QuotaLedger(tmp_path / "accounts-x", budgets or {"reinitialisation": HOUR})


def test_a_request_is_reserved_until_the_limit_then_refused_and_the_window_frees_it(tmp_path: Path) -> None:
    quota = ledger(tmp_path)
    assert [quota.reserve("a", "reinitialisation", now=1000 + i) is not None for i in range(3)] == [True, True, False]
    assert quota.remaining("a", "reinitialisation", now=1003) == 0
    assert quota.remaining("b", "reinitialisation", now=1003) == 2  # per account
    assert quota.remaining("a", "reinitialisation", now=1000 + 3600.5) == 1  # the first one left the window
    assert quota.remaining("a", "identifiant") is None  # a kind without a budget has no limit


def test_the_ledger_is_shared_by_every_reader_of_the_same_folder(tmp_path: Path) -> None:
    ledger(tmp_path).reserve("a", "reinitialisation", now=10)
    assert ledger(tmp_path).used("a", "reinitialisation", now=11) == 1  # another worker, another run


def test_a_line_torn_by_a_kill_is_skipped_and_the_next_one_still_counts(tmp_path: Path) -> None:
    quota = ledger(tmp_path)
    quota.reserve("a", "reinitialisation", now=5000)
    for path in tmp_path.glob("*.ledger"):
        with path.open("ab") as data:
            data.write(b"50")  # a kill in the middle of a write
    quota.reserve("a", "reinitialisation", now=5001)
    assert quota.used("a", "reinitialisation", now=5002) == 2


def test_a_released_reservation_no_longer_counts(tmp_path: Path) -> None:
    quota = ledger(tmp_path, **{LOGIN_REFUSED: Budget(1, 900)})
    stamp = quota.reserve("a", LOGIN_REFUSED, now=100)
    assert stamp is not None and quota.reserve("a", LOGIN_REFUSED, now=101) is None
    quota.release("a", LOGIN_REFUSED, stamp)
    assert quota.reserve("a", LOGIN_REFUSED, now=102) is not None


def test_a_zero_budget_allows_nothing(tmp_path: Path) -> None:
    assert ledger(tmp_path, **{LOGIN_REFUSED: Budget(0, 900)}).reserve("a", LOGIN_REFUSED) is None


def test_the_shortfall_counts_refused_demand_and_names_how_many_more_accounts(tmp_path: Path) -> None:
    quota = ledger(tmp_path)
    for i in range(4):  # two accounts, both full
        quota.reserve("ab"[i % 2], "reinitialisation", now=100 + i)
    for i in range(3):
        quota.note_refused("reinitialisation", now=110 + i)
    short = quota.shortfall("reinitialisation", ["a", "b"], now=120)
    assert (short.asked, short.refused, short.accounts_needed, short.more_accounts) == (7, 3, 4, 2)
    assert short.sentence().startswith("test accounts exhausted: 2 more accounts or a longer interval")
    (tmp_path / "other").mkdir()
    one = ledger(tmp_path / "other")
    one.note_refused("reinitialisation", now=1)
    assert one.shortfall("reinitialisation", ["a"], now=2).more_accounts == 1  # a refusal: at least one more


def test_accounts_needed_rounds_up() -> None:
    assert [accounts_needed(n, 5) for n in (0, 1, 5, 6, 10, 11)] == [0, 1, 1, 2, 2, 3]


def test_account_quota_is_a_not_run_reason_never_a_failure() -> None:
    assert "account_quota" in NOT_RUN_REASONS and "test_account_unusable" in NOT_RUN_REASONS
    assert classify(AccountQuota("x")).outcome is Outcome.NOT_RUN


def credentials(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "accounts.toml"
    path.write_text("".join(f'[[account]]\nname = "compte-{i}"\nidentifiant = "AP0000000{i}"\npassword = "Pw-{i}-xxxxxxx!"\n'
                            f'siret = "7328293200007{i}"\nmailbox = "qa+{i}@example.org"\n' for i in range(1, n + 1)))
    path.chmod(0o600)
    return path


def test_the_lease_skips_accounts_without_quota_and_says_the_shortfall_when_none_has_any(tmp_path: Path) -> None:
    file = CredentialsFile(credentials(tmp_path, 2), lock_dir=tmp_path / "locks", budgets={"reinitialisation": HOUR})
    for _ in range(2):
        file.quota.reserve("compte-1", "reinitialisation")
    with file.lease(["reinitialisation"]) as account:
        assert account.name == "compte-2"
    with file.lease(["identifiant"]) as account:  # another kind: compte-1 is free for it
        assert account.name in {"compte-1", "compte-2"}
    for _ in range(2):
        file.quota.reserve("compte-2", "reinitialisation")
    with pytest.raises(AccountQuota, match="1 more account or a longer interval") as info:
        with file.lease(["reinitialisation"]):
            pass
    assert info.value.accounts_short == 1 and "compte-" not in str(info.value)


def test_recovery_window_and_lockout_keys_of_the_target_config(tmp_path: Path) -> None:
    target = tmp_path / "target.toml"
    target.write_text("[target]\nrecovery_rate_limit = 3\nrecovery_rate_window_seconds = 600\n"
                      "login_lockout_attempts = 5\nlogin_lockout_window_seconds = 900\n")
    budgets = load_target_config(target, env={}).quota_budgets()
    assert budgets["reinitialisation"] == Budget(3, 600.0) and budgets[LOGIN_REFUSED] == Budget(2, 900.0)
    target.write_text("[target]\nlogin_lockout_attempts = 0\n")
    assert LOGIN_REFUSED not in load_target_config(target, env={}).quota_budgets()  # a target that never locks
    target.write_text("[target]\nrecovery_rate_window_seconds = 0\n")
    with pytest.raises(TargetConfigError, match="recovery_rate_window_seconds: expected a whole number ≥ 1"):
        load_target_config(target, env={})


# -- the schedule's plan (fixtures/target/quota.py plan_accounts, monitor/accounts_plan.py) ----------------
def test_the_plan_counts_journeys_times_browsers_times_cycles_per_window_against_accounts_times_limit() -> None:
    budgets = {"identifiant": Budget(5, 3600.0), "reinitialisation": Budget(5, 3600.0)}
    plans = plan_accounts({"J2.2a": ("identifiant",), "J2.2b": ("reinitialisation",)}, browsers=2,
                          interval_seconds=300, accounts=2, budgets=budgets)
    assert [(p.kind, p.planned, p.allowed, p.needed, p.ok) for p in plans] == \
        [("identifiant", 24, 10, 5, False), ("reinitialisation", 24, 10, 5, False)]
    line = plans[1].line()
    assert line.startswith("test accounts: too few: 24 password-reset requests per hour (J2.2b × 2 browsers × "
                           "12 cycles) for 2 accounts × 5 allowed = 10: the schedule needs 5 accounts (3 more)"), line
    assert line.endswith("or an interval of at least 12 min"), line  # 10 // 2 = 5 cycles an hour
    fine = plan_accounts({"J2.2b": ("reinitialisation",)}, browsers=2, interval_seconds=900, accounts=2,
                         budgets=budgets)
    assert [(p.planned, p.ok) for p in fine] == [(8, True)]
    assert fine[0].line().startswith("test accounts: ok: 8 password-reset requests per hour")


def test_the_plan_says_when_no_interval_is_long_enough() -> None:
    plans = plan_accounts({"J2.2b": ("reinitialisation", "reinitialisation")}, browsers=3, interval_seconds=3600,
                          accounts=1, budgets={"reinitialisation": Budget(5, 3600.0)})
    assert plans[0].planned == 6 and plans[0].needed == 2
    assert plans[0].line().endswith("or fewer journeys or browsers (not even one cycle per window fits)")
    assert plan_headline(plans) == ("test accounts: too few: the schedule needs 2 accounts, 1 configured (1 more), "
                                    "or fewer journeys or browsers")


def test_the_headline_takes_the_busiest_kind_and_the_interval_every_kind_fits_in() -> None:
    budgets = {"reinitialisation": Budget(5, 3600.0), LOGIN_REFUSED: Budget(2, 900.0)}
    plans = plan_accounts({"J2.2b": ("reinitialisation", LOGIN_REFUSED)}, browsers=2, interval_seconds=120,
                          accounts=2, budgets=budgets)
    # per hour: 30 cycles × 2 = 60 resets → 12 accounts; per 15 min: 8 × 2 = 16 wrong passwords → 8 accounts
    assert [(p.kind, p.needed) for p in plans] == [("reinitialisation", 12), (LOGIN_REFUSED, 8)]
    assert plan_headline(plans) == ("test accounts: too few: the schedule needs 12 accounts, 2 configured (10 more), "
                                    "or an interval of at least 12 min")  # resets: 10 per hour; wrong: 8 min
    assert plan_headline(plan_accounts({"J2.2b": ("reinitialisation",)}, 2, 900, 2, budgets)) == \
        "test accounts: ok: 2 accounts carry the schedule (2 needed)"
    assert plan_headline([]) is None


def test_journeys_that_send_no_recovery_request_plan_nothing() -> None:
    assert plan_accounts({}, browsers=3, interval_seconds=60, accounts=0, budgets={}) == []
    assert spends_of("J2.2a") == ("identifiant",) and spends_of("R1") == () and spends_of("X9") == ()


def test_check_config_finds_the_target_config_of_the_child_and_counts_its_accounts(tmp_path: Path) -> None:
    from monitor.accounts_plan import account_plan_lines
    from monitor.config import Config
    creds = credentials(tmp_path, 2)
    target = tmp_path / "target.toml"
    target.write_text(f'[target]\nbase_url = "http://127.0.0.1:9"\nallow_writes = true\n'
                      f'credentials_file = "{creds.name}"\nrecovery_rate_limit = 5\n')
    cfg = Config(journeys=("J2.2a", "J2.2b", "R1"), browsers=("chromium", "firefox"), interval=300.0,
                 extra_args=("--target-config", str(target)))
    lines = account_plan_lines(cfg, env={})
    assert lines[0] == ("test accounts: too few: the schedule needs 5 accounts, 2 configured (3 more), or an interval "
                        "of at least 12 min"), lines
    lines = [line.strip() for line in lines[1:]]
    assert [line.split(":")[1].strip() for line in lines] == ["too few"] * 3, lines
    assert "needs 5 accounts (3 more)" in lines[0]
    assert lines[2].startswith("test accounts: too few: 6 wrong-password logins per 15 min (J2.2b × 2 browsers × "
                               "3 cycles) for 2 accounts × 2 allowed = 4: the schedule needs 3 accounts (1 more)")
    target.write_text(target.read_text().replace("allow_writes = true", "allow_writes = false"))
    assert account_plan_lines(cfg, env={}) == [
        "test accounts: none used (writes are not allowed on this target: recovery journeys are not run)"]
    assert account_plan_lines(Config(journeys=("R1",)), env={}) == []
