"""The monitor's own door: ``monitor serve --web.config.file`` behind TLS and basic auth, scraped by a real
Prometheus whose ``scrape_config`` carries ``tls_config`` and ``basic_auth`` (the exporter-toolkit way).

Certificates are made here with ``openssl`` (a CA, a server certificate for 127.0.0.1, a client
certificate), the password hashed with bcrypt. Checked: Prometheus scrapes (``up`` = 1, the metrics
are there); without credentials and with a wrong password its targets fail with 401; plain HTTP to
the TLS port gets a clear 400; urllib sees the same; with ``RequireAndVerifyClientCert`` a client
without a certificate is refused at the handshake; a non-loopback ``--listen`` without the file warns;
``monitor run`` (its journeys played by the fake child) puts its exporter behind the same door.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import bcrypt
import pytest
from support.fake_child import COMMAND
from support.prometheus import PROMETHEUS, running_prometheus
from support.synthetic import populate

from fixtures.services.ports import free_port
from monitor.store.results_db import Store

ROOT = Path(__file__).resolve().parents[2]
OPENSSL = shutil.which("openssl") or ""
PASSWORD = "scrape-" + base64.b32encode(bytes(range(10))).decode().lower()
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not OPENSSL, reason="openssl not installed")]


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by the CA."""
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=sentinel test CA", "-keyout", "ca.key", "-out", "ca.crt", cwd=d)
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"),
                      ("client", "extendedKeyUsage=clientAuth")):
        (d / f"{name}.ext").write_text(ext + "\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=d)
    return d


def write_web_config(d: Path, extra_tls: str = "") -> Path:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
    path = d / "web.yml"
    path.write_text(f"tls_server_config:\n  cert_file: {d / 'server.crt'}\n  key_file: server.key\n{extra_tls}"
                    "http_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\n"
                    f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    return path


class Serve:
    """``python -m monitor serve`` as an operator starts it; stopped with SIGTERM."""

    def __init__(self, tmp: Path, *args: str, host: str = "127.0.0.1") -> None:
        db = tmp / "m.db"
        if not db.exists():
            with Store.open_writer(db) as store:
                populate(store, cycles=5, step=60.0, rates={"chromium": 0.8, "firefox": 1.0})
        self.port = free_port()
        self.stderr = tmp / f"serve-{self.port}.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "monitor", "serve", "--db", str(db),
                                      "--listen", f"{host}:{self.port}", *args],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.stderr.open("wb"))

    def started(self) -> str:
        """The log once the exporter listens (a line in another process's log: polled, bounded)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = self.stderr.read_text()
            if "exporter listening" in text:
                return text
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}: {text}")
            time.sleep(0.05)
        raise AssertionError(f"serve did not start: {self.stderr.read_text()}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def get(url: str, *, context: ssl.SSLContext | None = None, auth: tuple[str, str] | None = None):
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def trusting(pki: Path, client: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    if client:
        context.load_cert_chain(pki / "client.crt", pki / "client.key")
    return context


@pytest.fixture
def served(pki: Path, tmp_path: Path):
    serve = Serve(tmp_path, "--web.config.file", str(write_web_config(pki)))
    serve.started()
    yield serve
    serve.stop()


def test_tls_and_basic_auth_over_the_wire(pki: Path, served: Serve) -> None:
    url = f"https://127.0.0.1:{served.port}/metrics"
    status, headers, body = get(url, context=trusting(pki), auth=("prometheus", PASSWORD))
    assert status == 200 and b"extranet_journey_runs_total" in body
    assert headers["Strict-Transport-Security"] == "max-age=31536000", "http_server_config.headers are sent"
    status, headers, _ = get(url, context=trusting(pki))
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic realm=")
    assert get(url, context=trusting(pki), auth=("prometheus", "wrong"))[0] == 401
    assert get(url, context=trusting(pki), auth=("someone", PASSWORD))[0] == 401
    for path in ("/", "/healthz"):  # every page is behind the door, as with the toolkit
        assert get(f"https://127.0.0.1:{served.port}{path}", context=trusting(pki))[0] == 401
    # Plain HTTP to the TLS port: a clear answer, not a hang or a reset.
    status, _, body = get(f"http://127.0.0.1:{served.port}/metrics", auth=("prometheus", PASSWORD))
    assert status == 400 and b"Client sent an HTTP request to an HTTPS server." in body
    # A client that does not trust the CA refuses the server.
    with pytest.raises(urllib.error.URLError) as err:
        get(url, context=ssl.create_default_context(), auth=("prometheus", PASSWORD))
    assert "CERTIFICATE_VERIFY_FAILED" in str(err.value)
    assert "(TLS, basic auth (1 user)" in served.stderr.read_text()
    assert PASSWORD not in served.stderr.read_text()


def test_monitor_run_serves_its_pages_behind_the_same_door(pki: Path, tmp_path: Path) -> None:
    """``monitor run --web.config.file``: between two cycles (1 h apart) its exporter answers only over
    TLS and only with the password, on every path, as ``serve`` does."""
    port = free_port()
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'[schedule]\ninterval = "1h"\njitter = 0\n[run]\njourneys = ["N1"]\nbrowsers = ["chromium"]\n'
                   f'cycle_timeout = "20s"\nkill_grace = "1s"\ncommand = {json.dumps(list(COMMAND))}\n'
                   f'[store]\npath = "{tmp_path / "m.db"}"\nartifacts_dir = "{tmp_path / "artifacts"}"\n'
                   f'[exporter]\nlisten = "127.0.0.1:{port}"\n')
    log = tmp_path / "run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["FAKE_CHILD_SPEC"] = json.dumps({"journeys": ["N1"]})
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "run", "--web.config.file",
                             str(write_web_config(pki))], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"))
    try:
        deadline = time.monotonic() + 60
        while not re.search(r"cycle 1: \w+ in", log.read_text()) or "exporter listening" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)  # another process's log: polled, bounded
        base = f"https://127.0.0.1:{port}"
        for path in ("/", "/metrics", "/healthz"):
            assert get(base + path, context=trusting(pki))[0] == 401, path
            assert get(base + path, context=trusting(pki), auth=("prometheus", "wrong"))[0] == 401, path
        status, _, body = get(base + "/", context=trusting(pki), auth=("prometheus", PASSWORD))
        assert status == 200 and b"Extranet monitor" in body
        status, _, body = get(base + "/metrics", context=trusting(pki), auth=("prometheus", PASSWORD))
        assert status == 200 and b'extranet_journey_runs_total{' in body, body[:500]
        assert get(f"http://127.0.0.1:{port}/metrics", auth=("prometheus", PASSWORD))[0] == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "(TLS, basic auth (1 user)" in log.read_text() and PASSWORD not in log.read_text()


def test_client_certificates_when_the_file_requires_them(pki: Path, tmp_path: Path) -> None:
    web = write_web_config(pki, f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {pki / 'ca.crt'}\n")
    serve = Serve(tmp_path, "--web.config.file", str(web))
    try:
        serve.started()
        url = f"https://127.0.0.1:{serve.port}/metrics"
        assert get(url, context=trusting(pki, client=True), auth=("prometheus", PASSWORD))[0] == 200
        with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)):
            get(url, context=trusting(pki), auth=("prometheus", PASSWORD))
    finally:
        serve.stop()


def test_a_bad_web_config_stops_serve_with_exit_2_naming_the_key(pki: Path, tmp_path: Path) -> None:
    web = tmp_path / "web.yml"
    web.write_text(f"tls_server_config:\n  cert_file: {pki / 'server.crt'}\n  key_file: {pki / 'client.key'}\n")
    proc = subprocess.run([sys.executable, "-m", "monitor", "serve", "--db", str(tmp_path / "m.db"),
                           "--listen", "127.0.0.1:0", "--web.config.file", str(web)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "tls_server_config.cert_file" in proc.stderr and "do not load" in proc.stderr and "Fix:" in proc.stderr


def test_a_non_loopback_listen_without_the_file_says_so_at_start(tmp_path: Path) -> None:
    serve = Serve(tmp_path, host="0.0.0.0")
    try:
        log = serve.started()
    finally:
        serve.stop()
    assert "WARNING" in log and "not loopback) without TLS or basic auth" in log and "--web.config.file" in log


@pytest.mark.skipif(not PROMETHEUS, reason="prometheus not installed (Debian package 'prometheus')")
def test_a_real_prometheus_scrapes_over_tls_with_basic_auth(pki: Path, served: Serve, tmp_path: Path) -> None:
    target = f"127.0.0.1:{served.port}"

    def job(name: str, *, scheme: str = "https", auth: str | None = PASSWORD) -> str:
        lines = [f"  - job_name: {name}", f"    scheme: {scheme}",
                 f"    static_configs:\n      - targets: ['{target}']"]
        if scheme == "https":
            lines.append(f"    tls_config:\n      ca_file: {pki / 'ca.crt'}")
        if auth is not None:
            lines.append(f"    basic_auth:\n      username: prometheus\n      password: '{auth}'")
        return "\n".join(lines)

    jobs = [job("tls-auth"), job("no-credentials", auth=None), job("wrong-password", auth="not-" + PASSWORD),
            job("plain-http", scheme="http")]
    config = "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\nscrape_configs:\n" + "\n".join(jobs) + "\n"
    with running_prometheus(tmp_path, config) as base:
        deadline = time.monotonic() + 60
        while True:  # Prometheus' API: polled until every job has been scraped once (no event to wait on)
            try:
                with urllib.request.urlopen(base + "/api/v1/targets", timeout=3) as r:
                    targets = {t["labels"]["job"]: t for t in json.loads(r.read())["data"]["activeTargets"]}
            except OSError:
                targets = {}
            # The first scrape may time out on a loaded machine (a bcrypt check, a handshake): wait for
            # the door to open for the right job and to answer the others.
            if len(targets) == 4 and targets["tls-auth"]["health"] == "up" \
                    and all(t["lastError"] for name, t in targets.items() if name != "tls-auth"):
                break
            assert time.monotonic() < deadline, f"Prometheus did not scrape every job: {targets}"
            time.sleep(0.2)
        assert targets["tls-auth"]["health"] == "up", targets["tls-auth"]["lastError"]
        assert targets["tls-auth"]["scrapeUrl"].startswith("https://")
        assert "401 Unauthorized" in targets["no-credentials"]["lastError"]
        assert "401 Unauthorized" in targets["wrong-password"]["lastError"]
        assert "400 Bad Request" in targets["plain-http"]["lastError"]
        query = base + "/api/v1/query?" + urllib.parse.urlencode(
            {"query": 'sum(extranet_journey_runs_total{job="tls-auth"})'})
        with urllib.request.urlopen(query, timeout=5) as r:
            result = json.loads(r.read())["data"]["result"]
        assert result and float(result[0]["value"][1]) > 0, "the metrics came through the door"
