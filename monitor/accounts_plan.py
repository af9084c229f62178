"""At start (``check-config``, ``run``): does the schedule fit the target's test accounts?

Why at start: a target rate-limits recovery requests per account; a schedule that plans more
than accounts × limit per window spends the quota and its later runs are *not run*
(``account_quota``). The operator should learn it before the first cycle, with the number of
accounts to ask for. The arithmetic is ``fixtures.target.quota.plan_accounts`` (pure); this
module only finds its inputs: the monitor's schedule and the target config the child gets
(``--target-config`` in ``[run] extra_args``, or ``SENTINEL_CONFIG``).
"""
from __future__ import annotations

import os
from typing import Mapping

from fixtures.core.outcomes import CredentialsError
from fixtures.core.procedure import spends_of
from fixtures.target.accounts import load_accounts
from fixtures.target.captcha import Strategy, refusal
from fixtures.target.config import TargetConfig, TargetConfigError, load_target_config
from fixtures.target.quota import AccountPlan, plan_accounts, plan_headline
from monitor.config import Config, ConfigError


def target_config_of(cfg: Config, env: Mapping[str, str] | None = None) -> TargetConfig:
    """The target config the child will read: ``--target-config`` and ``--allow-writes`` of
    ``[run] extra_args`` over ``SENTINEL_*`` (as the plugin merges them)."""
    env = os.environ if env is None else env
    args, path, writes = list(cfg.extra_args), None, None
    for i, arg in enumerate(args):
        option, eq, value = arg.partition("=")
        if option == "--target-config":
            path = value if eq else (args[i + 1] if i + 1 < len(args) else None)
        elif arg == "--allow-writes":
            writes = True
    return load_target_config(path, env=env, overrides={"allow_writes": writes})


def refuse_captcha_ask(cfg: Config, env: Mapping[str, str] | None = None) -> None:
    """``captcha = "ask"`` waits for a person to type the code: never in the monitor (no one is there).
    Checked at start (``check-config``, ``once``, ``run``), before any cycle; an unreadable target
    config is left to the lines that report it."""
    try:
        target = target_config_of(cfg, env)
    except TargetConfigError:
        return
    problem = refusal(target.captcha_strategy, has_operator=target.has_operator, bypass=target.captcha_bypass,
                      headed=None)
    if problem and target.captcha_strategy is Strategy.ASK:
        raise ConfigError("target config: captcha", problem, 'set captcha = "stop" (or "bypass" with the portal '
                          "operators' leave) in the target file the monitor's child reads")


def account_plans(cfg: Config, env: Mapping[str, str] | None = None) -> tuple[list[AccountPlan], str | None]:
    """The plans per kind of request, or none and a line saying why no test account is used."""
    try:
        target = target_config_of(cfg, env)
    except TargetConfigError as exc:
        return [], f"test accounts: the target config cannot be read ({exc})"
    senders = {j: spends_of(j) for j in cfg.journeys if spends_of(j)}
    if not senders:
        return [], None
    if target.has_operator:
        return [], "test accounts: none needed (the reference extranet's operator seeds an account per journey)"
    if not target.writes_allowed:
        return [], "test accounts: none used (writes are not allowed on this target: recovery journeys are not run)"
    if not target.credentials_file:
        return [], ("test accounts: none configured (credentials_file): " + ", ".join(senders)
                    + " will be not run (needs_test_account)")
    try:
        accounts = len(load_accounts(target.credentials_file))
    except CredentialsError as exc:
        return [], f"test accounts: {exc}"
    return plan_accounts(senders, len(cfg.browsers), cfg.interval, accounts, target.quota_budgets()), None


def account_plan_lines(cfg: Config, env: Mapping[str, str] | None = None) -> list[str]:
    """The headline (ok, or how many accounts the schedule needs), then one line per kind."""
    plans, why = account_plans(cfg, env)
    if why:
        return [why]
    headline = plan_headline(plans)
    return ([headline] if headline else []) + [f"  {plan.line()}" for plan in plans]
