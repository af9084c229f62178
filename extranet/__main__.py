"""``python -m extranet``: validate settings, then serve the app with uvicorn.

Why uvicorn's access log is off: it would print activation and reset links; the app logs
each request itself with tokens redacted. A bad setting prints one line and exits 2.
"""
from __future__ import annotations

import logging
import sys
from typing import Sequence

from .settings import SettingsError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["accounts"]:  # operator's tool: test accounts straight in the database
        from .accounts_cli import main as accounts_main
        return accounts_main(argv[1:])
    try:
        settings = load_settings(argv)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    import uvicorn

    from .app import create_app

    try:
        app = create_app(settings)
    except Exception as exc:  # noqa: BLE001 - e.g. an unreadable database file
        print(f"extranet: cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                access_log=False, server_header=False, proxy_headers=False, lifespan="on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
