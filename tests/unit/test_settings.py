"""One configuration loader (fixtures.core.settings): tests generated from the dataclasses' declarations.

Every key the monitor and the target read is fed a value of no configuration type at all, and must be refused
with the one error form (the key as written, a problem, a fix) rather than crash; every true/false setting
refuses ``""`` (the one rule, both configs); the target's declared defaults read back as themselves; every
environment variable belongs to one field.
"""
from __future__ import annotations

import dataclasses

import pytest

from fixtures.core import settings
from fixtures.core.settings import ConfigError
from fixtures.target.config import TargetConfig, TargetConfigError, load_target_config
from monitor.config import SCHEMA, Config, load_config

TARGET_RULES = settings.rules(TargetConfig)
MONITOR_KEYS = [(rule.section, rule.key or name, rule.parse) for name, rule in settings.rules(Config)]


def _id(value: object) -> str:
    return str(value) if isinstance(value, str) else ""


@pytest.mark.parametrize("name, rule", TARGET_RULES, ids=[n for n, _ in TARGET_RULES])
def test_every_target_setting_refuses_a_value_of_no_type_naming_its_key(name: str, rule: settings.Rule) -> None:
    with pytest.raises(ConfigError) as caught:
        rule.parse(object(), f"t.toml: {name}")
    assert caught.value.key == f"t.toml: {name}" and caught.value.problem and caught.value.fix


@pytest.mark.parametrize("section, key, parser", MONITOR_KEYS, ids=[f"{s}.{k}" for s, k, _ in MONITOR_KEYS])
def test_every_monitor_setting_refuses_a_value_of_no_type_naming_its_key(section: str, key: str, parser) -> None:
    with pytest.raises(ConfigError) as caught:
        parser(object(), f"[{section}] {key}")
    assert caught.value.key == f"[{section}] {key}" and caught.value.problem and caught.value.fix


def test_every_monitor_field_is_read_from_the_file_but_those_that_are_not_settings() -> None:
    """A field added to Config without its rule would never be read: only these are not settings."""
    declared = {name for name, _ in settings.rules(Config)}
    assert {f.name for f in dataclasses.fields(Config)} - declared == {"listen_port", "source", "overrides"}
    assert sorted((s, k) for s, keys in SCHEMA.items() for k in keys) == sorted((s, k) for s, k, _ in MONITOR_KEYS)


BOOLEANS = [(f"target {n}", r.parse) for n, r in TARGET_RULES if r.parse is settings.boolean] + \
           [(f"monitor [{s}] {k}", p) for s, k, p in MONITOR_KEYS if p is settings.boolean]


def test_both_configurations_have_true_or_false_settings() -> None:
    assert {name.split()[0] for name, _ in BOOLEANS} == {"target", "monitor"}  # else the rule below tests nothing


@pytest.mark.parametrize("name, parse", BOOLEANS, ids=[n for n, _ in BOOLEANS])
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_value_is_never_a_yes_or_a_no(name: str, parse, empty: str) -> None:
    with pytest.raises(ConfigError, match="write true or false"):
        parse(empty, name)
    assert parse(" Yes ", name) is True and parse("off", name) is False and parse(False, name) is False


@pytest.mark.parametrize("name, rule", TARGET_RULES, ids=[n for n, _ in TARGET_RULES])
def test_every_target_default_reads_back_as_itself(name: str, rule: settings.Rule) -> None:
    default = next(f for f in dataclasses.fields(TargetConfig) if f.name == name)
    value = default.default if default.default is not dataclasses.MISSING else default.default_factory()  # type: ignore[operator]
    if value is None:
        return  # not set: the field is simply absent from the sources
    assert rule.parse(value, name) == value


def test_each_environment_variable_is_one_field_and_read() -> None:
    envs = [r.env for _, r in TARGET_RULES if r.env]
    assert len(envs) == len(set(envs)) and all(e.startswith("SENTINEL_") for e in envs)
    junk = "\x00 not a value"
    for name, rule in TARGET_RULES:
        if not rule.env:
            continue
        try:
            parsed = rule.parse(junk, rule.env)
        except ConfigError:  # refused by the field: refused under the variable's name
            with pytest.raises(TargetConfigError) as caught:
                load_target_config(env={rule.env: junk})
            assert caught.value.key == rule.env, (name, caught.value)
        else:  # any text will do (a key, a file name): it is read into its field
            assert getattr(load_target_config(env={rule.env: junk}), name) == parsed


def test_an_empty_boolean_is_refused_in_the_environment_of_both() -> None:
    with pytest.raises(TargetConfigError, match="SENTINEL_ALLOW_WRITES.*write true or false"):
        load_target_config(env={"SENTINEL_ALLOW_WRITES": ""})
    with pytest.raises(ConfigError, match="MONITOR_SCHEDULE_RUN_AT_START.*write true or false"):
        load_config(None, env={"MONITOR_SCHEDULE_RUN_AT_START": ""})


@pytest.mark.parametrize("parser, good, bad", [
    (settings.integer(0, 3), "2", "4"), (settings.number(above=0, high=3600), 3600, 0),
    (settings.url(), "https://x.example/", "ftp://x"), (settings.choice(("implicit", "starttls")), "starttls", "tls"),
    (settings.matching(r"[a-z]+", "letters", "abc"), "abc", "a1"), (settings.duration, "2m", "soon"),
    (settings.size, "1KiB", "-1"),
])
def test_the_parsers_take_their_values_and_refuse_others(parser, good, bad) -> None:
    parser(good, "k")
    with pytest.raises(ConfigError) as caught:
        parser(bad, "k")
    assert str(caught.value).startswith("configuration error in k: ") and "Fix: " in str(caught.value)


def test_a_relative_path_is_relative_to_the_file_that_wrote_it(tmp_path) -> None:
    assert settings.path(tmp_path)("a/b.toml", "k") == tmp_path / "a" / "b.toml"
    assert settings.path(tmp_path)("/abs", "k").as_posix() == "/abs"
    assert settings.url(optional=True)("", "k") is None


def test_the_monitor_reads_the_file_then_the_environment_then_flags(tmp_path) -> None:
    file = tmp_path / "m.toml"
    file.write_text('[run]\nbrowsers = ["firefox"]\nretries = 2\n')
    env = {"MONITOR_RUN_BROWSERS": "webkit", "MONITOR_RUN_RETRIES": "3"}
    cfg = load_config(file, env=env, flags={("run", "browsers"): ("--browser", ["chromium"]),
                                            ("store", "path"): ("--db", None)})  # None: the flag was not given
    assert cfg.browsers == ("chromium",) and cfg.retries == 3 and str(cfg.db_path) == "monitor-data/monitor.db"
    with pytest.raises(ConfigError) as caught:
        load_config(file, env={}, flags={("exporter", "listen"): ("--listen", "9464")})
    assert caught.value.key == "--listen" and "127.0.0.1:9464" in caught.value.fix
