"""Fast tier: no process, no browser, no network (guarded in conftest.py)."""
