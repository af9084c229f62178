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
import site
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlparse

from fixtures.core import settings
from fixtures.core.engine_names import ENGINE_NAMES
from fixtures.core.outcomes import PROBER_OUTCOMES, TARGET_FAILURES
from fixtures.core.procedure import JOURNEY_IDS, PROCEDURE_JOURNEY_IDS
from fixtures.core.settings import ConfigError
from fixtures.core.steps import AUTRE, HORS_ETAPE, STEP_IDS
from monitor.budgets import Budgets
from monitor.classify import JOURNEY_ID  # the same bound as the metric labels

RETRYABLE = TARGET_FAILURES + PROBER_OUTCOMES  # a journey not run on purpose is never retried
#: The folder that holds the packages: a checkout's root, or site-packages when installed.
PACKAGES_HOME = Path(str(resources.files("monitor"))).resolve().parent
#: The child's whole configuration is on its command line, so it runs the same installed (no
#: pyproject.toml, no root conftest) as in a checkout: ``--pyargs journeys`` finds the journeys where
#: Python imports them from, ``--rootdir`` keeps pytest's node ids relative to the work directory (a
#: retry names failed tests by them), no cache is written beside the installed package, and a failure
#: keeps its trace and screenshot (the checkout's pyproject.toml addopts, said again).
DEFAULT_COMMAND = (
    "{python}", "-m", "pytest", "--rootdir", "{workdir}", "-p", "no:cacheprovider",
    "--tracing=retain-on-failure", "--screenshot=only-on-failure", "--pyargs", "{targets}",
    "-p", "fixtures.plugin.results_output",
    "--results-json", "{results_json}", "{browser_args}", "{journey_args}", "{k_args}",
    "--output", "{output_dir}",
)


def installed(home: Path = PACKAGES_HOME) -> bool:
    """True when the packages live in one of this interpreter's site-packages (an installed wheel)."""
    sites = [*site.getsitepackages(), site.getusersitepackages()]
    return any(home == Path(p).resolve() for p in sites)


def default_workdir() -> Path:
    """Where the child runs by default: a checkout's root (its pyproject.toml and conftest apply), or,
    installed, the folder the monitor starts in (never site-packages)."""
    return Path.cwd() if installed() else PACKAGES_HOME
ENV_PREFIX = "MONITOR_"
#: A location is a Prometheus label value and a Pushgateway URL path segment: keep it to what both
#: carry without escaping, short enough for a dashboard legend (e.g. "paris-1", "aws-eu-west-3").
LOCATION = re.compile(r"[a-z0-9](?:[a-z0-9_.-]{0,62}[a-z0-9])?")


# One set of value parsers and one error for every configuration (fixtures.core.settings), under the
# names this module has always used.
parse_duration = settings.duration
parse_size = settings.size


def format_duration(seconds: float) -> str:
    for unit, size, least in (("d", 86400, 2 * 86400), ("h", 3600, 3600), ("m", 60, 60)):
        if seconds >= least and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# The parsers of the [section] keys: the shared ones (fixtures.core.settings) under this module's names, and the
# monitor's own. Each takes (value, "[section] key" or "MONITOR_SECTION_KEY").
_str = settings.text
_bool = settings.boolean
_int = settings.integer()
_float = settings.number()
_list = settings.strings
_argv = settings.argv
_path = settings.path()


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
        start, end = settings.instant(w["start"], f"{where}.start"), settings.instant(w["end"], f"{where}.end")
        if end <= start:
            raise ConfigError(where, "ends before it starts", "swap start and end")
        out.append((start, end, _str(w.get("text", ""), f"{where}.text")))
    return tuple(out)


