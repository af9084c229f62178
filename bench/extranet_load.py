"""The reference extranet under load from a second process, on loopback.

Starts Mailpit + the reference extranet (``fixtures.services.processes.reference_stack``), seeds one
activated account through the operator API, then loads, one after the other:
- ``GET /`` (the home page a journey opens first);
- ``POST /mot-de-passe-oublie`` for that *existing* account: CSRF token and session cookie are
  fetched once from the form (the session keeps its token, so they stay valid); each request
  stores a reset token and hands a mail to SMTP (Mailpit) in a background task: the heaviest
  recovery path.
The recovery rate limit is OFF by default (``--reset-rate-limit 0``: otherwise after 5 requests
per identifier and hour the extranet answers the same page without storing or sending anything,
which measures a cheaper path); ``--rate-limit 5`` keeps the extranet's default.
Load: ``wrk`` with bench/wrk_get.lua / bench/wrk_recovery.lua if installed, else a bounded
Python load (httpx, threads). Figures: requests/s, p50, p99, non-2xx count. Then compared with the
request rate a ``-n 2`` matrix puts on the extranet, read from bench/matrix.py's saved figures
(/tmp/bench-matrix.json) when present.

    .venv/bin/python -m bench.extranet_load                      # 2 × 10 s (~40 s)
    .venv/bin/python -m bench.extranet_load --duration 30 --connections 16
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import banner, percentile  # noqa: E402
from fixtures.services.processes import reference_stack  # noqa: E402
from fixtures.target.identity import new_identity  # noqa: E402
from fixtures.target.operator import OperatorClient  # noqa: E402

HERE = Path(__file__).resolve().parent


def form_token(client: httpx.Client) -> str:
    html = client.get("/mot-de-passe-oublie").text
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"\s+name="csrf_token"', html)
    if not match:
        raise RuntimeError("no csrf_token in the form")
    return match.group(1)


def with_wrk(url: str, script: str, args: argparse.Namespace, env: dict[str, str]) -> dict:
    argv = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
            "--timeout", "10s", "-s", str(HERE / script), url]
    out = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **env}, timeout=args.duration + 60)
    values = dict(re.findall(r"^(\w+)=(\d+)$", out.stdout, re.MULTILINE))
    errors = re.search(r"Socket errors: (.*)", out.stdout)
    return {"requests": int(values["requests"]), "rps": int(values["requests"]) / (int(values["duration_us"]) / 1e6),
            "p50": int(values["p50_us"]) / 1e6, "p99": int(values["p99_us"]) / 1e6,
            "non2xx": int(values["non2xx"]), "socket_errors": errors.group(1) if errors else "none", "tool": "wrk"}


def with_python(url: str, method: str, args: argparse.Namespace, cookie: str | None, body: dict | None) -> dict:
    """Fallback: N threads, each with its own connection, bounded by --duration and 100 000 requests."""
    latencies: list[float] = []
    non2xx = errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + args.duration

    def worker() -> None:
        nonlocal non2xx, errors
        with httpx.Client(timeout=10, headers={"Cookie": cookie} if cookie else {}) as client:
            while time.monotonic() < stop_at and len(latencies) < 100_000:
                begin = time.perf_counter()
                try:
                    r = client.request(method, url, data=body)
                    bad = not 200 <= r.status_code < 400
                except httpx.HTTPError:
                    bad, r = True, None
                with lock:
                    latencies.append(time.perf_counter() - begin)
                    if r is None:
                        errors += 1
                    elif bad:
                        non2xx += 1

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": statistics.median(latencies),
            "p99": percentile(latencies, 99), "non2xx": non2xx, "socket_errors": str(errors), "tool": "python/httpx"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--rate-limit", type=int, default=0, help="extranet --reset-rate-limit (default 0 = off)")
    parser.add_argument("--python", action="store_true", help="use the Python load even if wrk is installed")
    parser.add_argument("--matrix-json", default="/tmp/bench-matrix.json", help="bench/matrix.py's saved figures")
    args = parser.parse_args()
    banner("extranet_load")
    use_wrk = shutil.which("wrk") and not args.python
    key = secrets.token_urlsafe(16)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        with reference_stack(Path(tmp), operator_key=key,
                             extranet_args=["--reset-rate-limit", str(args.rate_limit)]) as (mailpit, extranet):
            operator = OperatorClient(extranet.base_url, key)
            identity = operator.seed_account(new_identity("bench+load@sentinel.invalid", lambda _: None))
            operator.close()
            with httpx.Client(base_url=extranet.base_url) as client:
                csrf = form_token(client)
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
                check = client.post("/mot-de-passe-oublie", data={"csrf_token": csrf,
                                                                  "identifiant": identity.identifiant})
                if check.status_code != 200 or "Demande enregistrée" not in check.text:
                    print(f"the recovery POST does not work as expected: {check.status_code}")
                    return 1
            print(f"extranet {extranet.base_url}, --reset-rate-limit {args.rate_limit}, access log on (info, as "
                  f"in the suite), load: {'wrk' if use_wrk else 'python/httpx threads'}, "
                  f"{args.connections} connections, {args.duration} s per endpoint", flush=True)
            if use_wrk:
                rows["GET /"] = with_wrk(f"{extranet.base_url}/", "wrk_get.lua", args, {})
                rows["POST /mot-de-passe-oublie"] = with_wrk(
                    f"{extranet.base_url}/mot-de-passe-oublie", "wrk_recovery.lua", args,
                    {"BENCH_COOKIE": cookie, "BENCH_CSRF": csrf, "BENCH_IDENTIFIANT": identity.identifiant or ""})
            else:
                rows["GET /"] = with_python(f"{extranet.base_url}/", "GET", args, None, None)
                rows["POST /mot-de-passe-oublie"] = with_python(
                    f"{extranet.base_url}/mot-de-passe-oublie", "POST", args, cookie,
                    {"csrf_token": csrf, "identifiant": identity.identifiant})
            with httpx.Client(base_url=mailpit.http_url) as mp:  # mails are sent in background tasks
                stored_at_end = mp.get("/api/v1/messages", params={"limit": 1}).json().get("total")
                stored, stable_since, give_up = stored_at_end, time.monotonic(), time.monotonic() + 30
                while time.monotonic() - stable_since < 3 and time.monotonic() < give_up:
                    time.sleep(0.5)
                    now = mp.get("/api/v1/messages", params={"limit": 1}).json().get("total")
                    if now != stored:
                        stored, stable_since = now, time.monotonic()
    print(f"\n{'endpoint':<28}{'requests':>10}{'req/s':>10}{'p50':>10}{'p99':>10}{'non-2xx':>9}  socket errors")
    for name, r in rows.items():
        print(f"{name:<28}{r['requests']:>10}{r['rps']:>10.0f}{r['p50'] * 1000:>8.1f}ms{r['p99'] * 1000:>8.1f}ms"
              f"{r['non2xx']:>9}  {r['socket_errors']}")
    posts = rows["POST /mot-de-passe-oublie"]["requests"] + 1
    print(f"reset mails in Mailpit: {stored_at_end} when the load stopped, {stored} once stable, for {posts} "
          "accepted recovery POSTs (Mailpit keeps at most 5000)")
    matrix = Path(args.matrix_json)
    if matrix.exists():
        m = json.loads(matrix.read_text())
        slowest = min(r["rps"] for r in rows.values())
        peak = m.get("parallel_peak_per_second", 0)
        print(f"a -n {m['workers']} matrix put {m['requests']} requests on its extranets in {m['parallel_wall']:.1f} s: "
              f"{m['parallel_request_rate']:.1f} req/s on average, busiest second {peak} (all paths, static files "
              f"included, over {m['workers']} extranets); the slower endpoint here serves {slowest:.0f} req/s on ONE "
              f"extranet: headroom x{slowest / max(peak, 1):.0f} over the busiest second")
    else:
        print("no matrix figures: run .venv/bin/python -m bench.matrix first for the comparison")
    banner("extranet_load", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
