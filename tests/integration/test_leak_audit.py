"""The leak audit (issue 10): a traced run leaves no secret behind, in any file, in any form.

What it does, as a security reviewer would:
1. starts the reference extranet under ``/aparts/``, as the real portal lives, and Mailpit (or uses
   the target in ``SENTINEL_BASE_URL``);
2. runs every journey on every engine available here with ``--tracing=on --screenshot=on``,
   plus a journey that fails on purpose after login (live session, secrets in the failure
   message), with JUnit XML, results JSON and the terminal output kept; then one monitor cycle
   (store, artifacts, JSON summary), a scrape of its ``/metrics``, and its public status page (written by
   ``monitor status-page`` and served at ``/status/``); the last good accessibility
   snapshots of both (``fixtures.core.aria_store``) are kept under the run's folder;
3. gathers every secret the run used *without trusting the scrubber*: ``leak_capture`` records
   values typed into credential fields and cookies held at context close, the journeys'
   registries, every link and identifier in every mail, the operator key;
4. scans every file left (zip members opened: traces) for every secret in every form, and
   every HAR-shaped record for an unmasked cookie or authorization value;
5. tests itself: the same scan must flag secrets planted on purpose.

This run is also ``make test``'s run of the journeys under ``/aparts/``: every journey but the
forced failures must pass (their failures are named), so the matrix is not run twice.

Values that are not secrets are allowed by name (``ALLOWED_NAMES``), never by pattern.
Run alone: ``.venv/bin/python -m pytest tests/integration/test_leak_audit.py -s`` (prints its duration).
"""
from __future__ import annotations

import base64
import json
import os
import secrets as pysecrets
import shutil
import subprocess
import sys
import time
import zipfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from support.leak_audit.scan import (  # tests/ is on sys.path (rootdir conftest), as for the other helpers
    scan,
    unbounded_labels,
)

from fixtures.core.aria_store import DIR_ENV, AriaStore
from fixtures.core.outcomes import Outcome
from fixtures.engines.resolve import resolve_engine
from fixtures.mail.mailpit import MailpitClient
from fixtures.secrets.registry import SecretRegistry
from fixtures.services.processes import reference_stack

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=240)]

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ROOT / "tests" / "support" / "leak_audit"
ENGINES = ("chromium", "firefox", "webkit")
#: Where the started reference serves the portal: under a path, as the real one (issue 22).
ROOT_PATH = "/aparts"
NAVIGATING_R1 = "creer_mon_espace or depuis_l_accueil"  # R1's tests that click a link of the home page
#: Typed into a field, yet not secrets: allowed by these names only (what ``leak_capture``
#: records by field name, and what a journey declares with ``journey.not_secret``).
ALLOWED_NAMES = frozenset({  # (the account's SIRET, names, phone and mailbox are personal data: searched)
    "identifiant inventé (sonde d'énumération)",  # S1: an identifier that belongs to no account
    "SIRET inventé (sonde d'énumération)", "courriel inventé (sonde d'énumération)",  # S1: nobody's data
    "base_url",  # the target's address (the Habilitation mail links to its home page)
    "courriel invalide (contrôle par le navigateur)",  # J2.1, J3: typed to see the browser refuse it
})
RUN_TIMEOUT_S = 1800
#: The mails (by kind, as ``fixtures.plugin.inbox`` names them) whose links are one-time secrets.
ONE_TIME_LINK_MAILS = frozenset({"activation", "reinitialisation"})


def available_engines() -> list[str]:
    """Every engine that runs here, or those of ``LEAK_AUDIT_ENGINES`` (e.g. ``chromium``)."""
    wanted = os.environ.get("LEAK_AUDIT_ENGINES", "").replace(",", " ").split() or ENGINES
    return [name for name in wanted if resolve_engine(name).available]