def _parse_listen(value: str, key: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(key, f"{value!r} is not host:port", 'write e.g. "127.0.0.1:9464" (port 0 = any free port)')
    return (host.strip("[]") or "0.0.0.0"), int(port)


def _listen(v: Any, key: str) -> tuple[str, int]:
    """``[exporter] listen = "host:port"`` → (host, port): one key, two fields (``listen_host`` declares it)."""
    return _parse_listen(_str(v, key), key)


def _in(section: str, parse: settings.Parser, key: str | None = None) -> Any:
    """The field's rule: read from ``[section] key`` (default: the field's name) and ``MONITOR_SECTION_KEY``."""
    return settings.setting(parse, section=section, key=key)


@dataclass
class Config:
    """The monitor's settings. Each field read from the file declares its ``[section]``, key and parser in its
    metadata (``fixtures.core.settings``): :data:`SCHEMA`, the environment's names and the generated tests
    follow. Ranges and cross-field rules are checked by :func:`validate` (also for a Config built in code)."""

    # [monitor]
    location: str = field(default="", metadata=_in("monitor", _str))  # where this monitor runs; "" = not said (one location)
    # [schedule]
    interval: float = field(default=900.0, metadata=_in("schedule", parse_duration))
    jitter: float = field(default=60.0, metadata=_in("schedule", parse_duration))
    run_at_start: bool = field(default=True, metadata=_in("schedule", _bool))
    # [run]
    journeys: tuple[str, ...] = field(default=PROCEDURE_JOURNEY_IDS, metadata=_in("run", _list))  # R1 and S1 when listed
    browsers: tuple[str, ...] = field(default=ENGINE_NAMES, metadata=_in("run", _list))  # every engine; one unavailable here is recorded "not run", never counted
    pytest_k: str = field(default="", metadata=_in("run", _str))
    retries: int = field(default=1, metadata=_in("run", _int))
    retry_outcomes: tuple[str, ...] = field(default=TARGET_FAILURES, metadata=_in("run", _list))
    cycle_timeout: float = field(default=600.0, metadata=_in("run", parse_duration))
    kill_grace: float = field(default=10.0, metadata=_in("run", parse_duration))
    command: tuple[str, ...] = field(default=DEFAULT_COMMAND, metadata=_in("run", _argv))
    python: str = field(default=sys.executable, metadata=_in("run", _str))
    workdir: Path = field(default_factory=default_workdir, metadata=_in("run", _path))
    extra_args: tuple[str, ...] = field(default=(), metadata=_in("run", _argv))
    connect: dict[str, str] = field(default_factory=dict, metadata=_in("run", _connect))  # engine -> launch-server endpoint (a credential)
    # [store]
    db_path: Path = field(default=Path("monitor-data/monitor.db"), metadata=_in("store", _path, "path"))
    artifacts_dir: Path = field(default=Path("monitor-data/artifacts"), metadata=_in("store", _path))
    # The last good accessibility snapshot per journey × browser × step (not artifacts: never pruned).
    aria_snapshots_dir: Path = field(default=Path("monitor-data/aria-snapshots"), metadata=_in("store", _path))
    busy_timeout: float = field(default=5.0, metadata=_in("store", parse_duration))
    # [retention]
    results_max_age: float = field(default=90 * 86400.0, metadata=_in("retention", parse_duration))
    artifacts_max_age: float = field(default=14 * 86400.0, metadata=_in("retention", parse_duration))
    artifacts_max_bytes: int = field(default=2 * 1024**3, metadata=_in("retention", parse_size))
    # [exporter]
    # [exporter] listen = "host:port" sets both
    listen_host: str = field(default="127.0.0.1", metadata=_in("exporter", _listen, "listen"))
    listen_port: int = 9464
    web_config_file: Path | None = field(default=None, metadata=_in("exporter", _path))  # TLS and basic auth (monitor.export.web_config); None: plain HTTP
    # [stats]
    windows: tuple[float, ...] = field(default=(3600.0, 86400.0, 7 * 86400.0), metadata=_in("stats", _durations))
    alpha: float = field(default=0.05, metadata=_in("stats", _float))
    # [pushgateway]
    pushgateway_url: str = field(default="", metadata=_in("pushgateway", _str, "url"))
    pushgateway_job: str = field(default="extranet_monitor", metadata=_in("pushgateway", _str, "job"))
    pushgateway_instance: str = field(default="", metadata=_in("pushgateway", _str, "instance"))  # grouping key; "" = this machine's host name
    pushgateway_timeout: float = field(default=5.0, metadata=_in("pushgateway", parse_duration, "timeout"))
    # [budgets] (monitor.budgets): seconds per step id, per journey id, and for every other step
    step_budgets: dict[str, float] = field(default_factory=dict, metadata=_in("budgets", _budget_table, "steps"))
    journey_budgets: dict[str, float] = field(default_factory=dict, metadata=_in("budgets", _budget_table, "journeys"))
    default_step_budget: float = field(default=0.0, metadata=_in("budgets", parse_duration, "default_step"))
    # [status] the public status page (monitor.status): maintenance windows (start, end, text), epoch seconds
    status_maintenance: tuple[tuple[float, float, str], ...] = field(default=(), metadata=_in("status", _maintenance, "maintenance"))
    status_show_location: bool = field(default=False, metadata=_in("status", _bool, "show_location"))  # the page names [monitor] location only when this says so
    source: str = "defaults"
    overrides: list[str] = field(default_factory=list)

    @property
    def budgets(self) -> Budgets:
        return Budgets(self.step_budgets, self.journey_budgets, self.default_step_budget)


#: The file's sections, in the order errors list them.
SECTIONS = ("schedule", "run", "store", "retention", "exporter", "stats", "pushgateway", "monitor", "status", "budgets")
#: section -> key -> (Config attribute, parser), from the fields' declarations.
SCHEMA: dict[str, dict[str, tuple[str, Any]]] = {section: {} for section in SECTIONS}
for _attr, _rule in settings.rules(Config):
    SCHEMA[_rule.section or ""][_rule.key or _attr] = (_attr, _rule.parse)


def _env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


def _apply(cfg: Config, section: str, key: str, value: Any, where: str) -> None:
    attr, parser = SCHEMA[section][key]
    parsed = parser(value, where)
    if attr == "listen_host":
        cfg.listen_host, cfg.listen_port = parsed
    else:
        setattr(cfg, attr, parsed)


#: A command-line flag: ``(section, key) -> (flag, value)``; a value of None was not given.
Flags = Mapping[tuple[str, str], tuple[str, Any]]


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None,
                flags: Flags | None = None) -> Config:
    """Defaults ← TOML file ← environment ← flags (``fixtures.core.settings``'s order), then :func:`validate`."""
    env = os.environ if env is None else env
    cfg = Config()
    path = path or env.get("MONITOR_CONFIG") or None
    if path:
        p = Path(path)
        data = settings.read_toml(p, str(p), "pass an existing file with --config or MONITOR_CONFIG")
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
    for (section, key), (flag, value) in (flags or {}).items():
        if value is not None:
            _apply(cfg, section, key, value, flag)
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
        raise ConfigError("[run] workdir", f"{cfg.workdir} is not a directory", "point it at an existing folder (default: the checkout's root, or where the monitor starts when installed)")
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
    """The documented example file, ops/monitor.example.toml (package data as monitor/example.toml, a link)."""
    return (resources.files("monitor") / "example.toml").read_text(encoding="utf-8")
