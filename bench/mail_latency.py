"""Mail notice latency: Mailpit's ``Created`` → the test holding the mail.

Compares the suite's event-driven wait (``fixtures.mail.mailpit.MailpitClient.expect_mail``, the
``/api/events`` websocket) with a 1-second polling loop written here as the baseline (like
Mailosaur's 1 s fallback). Both see the same workload: the "action" starts the wait, and the
mail is sent over SMTP (smtplib, to a Mailpit started with ``fixtures.services.processes.start_mailpit``)
after a random delay drawn uniformly in [0, --max-delay) s by a sender thread, as the
extranet's background delivery would. notice = seen_at − Created (Created has ms resolution,
so each figure carries up to ±1 ms of rounding).

    .venv/bin/python -m bench.mail_latency            # 50 mails per method (~1.5 min)
    .venv/bin/python -m bench.mail_latency --mails 200
"""
from __future__ import annotations

import argparse
import random
import smtplib
import sys
import tempfile
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import banner, ms, percentile  # noqa: E402
from fixtures.mail.mailpit import MailpitClient  # noqa: E402
from fixtures.services.processes import start_mailpit  # noqa: E402

TARGET_P95 = 0.100


def send(host: str, port: int, to: str, delay: float) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        msg = EmailMessage()
        msg["From"] = "ne-pas-repondre@activitepartielle.invalid"
        msg["To"] = to
        msg["Subject"] = "Réinitialisation de votre mot de passe"
        msg.set_content("bench")
        with smtplib.SMTP(host, port, timeout=10) as smtp:
            smtp.send_message(msg)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def event_driven(client: MailpitClient, host: str, port: int, delay: float) -> float:
    address = f"bench+{uuid.uuid4().hex[:12]}@sentinel.invalid"
    with client.expect_mail(f'to:"{address}"', timeout=15) as waiter:
        sender = send(host, port, address, delay)  # the "action" that triggers the mail
    sender.join()
    return waiter.value.notice_seconds


def polling(client: MailpitClient, host: str, port: int, delay: float, interval: float = 1.0) -> float:
    address = f"bench+{uuid.uuid4().hex[:12]}@sentinel.invalid"
    sender = send(host, port, address, delay)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = client.search(f'to:"{address}"', limit=1)
        if found:
            seen = time.time()
            sender.join()
            return max(0.0, seen - found[0].created)
        time.sleep(interval)
    raise RuntimeError("polling: mail not seen within 15 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=50, help="mails per method (default 50)")
    parser.add_argument("--max-delay", type=float, default=1.0, help="send delay drawn in [0, this) s")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    banner("mail_latency")
    rng = random.Random(args.seed)
    delays = [rng.uniform(0, args.max_delay) for _ in range(args.mails)]
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
        service = start_mailpit(Path(tmp))
        try:
            with MailpitClient(service.http_url) as client:
                results: dict[str, list[float]] = {"event-driven (expect_mail)": [], "polling 1 s (baseline)": []}
                for i, delay in enumerate(delays):  # alternate, so both see the same load over time
                    results["event-driven (expect_mail)"].append(
                        event_driven(client, service.smtp_host, service.smtp_port, delay))
                    results["polling 1 s (baseline)"].append(
                        polling(client, service.smtp_host, service.smtp_port, delay))
                    if (i + 1) % 10 == 0:
                        print(f"  {i + 1}/{args.mails} mails per method", flush=True)
        finally:
            service.stop()
    print(f"\nnotice latency = seen_at - Created, {args.mails} mails per method, "
          f"send delay U[0, {args.max_delay}) s")
    print(f"{'method':<30}{'n':>5}{'p50':>12}{'p95':>12}{'max':>12}")
    for name, values in results.items():
        print(f"{name:<30}{len(values):>5}{ms(percentile(values, 50)):>12}{ms(percentile(values, 95)):>12}"
              f"{ms(max(values)):>12}")
    p95 = percentile(results["event-driven (expect_mail)"], 95)
    print(f"target p95 <= {TARGET_P95 * 1000:.0f} ms for the event-driven wait: "
          f"{'MET' if p95 <= TARGET_P95 else 'NOT MET'} ({ms(p95)})")
    banner("mail_latency", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
