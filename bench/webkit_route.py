"""WebKitGTK's inspector route: browser start per journey, and inspector round trips with and without the shim.

For each mode (the TCP_NODELAY shim on, then off) it starts ``--browsers`` fresh MiniBrowsers the
way the ``browser`` fixture does (on one Xvfb started here), and times per browser: the process
start until the inspector lists the page, Playwright's attach (``connect_over_cdp``), the first
``goto`` of a local page, and the release (detach + stop). On each browser it then times
``--calls`` ``evaluate("1")``, ``fill`` and ``click`` calls (median per browser, then median of
those). Prints medians and the load average around the run.

    .venv/bin/python -m bench.webkit_route                 # 5 browsers × 20 calls per mode (~1 min)
    .venv/bin/python -m bench.webkit_route --browsers 10
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import banner, ms
from fixtures.engines import webkit_nodelay, webkitgtk
from fixtures.engines.xvfb import start_xvfb

PAGE = "<title>bench</title><label>Nom <input id=n></label><button onclick=\"this.textContent='ok'\">Go</button>"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    begin = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - begin, value


def run_mode(playwright, display: str, workdir: Path, url: str, *, preload: Path | None, browsers: int,
             calls: int) -> dict[str, float]:
    phases: dict[str, list[float]] = {k: [] for k in ("start", "attach", "first goto", "release", "evaluate",
                                                      "fill", "click")}
    minibrowser_path = webkitgtk.find_minibrowser()
    assert minibrowser_path
    for _ in range(browsers):
        seconds, mb = timed(webkitgtk.start_minibrowser, workdir, display=display, executable=minibrowser_path,
                            preload=preload)
        phases["start"].append(seconds)
        seconds, browser = timed(webkitgtk.connect, playwright, mb)
        phases["attach"].append(seconds)
        page = browser.contexts[0].pages[0]
        seconds, _ = timed(page.goto, url)
        phases["first goto"].append(seconds)
        per: dict[str, list[float]] = {"evaluate": [], "fill": [], "click": []}
        for i in range(calls):
            per["evaluate"].append(timed(page.evaluate, "1")[0])
            per["fill"].append(timed(page.get_by_label("Nom").fill, f"valeur {i}")[0])
            per["click"].append(timed(page.get_by_role("button").click)[0])
        for name, values in per.items():
            phases[name].append(statistics.median(values))
        begin = time.perf_counter()
        browser.close()
        mb.stop()
        phases["release"].append(time.perf_counter() - begin)
    return {name: statistics.median(values) for name, values in phases.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browsers", type=int, default=5, help="fresh MiniBrowsers per mode (default 5)")
    parser.add_argument("--calls", type=int, default=20, help="evaluate/fill/click calls per browser (default 20)")
    args = parser.parse_args()
    if not webkitgtk.find_minibrowser():
        print(f"no WebKitGTK MiniBrowser: {webkitgtk.WEBKITGTK_INSTALL_HINT}")
        return 2
    shim = webkit_nodelay.ensure_shim()
    banner("webkit_route")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-webkit-") as tmp:
        root = Path(tmp)
        (root / "index.html").write_text(PAGE)
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        display = start_xvfb(root / "x")
        try:
            with sync_playwright() as playwright:
                modes = [("shim", shim.path), ("no shim", None)] if shim.path else [("no shim", None)]
                results = {label: run_mode(playwright, display.display, root / label.replace(" ", "-"), url,
                                           preload=preload, browsers=args.browsers, calls=args.calls)
                           for label, preload in modes}
        finally:
            display.stop()
            server.shutdown()
    if not shim.path:
        print(f"shim not built: {shim.problem}")
    names = list(next(iter(results.values())))
    print(f"\nmedians over {args.browsers} fresh MiniBrowsers per mode ({args.calls} calls each for evaluate/fill/click)")
    print(f"{'phase':<12}" + "".join(f"{label:>14}" for label in results))
    for name in names:
        print(f"{name:<12}" + "".join(f"{ms(r[name]):>14}" for r in results.values()))
    for label, r in results.items():
        per_journey = r["start"] + r["attach"] + r["release"]
        print(f"browser cost per journey ({label}): start + attach + release = {ms(per_journey)}")
    banner("webkit_route", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
