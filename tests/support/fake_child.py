"""A stand-in for the journeys' pytest run, for the monitor's own tests (not shipped in ``monitor/``).

It accepts the same command line as the real child (``[targets] -p fixtures.plugin.results_output
--results-json PATH --browser B ... [-k EXPR] [--output DIR]``) and writes a results file
in the contract's format, so the scheduler, the runner, the store and the exporter are
exercised end to end without browsers. It is never used unless ``[run] command`` names it.

Behaviour comes from a JSON spec, in the file named by ``FAKE_CHILD_SPEC`` (or inline):

    {"mode": "normal" | "crash" | "no_file" | "bad_json" | "hang" | "hang_group" | "hang_session"
             | "ignore_term",
     "journeys": ["J1", "N1"],            # journeys to report (default: J1)
     "outcomes": {"J1/chromium": ["failure", "success"]},  # per run, in order; the last repeats;
                                                           # "not_run:needs_operator" gives a reason
     "default": "success",
     "incident_notice": false, "spam_score": 0.5, "mail_delivery_seconds": 2.0,
     "duration_seconds": 3.0, "state": "/tmp/state.json", "pid_file": "/tmp/pids",
     "leave_behind": false, "hold": false}

``state`` keeps how many times each journey × browser ran, across processes, so a retry
or the next cycle gets the next outcome in its list. ``hang_group`` starts a grandchild in
the same process group and writes both pids to ``pid_file`` (to prove the group is killed);
``hang_session`` starts it in a session of its own, as Playwright starts a browser (``setsid``),
and ``leave_behind`` does so too, then reports and exits, leaving it running: both prove that
the whole tree goes, not only the group. ``hold``: once the pids are written, wait for SIGUSR1
before going on (the test has then opened a pidfd for each, while they surely lived).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from fixtures.core.contract import JourneyResult, MailLatency, ResultsFile, Step, dump_results
from fixtures.core.outcomes import NOT_RUN_OUTCOMES
from fixtures.core.signature import Signature
from fixtures.core.steps import ALLER_SUR_L_ACCUEIL, SE_CONNECTER

COMMAND: tuple[str, ...] = (
    "{python}", str(Path(__file__).resolve()), "{targets}", "-p", "fixtures.plugin.results_output",
    "--results-json", "{results_json}", "{browser_args}", "{k_args}", "--output", "{output_dir}",
)
"""The ``[run] command`` that runs this fake child instead of pytest."""


def _spec() -> dict[str, Any]:
    raw = os.environ.get("FAKE_CHILD_SPEC", "{}")
    if raw.strip().startswith("{"):
        return json.loads(raw)
    return json.loads(Path(raw).read_text())


def nodeid(journey: str, browser: str) -> str:
    safe = journey.replace(".", "_")
    return f"journeys/test_{safe}.py::test_{safe}[{browser}]"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("targets", nargs="*")
    ap.add_argument("-p", action="append", default=[])
    ap.add_argument("--results-json", required=True)
    ap.add_argument("--browser", action="append", default=[])
    ap.add_argument("-k", default="")
    ap.add_argument("--output", default="")
    args = ap.parse_args(argv)
    spec = _spec()
    mode = spec.get("mode", "normal")
    pid_file = spec.get("pid_file")
    if spec.get("hold"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})  # kept pending until sigwait below
    if pid_file:
        with open(pid_file, "a") as f:
            f.write(f"{os.getpid()}\n")
    if mode == "crash":
        print("fake child: crashing on purpose", file=sys.stderr)
        os.abort()
    if mode == "no_file":
        return 3
    if mode == "bad_json":
        Path(args.results_json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.results_json).write_text("{not json")
        return 1
    if mode in ("hang_group", "hang_session") or spec.get("leave_behind"):
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                      start_new_session=mode != "hang_group")
        if pid_file:
            with open(pid_file, "a") as f:
                f.write(f"{grandchild.pid}\n")
    if spec.get("hold"):
        signal.sigwait({signal.SIGUSR1})
    if mode in ("hang", "hang_group", "hang_session", "ignore_term"):
        if mode == "ignore_term":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("fake child: hanging", flush=True)
        threading.Event().wait()  # forever, until killed
    started = time.time()
    browsers = args.browser or ["chromium"]
    journeys = spec.get("journeys", ["J1"])
    selected = {t for t in args.targets if "::" in t}
    state_path = spec.get("state")
    state = json.loads(Path(state_path).read_text()) if state_path and Path(state_path).exists() else {}
    results = []
    for j in journeys:
        for b in browsers:
            nid = nodeid(j, b)
            if selected and nid not in selected:
                continue
            if args.k and args.k not in nid:
                continue
            key = f"{j}/{b}"
            seq = spec.get("outcomes", {}).get(key) or [spec.get("default", "success")]
            n = state.get(key, 0)
            outcome, _, reason = seq[min(n, len(seq) - 1)].partition(":")
            state[key] = n + 1
            artifacts = []
            judged_bad = outcome != "success" and outcome not in NOT_RUN_OUTCOMES
            if judged_bad and args.output:
                out = Path(args.output) / f"{j}-{b}"
                out.mkdir(parents=True, exist_ok=True)
                (out / "screenshot.png").write_bytes(b"\x89PNG fake" + b"\0" * 100)
                artifacts.append(str(out / "screenshot.png"))
            mail = spec.get("mail_delivery_seconds", 2.0)
            mails = outcome == "success" and j != "N1"
            failure_class = (None if outcome == "success" else reason or {"failure": "assertion",
                             "not_run": "write_guard", "unavailable": "engine_unavailable"}.get(outcome, outcome))
            results.append(JourneyResult(
                journey=j, test=nid, browser=b, outcome=outcome, failure_class=failure_class,
                message=None if outcome == "success" else f"fake {outcome}",
                duration_seconds=spec.get("duration_seconds", 3.0),
                steps=(Step(ALLER_SUR_L_ACCUEIL.name, 0.5, True, ALLER_SUR_L_ACCUEIL.id),
                       Step(SE_CONNECTER.name, 1.0, not judged_bad, SE_CONNECTER.id)),
                signatures=(Signature(step_id=SE_CONNECTER.id, step=SE_CONNECTER.name, path="/", status=200,
                                      heading="Extranet activité partielle",
                                      alerts=("Identifiant ou mot de passe incorrect.",)),) if judged_bad else (),
                mail_latencies=(MailLatency("identifiant", mail, mail + 0.5),) if mails else (),
                spam_scores=(spec.get("spam_score", 0.5),) if mails else (),
                incident_notice=spec.get("incident_notice", False) if j == "N1" else None,
                artifacts=tuple(artifacts),
            ))
    if state_path:
        Path(state_path).write_text(json.dumps(state))
    dump_results(ResultsFile(uuid.uuid4().hex, started, time.time(), tuple(results)), args.results_json)
    return 0 if all(r.outcome == "success" or r.not_run for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
