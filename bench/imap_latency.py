"""Mail latency through a real mailbox: extranet-style SMTP → Postfix → Dovecot (Sieve + SpamAssassin) → IMAP.

For each mail, sent over SMTP by a thread after a random delay in [0, --max-delay) s while the
IMAP source waits (``fixtures.mail.imap.ImapSource.expect``: IDLE on the inbox and the junk folder):

- delivery = X-Extranet-Sent-At → stored (the IDLE event's time, INTERNALDATE otherwise);
- notice   = stored → the test holding the mail (the suite's own latency);
- sent→seen, the sum, what a user waits.

Half the mails are spammy (filed in Junk by the server). Prints percentiles; no assertion.

    .venv/bin/python -m bench.imap_latency            # 20 mails (~1 min with spamd's start)
    .venv/bin/python -m bench.imap_latency --mails 50
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from imap_helpers import DOMAIN, mail_stack  # noqa: E402
from test_imap_mailbox import send  # noqa: E402

from bench._common import banner, ms, percentile  # noqa: E402
from fixtures.mail.imap import ImapSource  # noqa: E402
from fixtures.mail.source import MailQuery  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=20)
    parser.add_argument("--max-delay", type=float, default=1.0)
    args = parser.parse_args()
    banner("imap_latency")
    rng = random.Random(7)
    rows: dict[str, list[tuple[float, float, float]]] = {"inbox": [], "junk": []}
    wake: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, mail_stack(Path(tmp)) as stack:
        source = ImapSource(stack.settings())
        for i in range(args.mails):
            to = f"aparts+bench{i}{time.time_ns()}@{DOMAIN}"
            with source.expect(MailQuery(to, "Réinitialisation"), timeout=60) as waiter:
                threading.Timer(rng.uniform(0, args.max_delay), send, args=(stack, to),
                                kwargs={"spam": i % 2 == 1}).start()
            mail = waiter.value
            wake[waiter.woke_by or "?"] = wake.get(waiter.woke_by or "?", 0) + 1
            delivery, notice = mail.delivery_seconds or 0.0, mail.notice_seconds
            if mail.sent_at is None:  # the bench's own mails always say when they were sent
                raise SystemExit(f"mail to {to} carries no send time: cannot measure sent→seen")
            rows[mail.placement.value if mail.placement else "?"].append((delivery, notice, mail.seen_at - mail.sent_at))
    print(f"{args.mails} mails, woke by: {', '.join(f'{k} {n}' for k, n in sorted(wake.items()))}")
    for folder, values in rows.items():
        if not values:
            continue
        for name, index in (("delivery (sent→stored)", 0), ("notice (stored→seen)", 1), ("sent→seen", 2)):
            column = [v[index] for v in values]
            print(f"  {folder:<5} {name:<24} n={len(column):<3} p50 {ms(percentile(column, 50)):>10}  "
                  f"p95 {ms(percentile(column, 95)):>10}  max {ms(max(column)):>10}")
    banner("imap_latency", "end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
