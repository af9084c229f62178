"""The captcha strategy of a target (``fixtures.target.captcha``): its default, the checks that refuse
a strategy this target cannot play (naming the key, never the bypass value), and the monitor's
refusal of ``ask``."""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.core.outcomes import NOT_RUN_REASONS, CaptchaStop
from fixtures.target.captcha import Strategy, refusal
from fixtures.target.config import TargetConfigError, load_target_config
from monitor.accounts_plan import refuse_captcha_ask
from monitor.config import Config, ConfigError

SECRET = "s3cr3t-bypass-value"


def credentials(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "accounts.toml"
    path.write_text(table)
    path.chmod(0o600)
    return path


def target(tmp_path: Path, **keys: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text("[target]\nbase_url = \"https://portal.example.org/aparts\"\n"
                    + "".join(f'{k} = "{v}"\n' for k, v in keys.items()))
    return path


def test_captcha_is_a_not_run_reason_of_its_own() -> None:
    assert CaptchaStop.failure_class == "captcha" and "captcha" in NOT_RUN_REASONS


def test_default_is_the_operator_on_the_reference_and_stop_on_a_black_box(tmp_path: Path) -> None:
    assert load_target_config(env={}).captcha_strategy is Strategy.OPERATOR
    assert load_target_config(target(tmp_path), env={}).captcha_strategy is Strategy.STOP


def test_bypass_reads_the_credentials_file_and_never_prints_the_value(tmp_path: Path) -> None:
    file = credentials(tmp_path, f'[captcha_bypass]\nheader = "X-Sentinel-Captcha"\nvalue = "{SECRET}"\n')
    config = load_target_config(target(tmp_path, captcha="bypass", credentials_file=str(file)), env={})
    assert config.captcha_strategy is Strategy.BYPASS and config.captcha_bypass is not None
    assert config.captcha_bypass.value == SECRET and config.captcha_bypass.header == "X-Sentinel-Captcha"
    assert SECRET not in repr(config) and "X-Sentinel-Captcha" in repr(config)


@pytest.mark.parametrize("table, said", [
    ("", "needs a [captcha_bypass] table"),
    (f'[captcha_bypass]\nvalue = "{SECRET}"\n', "exactly one of header or cookie"),
    (f'[captcha_bypass]\nheader = "X"\ncookie = "c"\nvalue = "{SECRET}"\n', "exactly one of header or cookie"),
    ('[captcha_bypass]\nheader = "X Bad"\nvalue = "v"\n', "must be a name"),
    ('[captcha_bypass]\nheader = "X"\nvalue = "two words"\n', "printable ASCII without spaces"),
    (f'[captcha_bypass]\nheader = "X"\nvalue = "{SECRET}"\nextra = 1\n', "unknown key 'extra'"),
])
def test_a_bad_bypass_names_the_key_and_not_the_value(tmp_path: Path, table: str, said: str) -> None:
    file = credentials(tmp_path, table)
    with pytest.raises(TargetConfigError) as error:
        load_target_config(target(tmp_path, captcha="bypass", credentials_file=str(file)), env={})
    assert said in str(error.value) and SECRET not in str(error.value)


def test_operator_on_a_black_box_and_an_unknown_strategy_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetConfigError, match="captcha.*black box"):
        load_target_config(target(tmp_path, captcha="operator"), env={})
    with pytest.raises(TargetConfigError, match="SENTINEL_CAPTCHA: .solve. is not one of stop, operator, bypass, ask"):
        load_target_config(target(tmp_path), env={"SENTINEL_CAPTCHA": "solve"})


def test_ask_needs_a_person_with_a_visible_browser_and_never_the_monitor(tmp_path: Path) -> None:
    assert refusal(Strategy.ASK, has_operator=False, bypass=None, headed=True) is None
    assert "--headed" in (refusal(Strategy.ASK, has_operator=False, bypass=None, headed=False) or "")
    assert "monitor refuses" in (refusal(Strategy.ASK, has_operator=False, bypass=None, headed=None) or "")
    cfg = Config()
    cfg.extra_args = ("--target-config", str(target(tmp_path, captcha="ask")))
    with pytest.raises(ConfigError, match="captcha"):
        refuse_captcha_ask(cfg, env={})
    cfg.extra_args = ("--target-config", str(target(tmp_path, captcha="stop")))
    refuse_captcha_ask(cfg, env={})  # stop: nothing to refuse
