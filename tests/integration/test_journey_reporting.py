"""The suite as a QA engineer meets it: failure artifacts without secrets, one-line errors.

Each test runs pytest in a child process (the way a user or CI does) and reads what it left:
the per-browser results JSON, the terminal output and the artifacts folder.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from support.child_pytest import ROOT, run_pytest  # tests/ is on sys.path (pytest's rootdir-relative import)

from fixtures.secrets.registry import SecretRegistry
from fixtures.services.ports import free_port

pytestmark = pytest.mark.integration


FAILING_JOURNEY = '''
import json, os
import pytest
from pages import AccueilPage

@pytest.mark.journey("X1")
def test_logs_in_then_fails(page, journey, existing_account):
    home = AccueilPage(page)
    home.ouvrir()
    with open(os.environ["SECRETS_OUT"], "w") as fh:
        json.dump([existing_account.identifiant, existing_account.password], fh)
    with journey.step("Se connecter puis échouer exprès"):
        home.se_connecter(existing_account.identifiant, existing_account.password)
        page.wait_for_url("**/mon-espace")
        assert existing_account.password == "wrong", f"password {existing_account.password} shown in the report"
'''


@pytest.mark.parametrize("engine_name", ["chromium", "firefox"])
def test_a_failing_journey_leaves_artifacts_with_no_secret(tmp_path, engine_name):
    # Outside the repository, so a concurrent `pytest journeys` never collects it; a conftest
    # loads the suite's plugins there as the root conftest does in the repository.
    test_file = tmp_path / "journey" / "test_failing_on_purpose.py"
    test_file.parent.mkdir()
    test_file.write_text(FAILING_JOURNEY)
    (test_file.parent / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    secrets_out = tmp_path / "secrets.json"
    proc, results = run_pytest(tmp_path, str(test_file), "--browser", engine_name, "--tracing=retain-on-failure",
                               env={"SECRETS_OUT": str(secrets_out)})
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert [r["outcome"] for r in results] == ["failure"], proc.stdout[-3000:]
    identifiant, password = json.loads(secrets_out.read_text())
    registry = SecretRegistry([identifiant, password])
    assert password not in proc.stdout + proc.stderr  # the assertion message was scrubbed
    assert "[secret]" in proc.stdout
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(p.name.endswith(".png") for p in files), files
    traces = [p for p in files if p.name.endswith(".zip")]
    assert traces, files
    for path in files:
        blobs = [path.read_bytes()]
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                blobs = [archive.read(name) for name in archive.namelist()]
                assert "trace.trace" in archive.namelist()
        for blob in blobs:
            assert registry.remaining(blob) == [], f"a secret survived in {path.name}"
    listed = {Path(p) for p in results[0]["artifacts"]}
    assert listed and listed == set(files), (listed, files)


def test_an_unreachable_target_is_a_failure_in_one_line(tmp_path):
    proc, results = run_pytest(tmp_path, "journeys/test_r_pages_accessibles.py", "--browser", "chromium",
                               "--base-url", f"http://127.0.0.1:{free_port()}", "-x")
    assert proc.returncode == 1
    assert results and results[0]["outcome"] == "failure"
    assert results[0]["failure_class"] == "target_unreachable"
    assert "failure (target_unreachable): the target did not answer" in proc.stdout


def test_a_dead_mailpit_is_a_probe_error_not_a_failure(tmp_path):
    proc, results = run_pytest(tmp_path, "journeys/test_j2_2a_identifiant_oublie.py", "--browser", "chromium",
                               "--mailpit-url", f"http://127.0.0.1:{free_port()}")
    assert proc.returncode == 1
    assert {r["outcome"] for r in results} == {"probe_error"}, results
    assert "probe_error (mailpit_unreachable)" in proc.stdout


def test_video_is_refused_because_pixels_cannot_be_scrubbed(tmp_path):
    proc, results = run_pytest(tmp_path, "journeys", "--browser", "chromium", "--video", "retain-on-failure")
    assert proc.returncode == 4 and results == []
    assert "--video is not supported: video frames cannot be scrubbed" in proc.stderr


def test_an_action_timeout_out_of_range_is_one_clear_usage_error(tmp_path):
    proc, _ = run_pytest(tmp_path, "journeys", "--browser", "chromium", "--action-timeout", "0")
    assert proc.returncode == 4
    assert "--action-timeout 0: give seconds between 0 and 600" in proc.stderr


def test_an_unknown_browser_is_one_clear_usage_error(tmp_path):
    proc, _ = run_pytest(tmp_path, "journeys", "--browser", "netscape")
    assert proc.returncode == 4
    assert "invalid choice: 'netscape'" in proc.stderr


def test_a_bad_target_setting_names_its_key(tmp_path):
    proc, _ = run_pytest(tmp_path, "journeys", "--browser", "chromium", env={"SENTINEL_MAIL_TIMEOUT_SECONDS": "soon"})
    assert proc.returncode == 4
    assert "SENTINEL_MAIL_TIMEOUT_SECONDS" in proc.stderr


def test_writes_are_not_run_on_a_real_target_with_the_reason(tmp_path):
    proc, results = run_pytest(tmp_path, "journeys/test_j2_2a_identifiant_oublie.py", "--browser", "chromium",
                               "--base-url", f"http://127.0.0.1:{free_port()}")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert results and {(r["outcome"], r["failure_class"]) for r in results} == {("not_run", "write_guard")}
    assert "--allow-writes" in results[0]["message"]
    assert "not run (write_guard): J2.2a (chromium)" in proc.stdout


def test_operator_journeys_are_not_run_on_a_black_box_even_with_writes_allowed(tmp_path):
    proc, results = run_pytest(tmp_path, "journeys/test_j2_2c_validite_60_minutes.py", "--browser", "chromium",
                               "--base-url", f"http://127.0.0.1:{free_port()}", "--allow-writes")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert results and {(r["outcome"], r["failure_class"]) for r in results} == {("not_run", "needs_operator")}


def test_check_engines_launches_each_available_engine_in_the_header(tmp_path):
    proc, _ = run_pytest(tmp_path, "journeys/test_r_pages_accessibles.py", "--browser", "chromium",
                         "--check-engines", "--collect-only",
                         env={"SENTINEL_CHROMIUM_EXECUTABLE": "/bin/true"})
    header = [line for line in proc.stdout.splitlines() if line.startswith("engine chromium")]
    assert header and "LAUNCH FAILED" in header[0], proc.stdout[:2000]