def all_mails(mailpit_url: str) -> tuple[list[str], list[str]]:
    """(one-time links, identifiers) in every message of the mailbox.

    One-time links are those of the mails that carry one, by the mail's kind; the other mails'
    links (the portal's home page in the *Habilitation* mail) are public.
    """
    links, identifiers = [], []
    with MailpitClient(mailpit_url) as client:
        listing = httpx.get(f"{mailpit_url}/api/v1/messages", params={"limit": 5000}, timeout=30).json()
        for summary in listing.get("messages") or []:
            mail = client.message(summary["ID"])
            if mail.kind in ONE_TIME_LINK_MAILS:
                links.extend(mail.links())
            try:
                identifiers.append(mail.field_value("Identifiant"))
            except AssertionError:
                pass
    return links, identifiers


def gathered_secrets(capture: Path) -> tuple[set[str], dict[str, set[str]]]:
    """(secrets, public values by name) from ``leak_capture``'s files."""
    secrets: set[str] = set()
    public: dict[str, set[str]] = defaultdict(set)
    for path in capture.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["kind"] == "public":
                public[entry["name"]].add(entry["value"])
            else:
                secrets.add(entry["value"])
    return secrets, public


def run(argv: list[str], env: dict[str, str], log: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return proc


def test_a_traced_run_leaves_no_secret_in_any_file(tmp_path: Path) -> None:
    started = time.monotonic()
    engines = available_engines()
    if not engines:
        pytest.skip("no browser engine available here")
    run_dir, capture = tmp_path / "run", tmp_path / "capture"  # capture: the audit's key, never scanned
    run_dir.mkdir()
    own_target = bool(os.environ.get("SENTINEL_BASE_URL"))
    operator_key = os.environ.get("SENTINEL_OPERATOR_KEY") or pysecrets.token_urlsafe(24)
    with ExitStack() as stack:
        if own_target:
            base_url, mailpit_url = os.environ["SENTINEL_BASE_URL"], os.environ.get("SENTINEL_MAILPIT_URL")
        else:
            mailpit, extranet = stack.enter_context(reference_stack(run_dir / "services", operator_key=operator_key,
                                                                    root_path=ROOT_PATH))
            base_url, mailpit_url = extranet.base_url, mailpit.http_url
        env = {**os.environ, "SENTINEL_BASE_URL": base_url, "SENTINEL_OPERATOR_KEY": operator_key,
               "LEAK_AUDIT_CAPTURE": str(capture), DIR_ENV: str(run_dir / "aria-snapshots"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(AUDIT), str(ROOT), os.environ.get("PYTHONPATH")]))}
        if mailpit_url:
            env["SENTINEL_MAILPIT_URL"] = mailpit_url
        if not own_target:
            env.update(SENTINEL_REFERENCE="true", SENTINEL_ALLOW_WRITES="true")

        # 2. the journeys, every engine, traces and screenshots on, one forced failure per engine
        browsers = [arg for name in engines for arg in ("--browser", name)]
        suite = run([sys.executable, "-m", "pytest", "journeys", str(AUDIT / "forced_failure.py"),
                     "-p", "leak_capture", "-p", "no:randomly", "-n", "2", *browsers,
                     "--tracing=on", "--screenshot=on", "--output", str(run_dir / "output"),
                     "--junitxml", str(run_dir / "junit.xml"), "--results-json", str(run_dir / "results.json")],
                    env, run_dir / "terminal.txt")
        suite_seconds = time.monotonic() - started

        # ... and one monitor cycle with its store, artifacts, summary and /metrics
        monitor_dir = run_dir / "monitor"
        monitor_dir.mkdir()
        config = monitor_dir / "monitor.toml"
        config.write_text(
            f'[run]\njourneys = ["J2.2b"]\nbrowsers = ["{engines[0]}"]\nretries = 0\n'
            f'extra_args = ["-p", "leak_capture", "--tracing=on", "--screenshot=on"]\nworkdir = "{ROOT}"\n'
            f'[store]\npath = "{monitor_dir / "monitor.db"}"\nartifacts_dir = "{monitor_dir / "artifacts"}"\n'
            f'aria_snapshots_dir = "{monitor_dir / "aria-snapshots"}"\n')
        cycle = run([sys.executable, "-m", "monitor", "--config", str(config), "once",
                     "--json", str(monitor_dir / "summary.json"), "--junit-xml", str(monitor_dir / "junit.xml")],
                    env, monitor_dir / "terminal.txt")
        # ... the public status page (issue 33), written by the command and served at /status/ ...
        status_page = run([sys.executable, "-m", "monitor", "--config", str(config), "status-page",
                           "--out", str(monitor_dir / "status-page")], env, monitor_dir / "status-page.txt")
        from monitor.config import load_config
        from monitor.export.exporter import ExporterServer, StoreCollector
        from monitor.status.publish import ServedPage
        exporter = ExporterServer(StoreCollector(monitor_dir / "monitor.db"), "127.0.0.1", 0,
                                  status=ServedPage(load_config(config, env={}), max_age=0))
        exporter.start()
        try:
            scrape = httpx.get(f"http://127.0.0.1:{exporter.port}/metrics", timeout=30)
            scrape.raise_for_status()
            (run_dir / "metrics.txt").write_text(scrape.text)
            for name in ("", "status.json"):
                served = httpx.get(f"http://127.0.0.1:{exporter.port}/status/{name}", timeout=30)
                served.raise_for_status()
                (run_dir / f"served-{name or 'index.html'}").write_bytes(served.content)
        finally:
            exporter.stop()

        # 3. the secrets of the run, gathered independently of the scrubber
        secrets, public = gathered_secrets(capture)
        links, identifiers = all_mails(mailpit_url) if mailpit_url else ([], [])
        secrets.update(links, identifiers, [operator_key])
    shutil.rmtree(capture)  # the key does not outlive the audit

    public["base_url"] |= {base_url.rstrip("/"), base_url.rstrip("/") + "/"}
    unknown = set(public) - ALLOWED_NAMES
    assert not unknown, f"values declared not secret under names the audit does not allow: {sorted(unknown)}"
    allowed = set().union(*public.values()) if public else set()
    registry = SecretRegistry(secrets - allowed)

    # The run did what the audit needs, else a clean scan would prove nothing.
    # (On a user's target without an operator the forced failure and seeded journeys do not run.)
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))["results"]
    forced = [r for r in results if "echec_force" in str(r.get("test", r.get("nodeid", "")))]
    traces = list((run_dir / "output").rglob("trace*.zip"))
    if not own_target:
        assert suite.returncode == 1, f"the forced failures should fail the run:\n{suite.stdout[-3000:]}"
        journeys = [r for r in results if r not in forced]
        failed = [f"{r['test']}: {r['outcome']} {(r.get('message') or '')[:300]}"
                  for r in journeys if r["outcome"] != Outcome.SUCCESS.value]
        assert journeys and not failed, "journeys under /aparts/ that did not pass:\n" + "\n".join(failed)
        assert len(forced) == len(engines) and all(r["outcome"] == Outcome.FAILURE.value for r in forced), forced
        assert len(traces) >= len(engines) * 5, f"only {len(traces)} traces kept"
        assert len(registry) >= 10 and links, "too few secrets gathered for the scan to mean anything"
    assert traces and any((run_dir / "output").rglob("*.png")), "no trace or screenshot kept"
    # The mail path (issue 20) is in what is scanned: each mail's record, JUnit property and metric series.
    assert any(r.get("mail_paths") for r in results), "no mail path recorded: its fields would go unscanned"
    assert 'name="mail_path"' in (run_dir / "junit.xml").read_text(encoding="utf-8")
    metrics_text = (run_dir / "metrics.txt").read_text(encoding="utf-8")
    assert "extranet_mail_auth_total{" in metrics_text and "extranet_mail_hop_delay_seconds_bucket{" in metrics_text
    # No address or link ever becomes a label value, and the mail path's labels stay in their vocabularies
    # (allowed names do not apply to labels); tested in tests/unit/test_monitor_mail_path.py.
    assert unbounded_labels(metrics_text) == [], unbounded_labels(metrics_text)
    snapshots = AriaStore(run_dir / "aria-snapshots").files() + AriaStore(monitor_dir / "aria-snapshots").files()
    assert len(snapshots) >= len(engines) * 10, f"only {len(snapshots)} accessibility snapshots kept"
    forced_diffs = [s for r in forced for s in r["signatures"] if s.get("screen_baseline")]
    if not own_target:
        assert forced_diffs, "the forced failures should be compared with a screen (or say there is none)"
    assert cycle.returncode in (0, 1), f"monitor cycle failed to run:\n{cycle.stdout[-2000:]}{cycle.stderr[-2000:]}"
    # The status page was built from that store (so its scan below means something): the browser it ran is on it.
    assert status_page.returncode == 0, status_page.stdout[-2000:] + status_page.stderr[-2000:]
    page_json = json.loads((monitor_dir / "status-page" / "status.json").read_text(encoding="utf-8"))
    assert [b["engine"] for b in page_json["browsers"]] == engines[:1] and page_json["browsers"][0]["evidence"]["judged"]
    assert json.loads((run_dir / "served-status.json").read_text(encoding="utf-8"))["browsers"] == page_json["browsers"]

    # 4. the scan: only the audit's own files are left out (the mailbox and the extranet's
    # database legitimately hold the secrets: they are the target's state, not artifacts).
    roots = [p for p in run_dir.iterdir() if p.name != "services"]
    roots += sorted((run_dir / "services").glob("*.log")) if (run_dir / "services").exists() else []
    findings = scan(roots, registry)
    files_scanned = sum(1 for p in run_dir.rglob("*") if p.is_file())
    print(f"\nleak audit: {', '.join(engines)}; {len(traces)} traces, {files_scanned} files, "
          f"{len(registry)} secrets; suite {suite_seconds:.0f} s, total {time.monotonic() - started:.0f} s")
    assert findings == [], "secrets left behind:\n" + "\n".join(findings[:50])

    # 5. test the test: secrets planted on purpose, in forms the scrubber handles, are found.
    password = next(v for v in sorted(secrets - allowed) if any(c in v for c in "!#$%&*+-=?@_") and len(v) == 16)
    cookie = next(iter(sorted(v for v in secrets - allowed if len(v) == 43)))
    planted = tmp_path / "planted"
    shutil.copytree(run_dir / "output", planted / "output")
    shutil.copy(run_dir / "junit.xml", planted / "junit.xml")
    with open(planted / "junit.xml", "a", encoding="utf-8") as junit_file:
        junit_file.write(f"<!-- {password} -->")
    trace = next((planted / "output").rglob("trace*.zip"))
    with zipfile.ZipFile(trace, "a") as archive:
        archive.writestr("resources/planted.txt", base64.urlsafe_b64encode(b"x" + cookie.encode()))
        archive.writestr("planted.network", json.dumps(
            {"snapshot": {"request": {"headers": [{"name": "Cookie", "value": "sid=not-a-known-value"}]}}}))
    snapshot = next(p for p in snapshots if p.is_relative_to(run_dir))
    planted_snapshot = planted / "aria" / snapshot.name
    planted_snapshot.parent.mkdir()
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    document["screens"][0]["snapshot"] += f'\n- textbox "Identifiant": {password}'
    planted_snapshot.write_text(json.dumps(document, ensure_ascii=True), encoding="utf-8")
    # ... and a one-time link left in a mail path's explanation (issue 20's new field) is found in the results.
    link = next(iter(sorted(v for v in secrets - allowed if "://" in v)))
    planted_results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    next(r for r in planted_results["results"] if r.get("mail_paths"))["mail_paths"][0]["explanation"] = \
        f"reset link points to another host: {link}"
    (planted / "results.json").write_text(json.dumps(planted_results), encoding="utf-8")
    # ... and a SIRET typed into « SIRET » (personal data) left in a child log of the monitor.
    siret = next(v for v in sorted(secrets - allowed) if v.isdigit() and len(v) == 14)  # not S1's invented one
    child_log = next((run_dir / "monitor" / "artifacts").rglob("child.log"))
    (planted / "child.log").write_text(child_log.read_text(encoding="utf-8") + f"\nSIRET {siret}\n", encoding="utf-8")
    found = scan([planted], registry)
    assert any("child.log" in f for f in found), found
    assert any("results.json" in f for f in found), found
    assert any("junit.xml" in f for f in found), found
    assert any("planted.txt" in f and "base64" in f for f in found), found
    assert any("planted.network" in f and "cookie" in f for f in found), found
    assert any(str(planted_snapshot) in f and "!screen[0]" in f for f in found), found


