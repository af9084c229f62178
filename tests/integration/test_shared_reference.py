"""Two xdist workers sharing one reference extranet that the user runs.

The clock and the incident notice are server-wide: a journey marked ``changes_target_state``
must run while no other journey does (else J2.2c's +61 minutes expires another worker's link).
Checked from the lock intervals each result records; that readers share the lock is checked
in test_target_lock.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from support.child_pytest import run_pytest
from support.extranet_helpers import OPERATOR_KEY

from fixtures.engines.resolve import resolve_engine

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")]


def test_state_changing_journeys_run_alone_on_a_shared_reference(tmp_path: Path, extranet, mailpit_service) -> None:
    toml = tmp_path / "target.toml"
    toml.write_text(f'[target]\nbase_url = "{extranet.base_url}"\nreference = true\n'
                    f'operator_key = "{OPERATOR_KEY}"\nmailpit_url = "{mailpit_service.http_url}"\n')
    proc, results = run_pytest(tmp_path, "journeys", "--target-config", str(toml), "--browser", "chromium",
                               "-n", "2", "--journey", "J2.2c", "--journey", "J2.2b", "--journey", "S1",
                               "--journey", "N1")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert results and {r["outcome"] for r in results} == {"success"}, results
    locks = [(r["test"], r["target_lock"]) for r in results]
    assert all(lock is not None for _, lock in locks), "every journey on a shared reference takes the lock"
    exclusive = [(t, lock) for t, lock in locks if lock["mode"] == "exclusive"]
    assert {t.split("::")[0] for t, _ in exclusive} == {
        "journeys/test_j2_2c_validite_60_minutes.py", "journeys/test_s_invariants_securite.py",
        "journeys/test_n1_avis_incident.py"}
    for test, lock in exclusive:
        for other, held in locks:
            if other != test:
                apart = held["held_until"] <= lock["held_from"] or held["held_from"] >= lock["held_until"]
                assert apart, f"{other} held the target while {test} changed its state"
