"""Dates, durations and counts written the way a French reader expects (« le 8 décembre 2026 à 9 h 05 »).

Why by hand: the stdlib's locale would need the fr_FR locale installed on the monitor's machine
(and changes the whole process); Babel is a large dependency for four formats.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The page speaks to French employers: times in Paris time, said once in the page's footer.
PARIS = ZoneInfo("Europe/Paris")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
NBSP = "\u00a0"


def when(ts: float) -> str:
    """'8 décembre 2026 à 9 h 05' (Paris time)."""
    t = dt.datetime.fromtimestamp(ts, PARIS)
    day = "1er" if t.day == 1 else str(t.day)
    return f"{day} {MONTHS[t.month - 1]} {t.year} à {t.hour}{NBSP}h{NBSP}{t.minute:02d}"


def iso(ts: float) -> str:
    """'2026-12-08T09:05:00Z': the machine-readable twin (``<time datetime>``, status.json)."""
    return dt.datetime.fromtimestamp(round(ts), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(seconds: float) -> str:
    """'moins d'une seconde', '12 secondes', '3 minutes', '2 heures', '3 jours' (rounded, plain)."""
    if seconds < 1:
        return "moins d'une seconde"
    for unit, size in (("jour", 86400), ("heure", 3600), ("minute", 60)):
        if seconds >= 2 * size or (unit != "jour" and seconds >= size and seconds % size < size / 12):
            n = round(seconds / size)
            return f"{n}{NBSP}{unit}{'s' if n > 1 else ''}"
    n = round(seconds)
    return f"{n}{NBSP}seconde{'s' if n > 1 else ''}"


def percent(part: int, whole: int) -> str:
    """'12 %' (a whole number; '< 1 %' rather than a misleading 0 when some were counted)."""
    value = 100 * part / whole
    if 0 < value < 1:
        return f"moins de 1{NBSP}%"
    return f"{round(value)}{NBSP}%"


def listing(words: list[str]) -> str:
    """'a', 'a et b', 'a, b et c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " et " + words[-1]
