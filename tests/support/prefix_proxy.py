"""A plain path-prefix reverse proxy, for tests: ``/aparts/*`` goes to one upstream, the rest is 404.

Why our own: the real portal sits behind a front server that maps ``/aparts/`` to a Java
application deployed under ``/aparts`` (Apache's ``ProxyPass /aparts http://app:8080/aparts``).
This is that proxy, nothing more: the path is forwarded unchanged (not stripped: the upstream
is the reference extranet started with ``--root-path /aparts``, generating its own links),
``Host`` is the upstream's (``ProxyPreserveHost Off``), redirects and cookies pass through as
they are (the proxy itself keeps none), nothing is rewritten. Run as a process (``python tests/support/prefix_proxy.py``),
or started by ``start_prefix_proxy``. Written here because it is 60 lines of uvicorn + httpx,
both already dependencies; no Debian proxy (nginx, Apache) is installed on CI.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import sys
from pathlib import Path
from typing import Any

import httpx

#: Hop-by-hop headers (RFC 9110 §7.6.1) and the ones httpx/uvicorn set themselves.
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length"}


def proxy_app(upstream: str, prefix: str) -> Any:
    """The ASGI app: forwards ``prefix`` and everything below it to ``upstream``, unchanged.

    The client keeps no cookie (a jar that refuses every domain): httpx's default jar would
    store one user's session and send it with the next request that has no ``Cookie`` of its
    own, handing another browser that session (seen as « Session expirée » under ``-n 2``)."""
    no_cookies = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    client = httpx.AsyncClient(base_url=upstream, timeout=60.0, follow_redirects=False, cookies=no_cookies)
    prefix = prefix.rstrip("/")

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await client.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        if not (path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ";")):
            await _answer(send, 404, [(b"content-type", b"text/plain")], b"Not Found (proxy)")
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.decode("latin-1").lower() not in _HOP]
        try:
            answer = await client.request(scope["method"], path + (f"?{query}" if query else ""),
                                          headers=headers, content=body)
        except httpx.HTTPError as exc:
            await _answer(send, 502, [(b"content-type", b"text/plain")], f"Bad Gateway: {type(exc).__name__}".encode())
            return
        kept = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.multi_items()
                if k.lower() not in _HOP and k.lower() != "content-encoding"]
        await _answer(send, answer.status_code, kept, answer.content)

    return app


async def _answer(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def start_prefix_proxy(workdir: Path, *, port: int, upstream: str, prefix: str) -> Any:
    """Start the proxy as a process on ``port``; ready when ``prefix/healthz`` answers through it."""
    from fixtures.services.processes import ManagedProcess, spawn, wait_until_ready

    argv = [sys.executable, str(Path(__file__).resolve()), "--port", str(port), "--upstream", upstream,
            "--prefix", prefix]
    proc: ManagedProcess = spawn("prefix-proxy", argv, workdir / f"prefix-proxy-{port}.log")

    def ready() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}{prefix}/healthz", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until_ready(proc, ready, f"the proxy of {prefix}/ to {upstream}")
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8080 (no path)")
    parser.add_argument("--prefix", required=True, help="e.g. /aparts")
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(proxy_app(args.upstream, args.prefix), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False, server_header=False, lifespan="on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
