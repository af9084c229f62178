"""Target configuration: sources merge in order, and every bad value names its key and the fix."""
from __future__ import annotations

import pytest

from fixtures.target.config import TargetConfigError, load_target_config


def test_default_is_the_reference_extranet_started_by_the_suite():
    config = load_target_config(env={})
    assert config.starts_reference and config.is_reference and config.writes_allowed


def test_a_real_target_is_read_only_unless_writes_are_allowed(tmp_path):
    file = tmp_path / "target.toml"
    file.write_text('[target]\nbase_url = "https://extranet.example.org/aparts/"\n')
    config = load_target_config(file, env={})
    assert config.base_url == "https://extranet.example.org/aparts"
    assert not config.is_reference and not config.writes_allowed
    assert load_target_config(file, env={"SENTINEL_ALLOW_WRITES": "yes"}).writes_allowed


def test_environment_overrides_file_and_options_override_environment(tmp_path):
    file = tmp_path / "t.toml"
    file.write_text('mailpit_url = "http://127.0.0.1:1"\nmail_timeout_seconds = 5\n')
    env = {"SENTINEL_MAILPIT_URL": "http://127.0.0.1:2"}
    assert load_target_config(file, env=env).mailpit_url == "http://127.0.0.1:2"
    config = load_target_config(file, env=env, overrides={"mailpit_url": "http://127.0.0.1:3", "base_url": None})
    assert config.mailpit_url == "http://127.0.0.1:3" and config.mail_timeout_seconds == 5


def test_root_path_serves_the_started_reference_under_a_path(tmp_path):
    assert load_target_config(env={"SENTINEL_ROOT_PATH": "/aparts/"}).root_path == "/aparts"
    assert load_target_config(env={}, overrides={"root_path": "/APARTS"}).root_path == "/APARTS"
    assert load_target_config(env={"SENTINEL_ROOT_PATH": "/"}).root_path == ""


@pytest.mark.parametrize("content, key", [
    ('root_path = "aparts"', "root_path"),
    ('base_url = "http://x"\nroot_path = "/aparts"', "root_path"),
    ('base_urll = "http://x"', "base_urll"),
    ('base_url = "ftp://x"', "base_url"),
    ('mail_timeout_seconds = -3', "mail_timeout_seconds"),
    ('mail_domain = "a@b"', "mail_domain"),
    ('allow_writes = "perhaps"', "allow_writes"),
    ('reference = true', "reference"),
    ('[test_account]\nidentifiant = "AP1"', "credentials file"),
])
def test_bad_settings_name_their_key(tmp_path, content, key):
    file = tmp_path / "bad.toml"
    file.write_text(content)
    with pytest.raises(TargetConfigError) as info:
        load_target_config(file, env={})
    assert key in str(info.value)


def test_bad_environment_value_names_the_variable():
    with pytest.raises(TargetConfigError, match="SENTINEL_MAIL_TIMEOUT_SECONDS"):
        load_target_config(env={"SENTINEL_MAIL_TIMEOUT_SECONDS": "soon"})


def test_missing_or_broken_file_is_reported(tmp_path):
    with pytest.raises(TargetConfigError, match="no file"):
        load_target_config(tmp_path / "absent.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("base_url = ")
    with pytest.raises(TargetConfigError, match="not valid TOML"):
        load_target_config(broken, env={})


def test_credentials_file_is_relative_to_the_target_file(tmp_path):
    file = tmp_path / "t.toml"
    file.write_text('base_url = "https://x.example"\ncredentials_file = "secrets/credentials.toml"\n')
    assert load_target_config(file, env={}).credentials_file == str(tmp_path / "secrets" / "credentials.toml")
    assert load_target_config(env={"SENTINEL_CREDENTIALS_FILE": "/c.toml"}).credentials_file == "/c.toml"
