"""A hostile target of our own, for tests: a reverse proxy and a mail relay that turn hostile on demand.

Why not the reference's fault ``hostile_text``: a check written against the fault could be shaped
by the fault (the same places, the same payload). This is another site, built the way an
attacker would: in front of the reference extranet (so journeys can pass while it is friendly and
leave last good screens to compare with), it passes everything through until ``hostile`` is set;
then the home page becomes a screen whose title, heading, alerts (one of 100 kB, then many), link
and button names (a lone surrogate in the button's), uncaught JavaScript error (with a hostile
``name``), console errors and a failed request's path each carry terminal attacks (OSC 52
clipboard write, OSC 8 hyperlink, DCS, 8-bit CSI), every C0 and C1 control, bidi overrides, tag
characters, U+FFFE/U+FFFF, lone surrogates (from script) and 100 kB of text; and every mail the
extranet sends goes out with such a subject and such ``Authentication-Results`` / ``Received``
headers.

Both run as threads of the test process (``http.server`` and ``aiosmtpd``): a test switches them
with one attribute.
"""
from __future__ import annotations

import email
import email.policy
import html
import json
import smtplib
import threading
from email.header import Header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import httpx

#: Characters of each big text: far above any cap the suite keeps.
BIG = 100_000
#: One of each thing an output can choke on. Not the fault's sample: other sequences, all C1.
ATTACK = ("ESC[\x1b]52;c;b3duZWQ=\x07 \x1b]8;;http://evil.invalid/\x1b\\link\x1b]8;;\x1b\\ \x1bP1$qm\x1b\\ "
          "\x1b[1;31mRED\x1b[0m \x1b[6n] "
          "C0[" + "".join(chr(c) for c in range(0x20)) + "] "
          "C1[" + "".join(chr(c) for c in range(0x7F, 0xA0)) + "] "
          "bidi[\u202e\u2067\u200f\u061c] tag[\U000e0041\U000e007f] nl[\u2028\u2029] "
          "xml[\ufffe\uffff\ufdd0] <b>bold</b>&amp;")
#: How an output shows the start of ATTACK once cleaned: the proof the hostile text reached it.
SHOWN = "ESC[\\x1b]52;c;b3duZWQ=\\x07"
#: What never reaches a terminal, a log or an XML file from the target.
RAW = frozenset({chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {chr(c) for c in range(0x7F, 0xA0)}
                | set("\u202e\u2067\u200f\u061c\U000e0041\U000e007f\ufffe\uffff\ufdd0"))
#: Small alerts and console errors after the big ones: a list must be bounded in count too.
MANY = 40
HOSTILE_PREFIX = "/hostile-"


def big(place: str) -> str:
    """``place: ATTACK`` then filler up to BIG characters."""
    return (f"{place} {ATTACK} " + "y" * BIG)[:BIG]


def raw_in(data: bytes | str) -> list[str]:
    """The hostile characters found in ``data`` (and any lone surrogate), as ``U+XXXX``."""
    text = data.decode("utf-8", errors="surrogateescape") if isinstance(data, bytes) else data
    return sorted({f"U+{ord(c):04X}" for c in text if c in RAW or 0xD800 <= ord(c) <= 0xDFFF})


def _script(text: str) -> str:
    """A JS string literal safe inside <script> (lone surrogates travel as \\ud800 escapes)."""
    return json.dumps(text).replace("</", "<\\/")


def hostile_page() -> str:
    """The home page, hostile: every place of a screen the suite reads holds the attack."""
    alerts = "".join(f'<div role="alert">{html.escape(f"alert {i} {ATTACK}")}</div>' for i in range(MANY))
    failed_path = HOSTILE_PREFIX + quote(big("path"), safe="")  # the browser asks, gets a 404
    script = (f"console.error({_script(big('console'))});"
              f"for (let i = 0; i < {MANY}; i++) console.error('console ' + i + ' ' + {_script(ATTACK)});"
              f"document.querySelector('button').textContent = 'button \\ud800' + {_script(ATTACK)};"
              f"throw Object.assign(new Error({_script(big('error') + chr(0xDFFF))}), "
              f"{{name: {_script('Evil' + ATTACK)}}});")
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(big("title"))}</title>'
            f'</head><body><header><a href="{HOSTILE_PREFIX}link">{html.escape("link " + ATTACK)}</a></header>'
            f'<main><h1>{html.escape(big("heading"))}</h1><div role="alert">{html.escape(big("alert"))}</div>{alerts}'
            f'<button type="button">button</button><img alt="" src="{failed_path}">'
            f"</main><script>{script}</script></body></html>")


