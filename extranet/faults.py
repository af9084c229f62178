"""Fault injection profiles (placeholder for the fault-injection issue).

Why it exists now: the operator route GET/POST /__operator__/faults already stores a
profile, so journeys and the monitor can rely on the route; the profile has no fault yet and
any unknown key is refused, so a typo never silently does nothing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


class FaultProfileError(ValueError):
    """The submitted profile is not a JSON object of known faults."""


@dataclass(frozen=True)
class FaultProfile:
    """No fault is defined yet: the empty profile means "behave normally"."""

    @classmethod
    def from_dict(cls, data: Any) -> "FaultProfile":
        if not isinstance(data, dict):
            raise FaultProfileError("the fault profile must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultProfileError(
                f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(known)) or 'none yet'}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
