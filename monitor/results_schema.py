"""Parse and validate the results file the journeys' pytest plugin writes.

Why a module of its own: this JSON file is the *only* coupling between the monitor and the
journeys (see docs/ARCHITECTURE.md). The monitor runs the journeys as a child process and
never imports ``pages`` or ``journeys``, so a malformed file must be caught here, with a
message naming the field, rather than surfacing later as a KeyError in the store.

Contract (one object)::

    {"run_id": str, "started_at": float, "finished_at": float,
     "results": [{"journey": "J2.2b", "test": "<nodeid>", "browser": "chromium",
                  "outcome": "success|failure|mail_not_received|probe_error|unavailable",
                  "failure_class": str|null, "message": str|null,
                  "duration_seconds": float, "steps": [{"name": str, "seconds": float}],
                  "mail_latencies": [{"kind": str, "delivery_seconds": float,
                                      "notice_seconds": float}],
                  "spam_scores": [float], "incident_notice": bool|null,
                  "artifacts": [str]}]}
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OUTCOMES: tuple[str, ...] = ("success", "failure", "mail_not_received", "probe_error", "unavailable")


class ResultsFileError(ValueError):
    """The results file is missing, not JSON, or does not follow the contract."""


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float


@dataclass(frozen=True)
class MailLatency:
    kind: str
    delivery_seconds: float
    notice_seconds: float | None = None


@dataclass(frozen=True)
class JourneyResult:
    journey: str
    browser: str
    outcome: str
    test: str = ""
    failure_class: str | None = None
    message: str | None = None
    duration_seconds: float = 0.0
    steps: tuple[Step, ...] = ()
    mail_latencies: tuple[MailLatency, ...] = ()
    spam_scores: tuple[float, ...] = ()
    incident_notice: bool | None = None
    artifacts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape (used by the fake child and the --json summary)."""
        d = asdict(self)
        for key in ("steps", "mail_latencies", "spam_scores", "artifacts"):
            d[key] = list(d[key])
        return d


@dataclass(frozen=True)
class ResultsFile:
    run_id: str
    started_at: float
    finished_at: float
    results: tuple[JourneyResult, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "results": [r.to_dict() for r in self.results],
        }


def _req(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise ResultsFileError(f"{where}: missing field {key!r}")
    return obj[key]


def _str(value: Any, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ResultsFileError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _num(value: Any, where: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    # bool is an int subclass: refuse it, a True duration is a bug upstream.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ResultsFileError(f"{where}: expected a number, got {type(value).__name__}")
    f = float(value)
    if math.isnan(f) or math.isinf(f):
        raise ResultsFileError(f"{where}: expected a finite number, got {value!r}")
    return f


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ResultsFileError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def parse_result(obj: Any, where: str = "result") -> JourneyResult:
    """Validate one entry of ``results``; optional lists may be absent or null."""
    if not isinstance(obj, dict):
        raise ResultsFileError(f"{where}: expected an object, got {type(obj).__name__}")
    journey = _str(_req(obj, "journey", where), f"{where}.journey")
    browser = _str(_req(obj, "browser", where), f"{where}.browser")
    outcome = _str(_req(obj, "outcome", where), f"{where}.outcome")
    if outcome not in OUTCOMES:
        raise ResultsFileError(f"{where}.outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    if not journey or not browser:
        raise ResultsFileError(f"{where}: journey and browser must not be empty")
    steps = []
    for i, s in enumerate(_list(obj.get("steps"), f"{where}.steps")):
        w = f"{where}.steps[{i}]"
        if not isinstance(s, dict):
            raise ResultsFileError(f"{w}: expected an object")
        steps.append(Step(name=_str(_req(s, "name", w), f"{w}.name"), seconds=_num(_req(s, "seconds", w), f"{w}.seconds")))
    mails = []
    for i, m in enumerate(_list(obj.get("mail_latencies"), f"{where}.mail_latencies")):
        w = f"{where}.mail_latencies[{i}]"
        if not isinstance(m, dict):
            raise ResultsFileError(f"{w}: expected an object")
        mails.append(
            MailLatency(
                kind=_str(_req(m, "kind", w), f"{w}.kind"),
                delivery_seconds=_num(_req(m, "delivery_seconds", w), f"{w}.delivery_seconds"),
                notice_seconds=_num(m.get("notice_seconds"), f"{w}.notice_seconds", optional=True),
            )
        )
    spam = tuple(_num(v, f"{where}.spam_scores[{i}]") for i, v in enumerate(_list(obj.get("spam_scores"), f"{where}.spam_scores")))
    artifacts = tuple(_str(v, f"{where}.artifacts[{i}]") for i, v in enumerate(_list(obj.get("artifacts"), f"{where}.artifacts")))
    notice = obj.get("incident_notice")
    if notice is not None and not isinstance(notice, bool):
        raise ResultsFileError(f"{where}.incident_notice: expected true, false or null")
    duration = _num(obj.get("duration_seconds", 0.0), f"{where}.duration_seconds")
    return JourneyResult(
        journey=journey,
        browser=browser,
        outcome=outcome,
        test=_str(obj.get("test") or "", f"{where}.test") or "",
        failure_class=_str(obj.get("failure_class"), f"{where}.failure_class", optional=True),
        message=_str(obj.get("message"), f"{where}.message", optional=True),
        duration_seconds=max(0.0, duration or 0.0),
        steps=tuple(steps),
        mail_latencies=tuple(mails),
        spam_scores=spam,  # type: ignore[arg-type]
        incident_notice=notice,
        artifacts=artifacts,  # type: ignore[arg-type]
    )


def parse_results(data: Any) -> ResultsFile:
    """Validate a decoded results document."""
    if not isinstance(data, dict):
        raise ResultsFileError(f"results file: expected a JSON object, got {type(data).__name__}")
    results = _list(_req(data, "results", "results file"), "results file.results")
    return ResultsFile(
        run_id=_str(data.get("run_id") or "", "results file.run_id") or "",
        started_at=_num(data.get("started_at", 0.0), "results file.started_at") or 0.0,
        finished_at=_num(data.get("finished_at", 0.0), "results file.finished_at") or 0.0,
        results=tuple(parse_result(r, f"results[{i}]") for i, r in enumerate(results)),
    )


def load_results(path: str | Path) -> ResultsFile:
    """Read and validate ``path``; every problem becomes a :class:`ResultsFileError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsFileError(f"results file {p} was not written") from None
    except OSError as exc:
        raise ResultsFileError(f"results file {p} could not be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsFileError(f"results file {p} is not valid JSON: {exc}") from None
    return parse_results(data)


def dump_results(results: ResultsFile, path: str | Path) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(results.to_dict(), indent=1), encoding="utf-8")
    tmp.replace(p)
