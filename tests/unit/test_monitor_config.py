"""Configuration: TOML + MONITOR_* overrides, and bad input named with its fix (exit 2)."""
from __future__ import annotations

from pathlib import Path

import pytest

from monitor.__main__ import main
from monitor.config import ConfigError, load_config, parse_duration, parse_size

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "monitor.toml"
    p.write_text(text)
    return p


def test_defaults_and_example_file_load() -> None:
    cfg = load_config(None, env={})
    assert cfg.browsers == ("chromium", "firefox", "webkit") and cfg.interval == 900
    ex = load_config(ROOT / "ops" / "monitor.example.toml", env={})
    assert ex.windows == (3600.0, 86400.0, 604800.0)
    assert ex.artifacts_max_bytes == 2 * 1024**3


def test_toml_values_and_env_overrides(tmp_path: Path) -> None:
    p = write(tmp_path, '[schedule]\ninterval = "5m"\njitter = 10\n[run]\nbrowsers = ["firefox"]\nretries = 2\n'
                        '[store]\npath = "x/m.db"\n[exporter]\nlisten = "0.0.0.0:9999"\n')
    cfg = load_config(p, env={"MONITOR_RUN_BROWSERS": "chromium,firefox,webkit", "MONITOR_SCHEDULE_RUN_AT_START": "false",
                              "MONITOR_RUN_COMMAND": "python -m monitor.fake_child --results-json {results_json}"})
    assert cfg.interval == 300 and cfg.jitter == 10 and cfg.retries == 2
    assert cfg.browsers == ("chromium", "firefox", "webkit")
    assert cfg.run_at_start is False
    assert cfg.command[-1] == "{results_json}"
    assert (cfg.listen_host, cfg.listen_port) == ("0.0.0.0", 9999)
    assert cfg.db_path == Path("x/m.db")
    assert cfg.overrides == ["MONITOR_RUN_BROWSERS", "MONITOR_RUN_COMMAND", "MONITOR_SCHEDULE_RUN_AT_START"]


@pytest.mark.parametrize("text,env,key,fix", [
    ('[schedule]\nintervall = "5m"\n', {}, "[schedule] intervall", "use one of interval"),
    ('[sched]\ninterval = "5m"\n', {}, "[sched]", "use one of [schedule]"),
    ('[schedule]\ninterval = "soon"\n', {}, "[schedule] interval", '"15m"'),
    ('[schedule]\ninterval = "0s"\n', {}, "[schedule] interval", "at least 1s"),
    ('[schedule]\ninterval = "1m"\njitter = "2m"\n', {}, "[schedule] jitter", "few percent"),
    ('[run]\nbrowsers = ["chromium", "safari"]\n', {}, "[run] browsers", "chromium, firefox, webkit"),
    ('[run]\njourneys = ["J1", "forgot password"]\n', {}, "[run] journeys", "J2.2b"),
    ('[run]\nretries = 9\n', {}, "[run] retries", "0 (no retry) to 3"),
    ('[run]\ncommand = ["pytest"]\n', {}, "[run] command", "{results_json}"),
    ('[pushgateway]\nurl = "localhost:9091"\n', {}, "[pushgateway] url", "http://"),
    ('[exporter]\nlisten = "9464"\n', {}, "[exporter] listen", "127.0.0.1:9464"),
    ("", {"MONITOR_SCHEDULE_INTERVALL": "5m"}, "MONITOR_SCHEDULE_INTERVALL", "MONITOR_SCHEDULE_INTERVAL"),
    ("", {"MONITOR_RUN_RETRIES": "two"}, "MONITOR_RUN_RETRIES", "whole number"),
    ("[run\n", {}, "monitor.toml", "fix the syntax"),
])
def test_bad_config_names_key_and_fix(tmp_path: Path, text: str, env: dict, key: str, fix: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env=env)
    assert key in err.value.key
    assert fix in str(err.value)


def test_parsers() -> None:
    assert parse_duration("90s", "k") == 90 and parse_duration("1.5h", "k") == 5400 and parse_duration(7, "k") == 7
    assert parse_duration("7d", "k") == 7 * 86400
    assert parse_size("500MB", "k") == 500 * 1024**2 and parse_size("2GiB", "k") == 2 * 1024**3 and parse_size(0, "k") == 0


def test_cli_bad_config_exits_2_before_starting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, f'[run]\nbrowsers = ["opera"]\n[store]\npath = "{tmp_path / "m.db"}"\n')
    assert main(["--config", str(p), "once"]) == 2
    err = capsys.readouterr().err
    assert "[run] browsers" in err and "Fix:" in err
    assert not (tmp_path / "m.db").exists()


def test_a_target_config_in_extra_args_is_found_from_where_the_monitor_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "target.toml").write_text('[target]\nbase_url = "http://127.0.0.1:9"\n')
    (tmp_path / "m.toml").write_text('[run]\nextra_args = ["--target-config", "target.toml"]\n')
    monkeypatch.chdir(tmp_path)  # the child runs in [run] workdir (the project root), not here
    assert load_config(tmp_path / "m.toml", env={}).extra_args == ("--target-config", str(tmp_path / "target.toml"))
    (tmp_path / "m.toml").write_text('[run]\nextra_args = ["--target-config=absent.toml"]\n')
    with pytest.raises(ConfigError, match=r"\[run\] extra_args.*absent.toml: no such file"):
        load_config(tmp_path / "m.toml", env={})


def test_status_maintenance_windows_need_their_offset_and_an_order(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text('[status]\nshow_location = true\n[[status.maintenance]]\nstart = 2026-12-08T06:00:00+01:00\n'
                   'end = 2026-12-08T08:00:00+01:00\ntext = "Mise à jour"\n')
    loaded = load_config(cfg, env={})
    assert loaded.status_maintenance == ((1796706000.0, 1796713200.0, "Mise à jour"),) and loaded.status_show_location
    env = {"MONITOR_STATUS_MAINTENANCE": '[{"start": "2026-12-08T05:00:00Z", "end": "2026-12-08T07:00:00Z"}]'}
    assert load_config(None, env=env).status_maintenance == ((1796706000.0, 1796713200.0, ""),)
    for body, said in (("start = 2026-12-08T06:00:00\nend = 2026-12-08T08:00:00+01:00", "no UTC offset"),
                       ("start = 2026-12-08T08:00:00Z\nend = 2026-12-08T06:00:00Z", "ends before it starts"),
                       ('start = 2026-12-08T06:00:00Z\nend = 2026-12-08T08:00:00Z\nwho = "x"', "optional text")):
        cfg.write_text(f"[[status.maintenance]]\n{body}\n")
        with pytest.raises(ConfigError, match=said):
            load_config(cfg, env={})