def test_sessions_carried_in_urls_leave_no_token_in_any_trace_member(tmp_path: Path) -> None:
    """A Java portal under ``/aparts/`` that rewrites every link with ``;jsessionid=…`` (fault
    ``session_in_url``): R1's three tests that follow a rewritten link from the home page (« Créer
    mon espace », « J'ai oublié mon identifiant », « … mon mot de passe ») traced on every engine
    here: each trace holds a page whose links carry the session and a navigation to such a URL, all
    that R1's and N1's other tests (direct openings of the same pages) add is more of the same, at
    2.5 times the cost. Every session the pages carried (read by ``leak_capture`` from their HTML,
    not by the scrubber) is searched in every file and trace member, in every form. Then the scan is
    shown to find one planted raw."""
    engines = available_engines()
    if not engines:
        pytest.skip("no browser engine available here")
    run_dir, capture = tmp_path / "run", tmp_path / "capture"
    run_dir.mkdir()
    operator_key = pysecrets.token_urlsafe(24)
    with reference_stack(run_dir / "services", operator_key=operator_key, root_path="/aparts",
                         extranet_args=["--faults", '{"session_in_url": true}']) as (mailpit, extranet):
        env = {**os.environ, "SENTINEL_BASE_URL": extranet.base_url, "SENTINEL_OPERATOR_KEY": operator_key,
               "SENTINEL_MAILPIT_URL": mailpit.http_url, "SENTINEL_REFERENCE": "true",
               "LEAK_AUDIT_CAPTURE": str(capture), DIR_ENV: str(run_dir / "aria-snapshots"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(AUDIT), str(ROOT), os.environ.get("PYTHONPATH")]))}
        assert ";jsessionid=" in httpx.get(extranet.base_url + "/").text  # the fault is in force
        browsers = [arg for name in engines for arg in ("--browser", name)]
        suite = run([sys.executable, "-m", "pytest", "journeys", "--journey", "R1", "-k", NAVIGATING_R1,
                     "-p", "leak_capture", "-p", "no:randomly", *browsers,
                     "--tracing=on", "--screenshot=on", "--output", str(run_dir / "output"),
                     "--junitxml", str(run_dir / "junit.xml"), "--results-json", str(run_dir / "results.json")],
                    env, run_dir / "terminal.txt")
    entries = [json.loads(line) for path in capture.glob("*.jsonl")
               for line in path.read_text(encoding="utf-8").splitlines()]
    shutil.rmtree(capture)
    tokens = {e["value"] for e in entries if e["kind"] == "url-session"}
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))["results"]
    assert suite.returncode == 0 and {r["outcome"] for r in results} == {Outcome.SUCCESS.value}, suite.stdout[-3000:]
    assert len(results) == 3 * len(engines), [r["test"] for r in results]  # the three navigating tests, no more
    traces = list((run_dir / "output").rglob("trace*.zip"))
    assert len(traces) >= len(results) and len(tokens) >= len(engines), (len(traces), len(tokens))

    registry = SecretRegistry(tokens)
    roots = [p for p in run_dir.iterdir() if p.name != "services"]
    findings = scan(roots, registry)
    members = sum(len(zipfile.ZipFile(t).namelist()) for t in traces)
    print(f"\nsessions in URLs: {', '.join(engines)}; {len(tokens)} sessions, {len(traces)} traces, "
          f"{members} members")
    assert findings == [], "sessions left behind:\n" + "\n".join(findings[:50])

    # Test the test: a token left raw in a trace member, and one percent-encoded, are found.
    token = sorted(tokens)[0]
    planted = tmp_path / "planted.zip"
    shutil.copy(traces[0], planted)
    with zipfile.ZipFile(planted, "a") as archive:
        archive.writestr("planted.network", json.dumps({"request": {"url": f"http://h/aparts/;jsessionid={token}"}}))
        archive.writestr("resources/planted.html", f'<a href="next?u=%2Faparts%2F%3Bjsessionid%3D{token}">')
    found = scan([planted], registry)
    assert any("planted.network" in f for f in found) and any("planted.html" in f for f in found), found
