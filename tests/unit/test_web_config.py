"""The exporter's web-config file (monitor/export/web_config.py): every mistake names its key and the fix.

TLS with real certificates, basic auth over the wire and a real Prometheus: tests/integration/test_monitor_tls.py.
"""
from __future__ import annotations

import base64
from pathlib import Path

import bcrypt
import pytest

from monitor.commands import open_door_warning
from monitor.config import ConfigError, load_config
from monitor.export.web_config import WebDoor, load_web_config

HASH = bcrypt.hashpw(b"s3cret-scrape", bcrypt.gensalt(rounds=4)).decode()


def web(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "web.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "key", "words"), [
    ("basic_auth_users:\n  prometheus: s3cret\n", "basic_auth_users.prometheus", "not a bcrypt hash"),
    ("basic_auth_user:\n  prometheus: x\n", "basic_auth_user", "unknown key"),
    ("tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n", "tls_server_config.cert_file", "no such file"),
    ("tls_server_config:\n  key_file: k.pem\n", "tls_server_config.cert_file", "missing"),
    ("tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
     "tls_server_config.cipher_suites", "not supported"),
    ("tls_server_config: [a]\n", "tls_server_config", "must be a mapping"),
    ("http_server_config:\n  headers:\n    X-Bad: \"a\\nb\"\n", "http_server_config.headers.X-Bad", "one-line"),
    ("basic_auth_users: {prometheus: [\n", "web.yml", "not valid YAML"),
])
def test_a_bad_web_config_names_its_key_and_the_fix(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_web_config(web(tmp_path, text))
    assert key in err.value.key and words in err.value.problem, str(err.value)
    assert err.value.fix


def test_tls_settings_are_checked_before_the_certificate_is_read(tmp_path: Path) -> None:
    (tmp_path / "c.pem").write_text("x")
    (tmp_path / "k.pem").write_text("x")
    base = "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n"
    for extra, key, words in (("  min_version: TLS14\n", "min_version", "not a TLS version"),
                              ("  min_version: TLS13\n  max_version: TLS12\n", "min_version", "above max_version")):
        with pytest.raises(ConfigError) as err:
            load_web_config(web(tmp_path, base + extra))
        assert key in err.value.key and words in err.value.problem
    with pytest.raises(ConfigError) as err:  # the PEM files are not certificates
        load_web_config(web(tmp_path, base))
    assert "cert_file" in err.value.key and "do not load" in err.value.problem


def test_a_missing_file_names_the_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_web_config(tmp_path / "absent.yml")
    assert err.value.key == "--web.config.file" and "no such file" in err.value.problem


def test_the_config_key_and_env_name_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text('[exporter]\nlisten = "0.0.0.0:9464"\nweb_config_file = "web.yml"\n')
    assert load_config(cfg, env={}).web_config_file == Path("web.yml")
    assert load_config(None, env={"MONITOR_EXPORTER_WEB_CONFIG_FILE": "/etc/m/web.yml"}).web_config_file == \
        Path("/etc/m/web.yml")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_opens_for_the_right_password_only(tmp_path: Path) -> None:
    door = WebDoor(load_web_config(web(tmp_path, f"basic_auth_users:\n  prometheus: '{HASH}'\n")))
    assert door.authorized(basic("prometheus", "s3cret-scrape"))
    assert door.authorized(basic("prometheus", "s3cret-scrape")), "the second time from the cache"
    assert not door.authorized(basic("prometheus", "wrong"))
    assert not door.authorized(basic("nobody", "s3cret-scrape"))
    assert not door.authorized(None) and not door.authorized("Bearer x") and not door.authorized("Basic %%%")


def test_the_door_is_read_again_when_the_file_changes_and_a_bad_edit_keeps_the_last_good_one(tmp_path: Path) -> None:
    path = web(tmp_path, f"basic_auth_users:\n  prometheus: '{HASH}'\n")
    door = WebDoor(load_web_config(path))
    other = bcrypt.hashpw(b"rotated", bcrypt.gensalt(rounds=4)).decode()
    path.write_text(f"basic_auth_users:\n  prometheus: '{other}'\n# rotated\n")
    assert door.authorized(basic("prometheus", "rotated")) and not door.authorized(basic("prometheus", "s3cret-scrape"))
    path.write_text("basic_auth_users:\n  prometheus: clear-text\n")
    assert door.authorized(basic("prometheus", "rotated")), "a bad edit is logged, the previous door stays"


def test_a_non_loopback_listen_without_tls_and_auth_is_said(tmp_path: Path) -> None:
    assert open_door_warning("127.0.0.1", None) is None and open_door_warning("::1", None) is None
    assert open_door_warning("localhost", None) is None
    warning = open_door_warning("0.0.0.0", None)
    assert warning and "without TLS or basic auth" in warning and "--web.config.file" in warning
    auth_only = WebDoor(load_web_config(web(tmp_path, f"basic_auth_users:\n  p: '{HASH}'\n")))
    assert "without TLS:" in (open_door_warning("192.0.2.7", auth_only) or "")
