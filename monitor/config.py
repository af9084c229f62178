"""Monitor configuration: a TOML file (tomllib) with ``MONITOR_*`` environment overrides.

Why strict: a monitor that silently ignores a misspelt key runs for weeks with the wrong
settings. Every problem raises :class:`ConfigError` naming the key and the fix, and the
CLI exits 2 before starting anything.

Environment overrides are ``MONITOR_<SECTION>_<KEY>`` (e.g. ``MONITOR_SCHEDULE_INTERVAL=5m``,
``MONITOR_RUN_BROWSERS=chromium,firefox``); lists are comma-separated. ``MONITOR_CONFIG``
names the config file.
"""
from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlparse

from fixtures.core.engine_names import ENGINE_NAMES
from fixtures.core.outcomes import PROBER_OUTCOMES, TARGET_FAILURES
from fixtures.core.procedure import JOURNEY_IDS, PROCEDURE_JOURNEY_IDS
from fixtures.core.steps import AUTRE, HORS_ETAPE, STEP_IDS
from monitor.budgets import Budgets
from monitor.cycle.classify import JOURNEY_ID  # the same bound as the metric labels

RETRYABLE = TARGET_FAILURES + PROBER_OUTCOMES  # a journey not run on purpose is never retried
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COMMAND = (
    "{python}", "-m", "pytest", "{targets}", "-p", "fixtures.plugin.results_output",
    "--results-json", "{results_json}", "{browser_args}", "{journey_args}", "{k_args}",
    "--output", "{output_dir}",
)
ENV_PREFIX = "MONITOR_"
#: A location is a Prometheus label value and a Pushgateway URL path segment: keep it to what both
#: carry without escaping, short enough for a dashboard legend (e.g. "paris-1", "aws-eu-west-3").
LOCATION = re.compile(r"[a-z0-9](?:[a-z0-9_.-]{0,62}[a-z0-9])?")


class ConfigError(ValueError):
    """A configuration problem: which key, what is wrong, how to fix it."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        self.key, self.problem, self.fix = key, problem, fix
        super().__init__(f"configuration error in {key}: {problem}. Fix: {fix}")


_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_DUR_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.I)


def parse_duration(value: Any, key: str) -> float:
    """'90s', '15m', '1h', '7d' or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ConfigError(key, f"{value!r} is not a duration", 'write e.g. "90s", "15m", "1h", "7d" or a number of seconds')
    if isinstance(value, (int, float)):
        return float(value)
    m = _DUR.match(str(value))
    if not m:
        raise ConfigError(key, f"{value!r} is not a duration", 'write e.g. "90s", "15m", "1h", "7d" or a number of seconds')
    return float(m.group(1)) * _DUR_UNITS[m.group(2)]


def parse_size(value: Any, key: str) -> int:
    """'500MB', '2GiB', '0' or a number of bytes → bytes (0 means no limit)."""
    if isinstance(value, bool):
        raise ConfigError(key, f"{value!r} is not a size", 'write e.g. "500MB", "2GB" or a number of bytes (0 = no limit)')
    if isinstance(value, (int, float)):
        n = float(value)
    else:
        m = _SIZE.match(str(value))
        if not m:
            raise ConfigError(key, f"{value!r} is not a size", 'write e.g. "500MB", "2GB" or a number of bytes (0 = no limit)')
        unit = (m.group(2) or "b").lower().rstrip("b").rstrip("i")
        n = float(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}[unit]
    if n < 0:
        raise ConfigError(key, "a size cannot be negative", "use 0 for no limit or a positive size")
    return int(n)


def format_duration(seconds: float) -> str:
    for unit, size, least in (("d", 86400, 2 * 86400), ("h", 3600, 3600), ("m", 60, 60)):
        if seconds >= least and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


