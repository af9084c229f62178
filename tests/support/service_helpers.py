"""Starting a real service in a test fixture: skip where it is not installed, fail otherwise."""
from __future__ import annotations

from typing import Callable, TypeVar

import pytest

from fixtures.core.outcomes import ServiceStartError

T = TypeVar("T")


def start_or_skip(start: Callable[[], T], missing_class: str) -> T:
    """``start()``, or skip the test with the install hint when the binary is missing.

    Why only then: a service that is installed but fails to start is a real error, not a skip.
    """
    try:
        return start()
    except ServiceStartError as exc:
        if exc.failure_class == missing_class:
            pytest.skip(str(exc))
        raise