class HostileProxy:
    """``http://127.0.0.1:PORT`` in front of ``upstream`` (with its path); ``hostile`` switches the home page."""

    def __init__(self, upstream: str, port: int) -> None:
        self.upstream = upstream.rstrip("/")
        self.root = httpx.URL(self.upstream).path.rstrip("/")
        self.hostile = False
        self.page = hostile_page().encode("utf-8")
        self.client = httpx.Client(timeout=60.0, follow_redirects=False)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # the test's output stays readable
                pass

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _forward(self) -> None:
                path = self.path.split("?", 1)[0]
                if proxy.hostile and self.command == "GET":
                    if path in (proxy.root + "/", proxy.root or "/"):
                        self._answer(200, [("Content-Type", "text/html; charset=utf-8")], proxy.page)
                        return
                    if path.startswith(HOSTILE_PREFIX) or path.startswith(proxy.root + HOSTILE_PREFIX):
                        self._answer(404, [("Content-Type", "text/plain")], b"not here")
                        return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = [(k, v) for k, v in self.headers.items()
                           if k.lower() not in {"host", "connection", "content-length", "keep-alive"}]
                origin = httpx.URL(proxy.upstream)
                response = proxy.client.request(self.command, str(origin.copy_with(raw_path=self.path.encode())),
                                                headers=headers, content=body)
                out = [(k, v) for k, v in response.headers.multi_items()
                       if k.lower() not in {"connection", "content-length", "transfer-encoding", "content-encoding",
                                            "keep-alive"}]
                self._answer(response.status_code, out, response.content)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _forward  # noqa: N815 (http.server's names)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="hostile-proxy", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.client.close()


class HostileRelay:
    """An SMTP relay between the extranet and Mailpit; ``hostile`` rewrites each mail's subject and
    adds hostile ``Received`` and ``Authentication-Results`` headers (the subject keeps its words, so
    the journey still finds its mail and then reads what the target wrote)."""

    def __init__(self, port: int, forward: tuple[str, int]) -> None:
        from aiosmtpd.controller import Controller

        self.hostile = False
        self.forward = forward
        relay = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd)
                data = envelope.original_content or envelope.content
                if relay.hostile:
                    data = relay.rewrite(data)
                with smtplib.SMTP(*relay.forward, timeout=30) as smtp:
                    smtp.sendmail(envelope.mail_from, envelope.rcpt_tos, data)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()

    @staticmethod
    def rewrite(data: bytes) -> bytes:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))
        del message["Subject"]
        # An encoded word carries any character, NUL and ESC included: what a hostile sender writes.
        message["Subject"] = Header(f"{subject} {ATTACK} {'z' * BIG}", "utf-8")  # type: ignore[assignment]
        header_attack = ATTACK.encode("utf-8").replace(b"\x00", b"").replace(b"\r", b"").replace(b"\n", b"")
        head, _, body = message.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n")).partition(b"\r\n\r\n")
        # The first (topmost) is malformed, so skipped; the second parses (its grammar is printable
        # ASCII: markup and length are what it can carry).
        extra = (b"Authentication-Results: evil.invalid\x1b[2J; spf=fail (" + header_attack
                 + b") smtp.mailfrom=evil.invalid\r\n"
                 b"Authentication-Results: evil.invalid; spf=fail (<b>bold</b> " + b"w" * 3000
                 + b") smtp.mailfrom=evil.invalid; dkim=fail (<b>bold</b>) header.d=evil.invalid\r\n"
                 b"Received: from evil.invalid by relay\x1b]0;owned\x07.evil.invalid with ESMTP ("
                 + header_attack + b"); Sun, 6 Dec 2026 12:00:00 +0000\r\n")
        return extra + head + b"\r\n\r\n" + body

    def stop(self) -> None:
        self.controller.stop()
