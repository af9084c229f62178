"""Assistance requests (J2.1, J3) on a black box without ``allow_writes``: filled to the last click —
reason offered and chosen, required fields, the browser's own validation, « Envoyer la demande »
enabled — and never sent: those steps pass, the sending step is *not run* (``write_guard``), and the
reference's own access log shows that no POST reached it."""
from __future__ import annotations

from pathlib import Path

import pytest
from support.black_box import black_box, target_file
from support.child_pytest import run_pytest
from support.service_helpers import start_or_skip

from fixtures.services.processes import start_mailpit

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=40)]


def test_assistance_is_filled_to_the_last_click_and_nothing_is_sent(tmp_path: Path) -> None:
    mailpit = start_or_skip(lambda: start_mailpit(tmp_path / "mailpit"), "mailpit_missing")
    extranet = black_box(tmp_path / "x", mailpit)
    try:
        target = target_file(tmp_path, extranet, mailpit, writes=False)
        proc, results = run_pytest(tmp_path / "run", "journeys", "--journey", "J2.1", "--journey", "J3",
                                   "--browser", "chromium", "--target-config", str(target))
    finally:
        extranet.stop()
        mailpit.stop()
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted((r["journey"], r["outcome"], r["failure_class"]) for r in results) == \
        [("J2.1", "not_run", "write_guard")] * 2 + [("J3", "not_run", "write_guard")], results
    for result in results:
        steps = [(s["id"], s["ok"]) for s in result["steps"]]
        assert steps[-2:] == [("choose_motif", True), ("fill_request", True)], steps
        assert all(ok for _, ok in steps), steps
        assert "not sent" in result["message"]
    motifs = {r["journey"]: r["steps"][-2]["name"] for r in results}
    assert "« Habilitation extranet »" in motifs["J2.1"] and "« Habilitation à l'extranet »" in motifs["J3"]
    access = "\n".join(log.read_text() for log in (tmp_path / "x").glob("extranet-*.log"))
    assert "GET /assistance-technique" in access and "GET /assistance" in access  # the forms were opened…
    assert "POST " not in access, [line for line in access.splitlines() if "POST " in line]  # …and nothing sent
