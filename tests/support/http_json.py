"""Reading a JSON HTTP API in a test (Prometheus', Alertmanager's): one helper instead of two copies."""
from __future__ import annotations

import json
import urllib.request
from typing import Any


def get_json(url: str, timeout: float = 5) -> Any:
    """The decoded body of a GET to ``url``; an HTTP or connection error propagates (callers poll)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())