@dataclass
class Config:
    # [monitor]
    location: str = ""  # where this monitor runs; "" = not said (one location)
    # [schedule]
    interval: float = 900.0
    jitter: float = 60.0
    run_at_start: bool = True
    # [run]
    journeys: tuple[str, ...] = PROCEDURE_JOURNEY_IDS  # R1 and S1 when listed
    browsers: tuple[str, ...] = ENGINE_NAMES  # every engine; one unavailable here is recorded "not run", never counted
    pytest_k: str = ""
    retries: int = 1
    retry_outcomes: tuple[str, ...] = TARGET_FAILURES
    cycle_timeout: float = 600.0
    kill_grace: float = 10.0
    command: tuple[str, ...] = DEFAULT_COMMAND
    python: str = sys.executable
    workdir: Path = PROJECT_ROOT
    extra_args: tuple[str, ...] = ()
    connect: dict[str, str] = field(default_factory=dict)  # engine -> launch-server endpoint (a credential)
    # [store]
    db_path: Path = Path("monitor-data/monitor.db")
    artifacts_dir: Path = Path("monitor-data/artifacts")
    # The last good accessibility snapshot per journey × browser × step (not artifacts: never pruned).
    aria_snapshots_dir: Path = Path("monitor-data/aria-snapshots")
    busy_timeout: float = 5.0
    # [retention]
    results_max_age: float = 90 * 86400.0
    artifacts_max_age: float = 14 * 86400.0
    artifacts_max_bytes: int = 2 * 1024**3
    # [exporter]
    listen_host: str = "127.0.0.1"
    listen_port: int = 9464
    web_config_file: Path | None = None  # TLS and basic auth (monitor.export.web_config); None: plain HTTP
    # [stats]
    windows: tuple[float, ...] = (3600.0, 86400.0, 7 * 86400.0)
    alpha: float = 0.05
    # [pushgateway]
    pushgateway_url: str = ""
    pushgateway_job: str = "extranet_monitor"
    pushgateway_instance: str = ""  # grouping key; "" = this machine's host name
    pushgateway_timeout: float = 5.0
    # [budgets] (monitor.budgets): seconds per step id, per journey id, and for every other step
    step_budgets: dict[str, float] = field(default_factory=dict)
    journey_budgets: dict[str, float] = field(default_factory=dict)
    default_step_budget: float = 0.0
    # [status] the public status page (monitor.status): maintenance windows (start, end, text), epoch seconds
    status_maintenance: tuple[tuple[float, float, str], ...] = ()
    status_show_location: bool = False  # the page names [monitor] location only when this says so
    source: str = "defaults"
    overrides: list[str] = field(default_factory=list)

    @property
    def budgets(self) -> Budgets:
        return Budgets(self.step_budgets, self.journey_budgets, self.default_step_budget)


# section -> key -> (Config attribute, parser). Parsers take (value, "[section] key").
def _str(v: Any, key: str) -> str:
    if not isinstance(v, str):
        raise ConfigError(key, f"expected a string, got {v!r}", "quote the value")
    return v


def _bool(v: Any, key: str) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return v.lower() in ("1", "true", "yes", "on")
    raise ConfigError(key, f"expected true or false, got {v!r}", "write true or false")


def _int(v: Any, key: str) -> int:
    if isinstance(v, bool):
        raise ConfigError(key, f"expected an integer, got {v!r}", "write a whole number")
    try:
        if isinstance(v, float) and not v.is_integer():
            raise ValueError
        return int(v)
    except (TypeError, ValueError):
        raise ConfigError(key, f"expected an integer, got {v!r}", "write a whole number") from None


def _float(v: Any, key: str) -> float:
    if isinstance(v, bool):
        raise ConfigError(key, f"expected a number, got {v!r}", "write a number")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ConfigError(key, f"expected a number, got {v!r}", "write a number") from None


def _list(v: Any, key: str) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [p.strip() for p in v.split(",") if p.strip()]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(key, f"expected a list of strings, got {v!r}", 'write e.g. ["a", "b"] (or a,b in the environment)')
    return tuple(v)


