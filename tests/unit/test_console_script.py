"""``aparts-sentinel {monitor,doctor,extranet}``: each subcommand is that module's own command line."""
from __future__ import annotations

import pytest

from aparts_sentinel.cli import main


def test_help_lists_the_commands_and_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {c} " in out for c in ("monitor", "doctor", "extranet")), out
    assert main([]) == 2 and "usage: aparts-sentinel" in capsys.readouterr().err
    assert main(["moniteur"]) == 2 and "unknown command 'moniteur'" in capsys.readouterr().err


@pytest.mark.parametrize("argv, usage", [(["monitor", "once", "--help"], "usage: aparts-sentinel monitor once"),
                                         (["doctor", "--help"], "usage: aparts-sentinel monitor doctor")])
def test_monitor_and_doctor_are_the_monitors_parser(capsys: pytest.CaptureFixture[str], argv: list[str], usage: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith(usage)


def test_extranet_is_the_extranets_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extranet", "--port", "nope"]) == 2  # refused before anything starts
    assert "--port" in capsys.readouterr().err
