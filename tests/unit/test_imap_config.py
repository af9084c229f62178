"""[target.imap] and its secrets: every bad value names its key and the fix, never the secret."""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.target.config import TargetConfigError, load_target_config

SECRET = "s3cret-imap-password"


def _files(tmp_path: Path, imap: str, *, secrets: str = f'[imap]\npassword = "{SECRET}"\n', mode: int = 0o600,
           base_url: str = 'base_url = "https://extranet.example.org"\n') -> Path:
    credentials = tmp_path / "credentials.toml"
    credentials.write_text(secrets)
    credentials.chmod(mode)
    target = tmp_path / "target.toml"
    target.write_text(f'[target]\n{base_url}credentials_file = "{credentials}"\n[target.imap]\n{imap}')
    return target


def test_an_imap_mailbox_with_its_password_from_the_credentials_file(tmp_path: Path) -> None:
    config = load_target_config(_files(tmp_path, 'host = "imap.example.org"\nuser = "m@example.org"\n'
                                                 'address = "m@example.org"\nplus_addressing = true\n'), env={})
    assert config.mail_source == "imap" and config.imap is not None
    assert (config.imap.port, config.imap.tls, config.imap.password) == (993, "implicit", SECRET)
    assert config.imap.recipient("r1") == "m+r1@example.org"
    assert SECRET not in repr(config)  # a config printed in a traceback shows no secret


def test_the_password_may_come_from_the_environment(tmp_path: Path) -> None:
    config = load_target_config(_files(tmp_path, 'host = "h"\nuser = "u"\ntls = "starttls"\n', secrets=""),
                                env={"SENTINEL_IMAP_OAUTH2_TOKEN": "tok"})
    assert config.imap is not None and config.imap.oauth2_token == "tok" and config.imap.port == 143


@pytest.mark.parametrize(("imap", "key"), [
    ('user = "u"\n', "imap.host"),
    ('host = "h"\nuser = "u"\ntls = "ssl"\n', "imap.tls"),
    ('host = "h"\nuser = "u"\nport = 99999\n', "imap.port"),
    ('host = "h"\nuser = "u"\naddress = "nobody"\n', "imap.address"),
    ('host = "h"\nuser = "u"\nfolder = "INBOX"\n', "imap.folder"),
    (f'host = "h"\nuser = "u"\npassword = "{SECRET}"\n', "credentials file"),
])
def test_bad_imap_settings_name_the_key(tmp_path: Path, imap: str, key: str) -> None:
    with pytest.raises(TargetConfigError) as caught:
        load_target_config(_files(tmp_path, imap), env={})
    assert key in str(caught.value) and SECRET not in str(caught.value)


def test_a_world_readable_credentials_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetConfigError, match="chmod 600"):
        load_target_config(_files(tmp_path, 'host = "h"\nuser = "u"\n', mode=0o644), env={})


def test_no_secret_at_all_is_refused_naming_both_ways(tmp_path: Path) -> None:
    with pytest.raises(TargetConfigError, match="password or oauth2_token"):
        load_target_config(_files(tmp_path, 'host = "h"\nuser = "u"\n', secrets=""), env={})


def test_imap_needs_the_site_that_sends_to_it(tmp_path: Path) -> None:
    with pytest.raises(TargetConfigError, match="needs base_url"):
        load_target_config(_files(tmp_path, 'host = "h"\nuser = "u"\n', base_url=""), env={})
