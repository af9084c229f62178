"""The sender checked against the domain a target declares (``mail_from_domain``), on the reference
extranet whose From domain is a start flag (``--mail-from-domain``): a mail from another domain is
named as such in its mail path; one from the declared domain, with a Return-Path aligned with it,
is fine. One engine: the engine is not the point."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.child_pytest import run_pytest

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=50)]


@pytest.mark.parametrize("extranet_args, problem", [
    ([], "foreign_domain"),  # the reference's default From: activitepartielle.invalid
    (["--mail-from-domain", "asp-public.fr", "--envelope-from", "ne-pas-repondre@retours.asp-public.fr"], None),
])
def test_the_mail_path_names_a_sender_from_another_domain(tmp_path: Path, extranet_args: list[str],
                                                          problem: str | None) -> None:
    target = tmp_path / "target.toml"
    target.write_text(f'[target]\nmail_from_domain = "asp-public.fr"\nextranet_args = {json.dumps(extranet_args)}\n')
    proc, results = run_pytest(tmp_path, "journeys", "--journey", "J3", "--browser", "chromium",
                               "--target-config", str(target))
    assert proc.returncode == 0, proc.stdout[-3000:]
    [result] = results
    assert result["outcome"] == "success"  # a warning, never a failure: the mail came
    [path] = result["mail_paths"]
    assert (path["expected_from_domain"], path["sender_problem"]) == ("asp-public.fr", problem), path
    if problem:
        assert path["from_domain"] == "activitepartielle.invalid" and path["verdict"] == "warning"
        assert "sent from another domain: From activitepartielle.invalid, not asp-public.fr" in path["explanation"]
    else:
        assert path["from_domain"] == "asp-public.fr" and path["verdict"] == "ok", path