def _argv(v: Any, key: str) -> tuple[str, ...]:
    """A command line: a TOML list, or a shell-like string in the environment."""
    if isinstance(v, str):
        import shlex
        v = shlex.split(v)
    return _list(v, key)


def _path(v: Any, key: str) -> Path:
    s = _str(v, key)
    if not s:
        raise ConfigError(key, "empty path", "give a file or directory path")
    return Path(s).expanduser()


def _durations(v: Any, key: str) -> tuple[float, ...]:
    return tuple(parse_duration(x, key) for x in _list(v, key))


def _connect(v: Any, key: str) -> dict[str, str]:
    """["chromium=ws://host:3000/token", …] → {engine: endpoint} (the suite's --connect values)."""
    from fixtures.engines.remote import ConnectError, parse_connect
    try:
        return parse_connect(_list(v, key))
    except ConnectError as exc:
        raise ConfigError(key, str(exc), 'write e.g. ["chromium=ws://pool.example:3000/<token>"], one per engine, '
                                          "as `playwright launch-server` printed them") from None


def _budget_table(v: Any, key: str) -> dict[str, float]:
    """A TOML table {id = "5s", …}, or "id=5s,id=10s" in the environment → {id: seconds}."""
    if isinstance(v, str):
        pairs = [p.partition("=") for p in v.split(",") if p.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise ConfigError(key, f"{v!r} is not a list of id=duration", 'write e.g. "login=5s,forgot_password=10s"')
        v = {name.strip(): value.strip() for name, _, value in pairs}
    if not isinstance(v, dict):
        raise ConfigError(key, f"expected a table of id = duration, got {v!r}",
                          f'write a table, e.g. [{key.split("]")[0].strip("[")}.steps] then login = "5s"')
    return {str(name): parse_duration(value, f"{key}.{name}") for name, value in v.items()}


def _instant(v: Any, key: str) -> float:
    """A TOML offset date-time (or its ISO text) → epoch seconds; a time without its offset is refused."""
    import datetime as dt
    if isinstance(v, str):
        try:
            v = dt.datetime.fromisoformat(v)
        except ValueError:
            raise ConfigError(key, f"{v!r} is not a date and time", 'write e.g. 2026-12-08T06:00:00+01:00') from None
    if not isinstance(v, dt.datetime) or v.tzinfo is None:
        raise ConfigError(key, f"{v!r} has no UTC offset", "write the offset, e.g. 2026-12-08T06:00:00+01:00 "
                                                             "(Paris in winter) or ...Z for UTC")
    return v.timestamp()


def _maintenance(v: Any, key: str) -> tuple[tuple[float, float, str], ...]:
    """[[status.maintenance]] tables {start, end, text} (in the environment: the same as a JSON list)."""
    if isinstance(v, str):
        import json
        try:
            v = json.loads(v)
        except ValueError:
            raise ConfigError(key, "not a JSON list", '[{"start": "2026-12-08T06:00:00+01:00", "end": "…", '
                                                       '"text": "…"}]') from None
    if not isinstance(v, list):
        raise ConfigError(key, f"expected a list of tables, got {v!r}", "write [[status.maintenance]] tables")
    out = []
    for i, w in enumerate(v):
        where = f"{key}[{i}]"
        if not isinstance(w, dict) or set(w) - {"start", "end", "text"} or not {"start", "end"} <= set(w):
            raise ConfigError(where, f"expected start, end and an optional text, got {w!r}",
                              'write start = 2026-12-08T06:00:00+01:00, end = …, text = "…"')
        start, end = _instant(w["start"], f"{where}.start"), _instant(w["end"], f"{where}.end")
        if end <= start:
            raise ConfigError(where, "ends before it starts", "swap start and end")
        out.append((start, end, _str(w.get("text", ""), f"{where}.text")))
    return tuple(out)


SCHEMA: dict[str, dict[str, tuple[str, Any]]] = {
    "schedule": {
        "interval": ("interval", parse_duration),
        "jitter": ("jitter", parse_duration),
        "run_at_start": ("run_at_start", _bool),
    },
    "run": {
        "journeys": ("journeys", _list),
        "browsers": ("browsers", _list),
        "pytest_k": ("pytest_k", _str),
        "retries": ("retries", _int),
        "retry_outcomes": ("retry_outcomes", _list),
        "cycle_timeout": ("cycle_timeout", parse_duration),
        "kill_grace": ("kill_grace", parse_duration),
        "command": ("command", _argv),
        "python": ("python", _str),
        "workdir": ("workdir", _path),
        "extra_args": ("extra_args", _argv),
        "connect": ("connect", _connect),
    },
    "store": {
        "path": ("db_path", _path),
        "artifacts_dir": ("artifacts_dir", _path),
        "aria_snapshots_dir": ("aria_snapshots_dir", _path),
        "busy_timeout": ("busy_timeout", parse_duration),
    },
    "retention": {
        "results_max_age": ("results_max_age", parse_duration),
        "artifacts_max_age": ("artifacts_max_age", parse_duration),
        "artifacts_max_bytes": ("artifacts_max_bytes", parse_size),
    },
    "exporter": {
        "listen": ("listen", _str),
        "web_config_file": ("web_config_file", _path),
    },
    "stats": {
        "windows": ("windows", _durations),
        "alpha": ("alpha", _float),
    },
    "pushgateway": {
        "url": ("pushgateway_url", _str),
        "job": ("pushgateway_job", _str),
        "instance": ("pushgateway_instance", _str),
        "timeout": ("pushgateway_timeout", parse_duration),
    },
    "monitor": {
        "location": ("location", _str),
    },
    "status": {
        "maintenance": ("status_maintenance", _maintenance),
        "show_location": ("status_show_location", _bool),
    },
    "budgets": {
        "steps": ("step_budgets", _budget_table),
        "journeys": ("journey_budgets", _budget_table),
        "default_step": ("default_step_budget", parse_duration),
    },
}


def _env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


def _apply(cfg: Config, section: str, key: str, value: Any, where: str) -> None:
    attr, parser = SCHEMA[section][key]
    parsed = parser(value, where)
    if attr == "listen":
        cfg.listen_host, cfg.listen_port = _parse_listen(parsed, where)
    else:
        setattr(cfg, attr, parsed)


def _parse_listen(value: str, key: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(key, f"{value!r} is not host:port", 'write e.g. "127.0.0.1:9464" (port 0 = any free port)')
    return (host.strip("[]") or "0.0.0.0"), int(port)


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Defaults ← TOML file ← environment, then :func:`validate`."""
    env = os.environ if env is None else env
    cfg = Config()
    path = path or env.get("MONITOR_CONFIG") or None
    if path:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(str(p), "file not found", "pass an existing file with --config or MONITOR_CONFIG") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(p), f"not valid TOML ({exc})", "fix the syntax at the position shown") from None
        for section, body in data.items():
            if section not in SCHEMA:
                raise ConfigError(f"[{section}]", "unknown section", f"use one of {', '.join('[' + s + ']' for s in SCHEMA)}")
            if not isinstance(body, dict):
                raise ConfigError(section, "expected a [section] table", f"write [{section}] and its keys below it")
            for key, value in body.items():
                if key not in SCHEMA[section]:
                    raise ConfigError(f"[{section}] {key}", "unknown key", f"remove it or use one of {', '.join(SCHEMA[section])}")
                _apply(cfg, section, key, value, f"[{section}] {key}")
        cfg.source = str(p)
    known_env = {_env_name(s, k): (s, k) for s, keys in SCHEMA.items() for k in keys}
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name == "MONITOR_CONFIG":
            continue
        if name not in known_env:
            raise ConfigError(name, "unknown environment override",
                              f"unset it or use one of MONITOR_CONFIG, {', '.join(sorted(known_env))}")
        section, key = known_env[name]
        _apply(cfg, section, key, env[name], name)
        cfg.overrides.append(name)
    validate(cfg)
    return cfg


def validate(cfg: Config) -> Config:
    """Cross-field and range checks (types were checked while parsing)."""
    if cfg.location and not LOCATION.fullmatch(cfg.location):
        raise ConfigError("[monitor] location", f"{cfg.location!r} is not a usable location name",
                          'use 1-64 lower-case letters, digits, "-", "_" or ".", starting and ending with a letter '
                          'or digit (e.g. "paris-1"), or leave it empty for a single location')
    if cfg.interval < 1:
        raise ConfigError("[schedule] interval", f"{cfg.interval:g}s is too short", 'use at least 1s; 5m to 15m is typical')
    if cfg.jitter < 0 or cfg.jitter >= cfg.interval:
        raise ConfigError("[schedule] jitter", f"{cfg.jitter:g}s must be ≥ 0 and shorter than the interval ({cfg.interval:g}s)",
                          "use a jitter of a few percent of the interval, e.g. 1m for 15m")
    if not cfg.browsers:
        raise ConfigError("[run] browsers", "no browser", f"list at least one of {', '.join(ENGINE_NAMES)}")
    for b in cfg.browsers:
        if b not in ENGINE_NAMES:
            raise ConfigError("[run] browsers", f"unknown browser {b!r}", f"use Playwright engine names: {', '.join(ENGINE_NAMES)}")
    for engine in cfg.connect:
        if engine not in cfg.browsers:
            raise ConfigError("[run] connect", f"a browser server is given for {engine}, which [run] browsers does not run",
                              f"add {engine} to [run] browsers or remove its endpoint")
    if len(set(cfg.browsers)) != len(cfg.browsers):
        raise ConfigError("[run] browsers", "a browser is listed twice", "list each browser once")
    if not cfg.journeys:
        raise ConfigError("[run] journeys", "no journey", f"list at least one of {', '.join(JOURNEY_IDS)}")
    for j in cfg.journeys:
        # Ids, not a closed list: the suite may add journeys (e.g. R1) beyond PROCEDURE.md's.
        if not JOURNEY_ID.fullmatch(j):
            raise ConfigError("[run] journeys", f"{j!r} is not a journey id",
                              f"use ids such as those of PROCEDURE.md: {', '.join(JOURNEY_IDS)}")
    if not 0 <= cfg.retries <= 3:
        raise ConfigError("[run] retries", f"{cfg.retries} is out of range", "use 0 (no retry) to 3")
    for o in cfg.retry_outcomes:
        if o not in RETRYABLE:
            raise ConfigError("[run] retry_outcomes", f"{o!r} cannot be retried", f"use some of {', '.join(RETRYABLE)}")
    if cfg.cycle_timeout <= 0:
        raise ConfigError("[run] cycle_timeout", "must be positive", 'use e.g. "10m"')
    if cfg.kill_grace < 0:
        raise ConfigError("[run] kill_grace", "must not be negative", 'use e.g. "10s"')
    if not cfg.command:
        raise ConfigError("[run] command", "empty command", "remove the key to use the default pytest command")
    if not any("{results_json}" in a for a in cfg.command):
        raise ConfigError("[run] command", "the command never receives {results_json}",
                          "pass the placeholder {results_json} where the child writes its results")
    if not cfg.workdir.is_dir():
        raise ConfigError("[run] workdir", f"{cfg.workdir} is not a directory", "point it at the project root (where journeys/ is)")
    cfg.extra_args = _resolve_file_args(cfg.extra_args)
    if cfg.busy_timeout < 0:
        raise ConfigError("[store] busy_timeout", "must not be negative", 'use e.g. "5s"')
    for key, v in (("results_max_age", cfg.results_max_age), ("artifacts_max_age", cfg.artifacts_max_age)):
        if v < 0:
            raise ConfigError(f"[retention] {key}", "must not be negative", 'use 0 to keep everything, or e.g. "30d"')
    if not cfg.windows or any(w <= 0 for w in cfg.windows):
        raise ConfigError("[stats] windows", "needs positive durations", 'use e.g. ["1h", "24h", "7d"]')
    if not 0 < cfg.alpha < 0.5:
        raise ConfigError("[stats] alpha", f"{cfg.alpha} is out of range", "use a significance level such as 0.05")
    if cfg.pushgateway_url:
        u = urlparse(cfg.pushgateway_url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ConfigError("[pushgateway] url", f"{cfg.pushgateway_url!r} is not an http(s) URL", 'write e.g. "http://127.0.0.1:9091"')
    if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", cfg.pushgateway_job):
        raise ConfigError("[pushgateway] job", f"{cfg.pushgateway_job!r} is not a valid job name", "use letters, digits and _")
    if cfg.pushgateway_instance and not re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}", cfg.pushgateway_instance):
        raise ConfigError("[pushgateway] instance", f"{cfg.pushgateway_instance!r} is not a usable grouping value",
                          "use letters, digits, '.', '_', ':' or '-' (or leave it empty for the host name)")
    _validate_budgets(cfg)
    return cfg


def _validate_budgets(cfg: Config) -> None:
    """Budgets name steps by their fixed ids (fixtures/core/steps.py) and journeys by their ids."""
    budgeted = [s for s in STEP_IDS if s not in (HORS_ETAPE.id, AUTRE.id)]
    for step, seconds in cfg.step_budgets.items():
        if step not in budgeted:
            raise ConfigError(f"[budgets] steps.{step}", "unknown step id",
                              f"use a step id of fixtures/core/steps.py, e.g. {', '.join(budgeted[:4])} "
                              f"(all: {len(budgeted)} ids, listed in ops/README.md § Budgets)")
        if seconds <= 0:
            raise ConfigError(f"[budgets] steps.{step}", "a budget must be positive", 'write e.g. "5s"; '
                              "remove the key for no budget")
    for journey, seconds in cfg.journey_budgets.items():
        if not JOURNEY_ID.fullmatch(journey):
            raise ConfigError(f"[budgets] journeys.{journey}", "not a journey id",
                              f"use ids such as those of PROCEDURE.md: {', '.join(JOURNEY_IDS)} "
                              '(quote ids with a dot: "J2.2b" = "2m")')
        if seconds <= 0:
            raise ConfigError(f"[budgets] journeys.{journey}", "a budget must be positive", 'write e.g. "2m"; '
                              "remove the key for no budget")
    if cfg.default_step_budget < 0:
        raise ConfigError("[budgets] default_step", "must not be negative", 'use 0 for none, or e.g. "30s"')


# Options of the child that name a file: a relative path means relative to where the monitor
# is started (as [store] path does), not to [run] workdir where the child runs.
FILE_OPTIONS = ("--target-config",)


def _resolve_file_args(args: tuple[str, ...]) -> tuple[str, ...]:
    out = list(args)
    for i, arg in enumerate(out):
        option, eq, value = arg.partition("=")
        if option not in FILE_OPTIONS:
            continue
        if not eq:
            if i + 1 >= len(out):
                raise ConfigError("[run] extra_args", f"{option} is last, without its file", f'write ["{option}", "target.toml"]')
            value = out[i + 1]
        path = Path(value).expanduser().resolve()
        if not path.is_file():
            raise ConfigError("[run] extra_args", f"{option} {value}: no such file (from {Path.cwd()})",
                              "give a path relative to where you start the monitor, or an absolute one")
        if eq:
            out[i] = f"{option}={path}"
        else:
            out[i + 1] = str(path)
    return tuple(out)


def example_toml() -> str:
    """The documented example file (also shipped as ops/monitor.example.toml)."""
    return (PROJECT_ROOT / "ops" / "monitor.example.toml").read_text(encoding="utf-8")
