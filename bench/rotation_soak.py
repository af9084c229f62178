"""Rotate test accounts' passwords across N monitor cycles on a black box, through kills.

    python bench/rotation_soak.py [--cycles 20] [--accounts 2] [--browser chromium]

Starts Mailpit and the reference extranet with no operator key, creates test accounts with
`python -m extranet accounts add`, then runs `python -m monitor once` (J2.2b, writes allowed)
N times. Two extra cycles are killed on purpose: one whose pytest child SIGKILLs itself right
after writing the new password back (SENTINEL_TEST_KILL_AT=password_written), one whose
monitor is SIGKILLed (with its process group) the moment the reset mail reaches Mailpit.
After every cycle it asks the target's own database which of the file's passwords it would
accept: an account is *locked out* when neither `password` nor `previous_password` works.
Prints one line per cycle and the totals; exits 1 if an account was ever locked out.

The extranet's recovery rate limit (and the suite's own quota, `recovery_rate_limit` in the
target config) is raised to 100/hour and its login lockout is off (`login_lockout_attempts = 0`): these cycles run ~40× faster than a 15-minute monitor,
and the limit's own behaviour is tested in tests/integration/test_black_box.py.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extranet.security import verify_password  # noqa: E402
from extranet.store import Store as ExtranetStore  # noqa: E402
from fixtures.mail.mailpit import MailpitClient  # noqa: E402
from fixtures.services.processes import start_extranet, start_mailpit  # noqa: E402
from fixtures.target.accounts import load_accounts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def verdicts(db: Path, credentials: Path) -> list[str]:
    store = ExtranetStore(db)
    out = []
    for account in load_accounts(credentials):
        row = store.account(account.identifiant)
        if row is None:
            out.append("NO ACCOUNT")
            continue
        stored = row.password_hash
        out.append("password" if verify_password(account.password, stored) else
                   "previous" if account.previous_password and verify_password(account.previous_password, stored)
                   else "LOCKED OUT")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--browser", default="chromium")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rotation-soak-"))
    mailpit = start_mailpit(work)
    extranet = start_extranet(work / "x", smtp_host=mailpit.smtp_host, smtp_port=mailpit.smtp_port,
                              operator_key=None, extra_args=["--reset-rate-limit", "100", "--login-lockout-attempts", "0"])
    credentials = work / "credentials.toml"
    try:
        subprocess.run([sys.executable, "-m", "extranet", "accounts", "add", "--database", str(extranet.database),
                        "--credentials", str(credentials), "--mailbox", "soak+{n}@sentinel.invalid",
                        "--count", str(args.accounts)], cwd=ROOT, check=True, capture_output=True)
        (work / "target.toml").write_text(
            f'[target]\nbase_url = "{extranet.base_url}"\nmailpit_url = "{mailpit.http_url}"\n'
            f'allow_writes = true\ncredentials_file = "{credentials}"\nmail_timeout_seconds = 20\n'
            'recovery_rate_limit = 100\nlogin_lockout_attempts = 0\n')  # as the extranet's: else the
        # suite's own quota (J2.2b types its old password once per run) would stop the soak
        (work / "monitor.toml").write_text(
            f'[run]\njourneys = ["J2.2b"]\nbrowsers = ["{args.browser}"]\nretries = 0\ncycle_timeout = "3m"\n'
            f'extra_args = ["--target-config", "{work / "target.toml"}"]\n'
            f'[store]\npath = "{work / "monitor.db"}"\nartifacts_dir = "{work / "artifacts"}"\n')
        plan = ["normal"] * args.cycles
        plan.insert(args.cycles // 3, "child killed after write-back")
        plan.insert(2 * args.cycles // 3, "monitor killed at reset mail")
        outcomes: dict[str, int] = {}
        locked = 0
        durations = []
        print(f"{'#':>3} {'cycle':<30} {'exit':>4} {'outcome':<26} {'s':>5}  accounts (what the target accepts)")
        for n, kind in enumerate(plan, start=1):
            began = time.monotonic()
            env = {**os.environ}
            if kind.startswith("child killed"):
                env["SENTINEL_TEST_KILL_AT"] = "password_written"
            cmd = [sys.executable, "-m", "monitor", "once", "--config", str(work / "monitor.toml"),
                   "--json", str(work / "summary.json")]
            (work / "summary.json").unlink(missing_ok=True)
            if kind.startswith("monitor killed"):
                with MailpitClient(mailpit.http_url) as client:
                    with client.expect_mail('subject:"Réinitialisation"', timeout=120) as waiter:
                        proc = subprocess.Popen(cmd, cwd=work, env=env, start_new_session=True,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    _ = waiter.value  # the reset mail arrived: the journey is mid-reset
                    os.killpg(proc.pid, signal.SIGKILL)
                    code = proc.wait()
                outcome = "(killed: no summary)"
            else:
                done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=400)
                code = done.returncode
                summary = json.loads((work / "summary.json").read_text()) if (work / "summary.json").exists() else {}
                runs = summary.get("runs", [])
                outcome = ", ".join(f"{r['final_outcome']}" + (f"/{r['failure_class']}" if r["failure_class"] else "")
                                    for r in runs) or "(no summary)"
            seconds = time.monotonic() - began
            durations.append(seconds)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            state = verdicts(extranet.database, credentials)
            locked += state.count("LOCKED OUT")
            print(f"{n:>3} {kind:<30} {code:>4} {outcome:<26} {seconds:>5.1f}  {', '.join(state)}", flush=True)
        print(f"\ncycles: {len(plan)} ({args.cycles} normal + 2 killed), accounts: {args.accounts}, "
              f"browser: {args.browser}")
        print("outcomes: " + "; ".join(f"{k} × {v}" for k, v in sorted(outcomes.items())))
        print(f"cycle seconds: mean {sum(durations) / len(durations):.1f}, max {max(durations):.1f}")
        print(f"lock-outs observed after a cycle: {locked}")
        return 1 if locked else 0
    finally:
        extranet.stop()
        mailpit.stop()


if __name__ == "__main__":
    sys.exit(main())
