"""``aparts-sentinel {monitor,doctor,extranet} …``: one console script for the installed suite.

Each subcommand is the module's own command line, unchanged (``python -m monitor``, ``python -m monitor
doctor``, ``python -m extranet``), so options, exit codes and help stay documented in one place.
The journeys themselves run with ``pytest`` (the plugin registers itself by its ``pytest11`` entry point).
"""
from __future__ import annotations

import sys
from typing import Callable, Sequence

PROG = "aparts-sentinel"
USAGE = f"""usage: {PROG} COMMAND [ARGS…]

commands:
  monitor   the synthetic monitor: run, once, report, serve, check-config, calibrate (python -m monitor)
  doctor    which of the page objects' expectations a target meets (python -m monitor doctor)
  extranet  the reference extranet, or its test accounts: extranet accounts … (python -m extranet)

'{PROG} COMMAND --help' for a command's options; the journeys run with pytest.
"""


def _monitor(argv: Sequence[str]) -> int:
    from monitor.__main__ import main
    return main(list(argv), prog=f"{PROG} monitor")


def _doctor(argv: Sequence[str]) -> int:
    from monitor.__main__ import main
    return main(["doctor", *argv], prog=f"{PROG} monitor")


def _extranet(argv: Sequence[str]) -> int:
    from extranet.__main__ import main
    return main(list(argv))


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {"monitor": _monitor, "doctor": _doctor, "extranet": _extranet}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="", file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"{PROG}: unknown command {args[0]!r}; use one of {', '.join(COMMANDS)}\n\n{USAGE}", end="", file=sys.stderr)
        return 2
    return command(args[1:])
