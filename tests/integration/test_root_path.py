"""A target under a path: the reference extranet served under ``/aparts/`` (``--root-path``),
reached directly and through a plain path-prefix proxy of our own (tests/support/prefix_proxy.py).

The whole journey matrix under ``/aparts/`` on every engine is ``make test``'s own journeys run
(``--root-path /aparts``, see the Makefile); here: the HTTP contract of a portal under a path,
journeys through the proxy, and a target whose links leave its path reported as what it is.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin

import httpx
import pytest
from support.child_pytest import run_pytest
from support.extranet_helpers import OPERATOR_KEY, ExtranetClient
from support.prefix_proxy import start_prefix_proxy

from extranet.siret import random_siret
from fixtures.engines.resolve import resolve_engine
from fixtures.mail.mailpit import MailpitClient
from fixtures.services.ports import free_port
from fixtures.services.processes import ExtranetService, MailpitService, ManagedProcess, start_extranet

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=50)]
PREFIX = "/aparts"
needs_chromium = pytest.mark.skipif(not resolve_engine("chromium").available, reason="chromium unavailable")


class Aparts:
    """The reference under /aparts/ and the proxy in front of it."""

    def __init__(self, extranet: ExtranetService, proxy: ManagedProcess, proxy_url: str) -> None:
        self.extranet, self.proxy, self.proxy_url = extranet, proxy, proxy_url

    @property
    def origin(self) -> str:
        return self.extranet.base_url.removesuffix(PREFIX)


@pytest.fixture(scope="module")
def aparts(workdir: Path, mailpit_service: MailpitService) -> Iterator[Aparts]:
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}{PREFIX}"  # mail links point at the proxy, as a portal's do
    extranet = start_extranet(workdir, smtp_host=mailpit_service.smtp_host, smtp_port=mailpit_service.smtp_port,
                              operator_key=OPERATOR_KEY, root_path=PREFIX, extra_args=["--public-url", public])
    try:
        proxy = start_prefix_proxy(workdir, port=proxy_port, upstream=extranet.base_url.removesuffix(PREFIX),
                                   prefix=PREFIX)
        try:
            yield Aparts(extranet, proxy, public)
        finally:
            proxy.stop()
    finally:
        extranet.stop()


def own_urls(html: str) -> list[str]:
    """Every link, form action, image and stylesheet the page points to."""
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


# -- HTTP: the portal's shape ------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["direct", "proxy"])
def test_every_link_form_image_and_redirect_stays_under_the_root_path(aparts: Aparts, where: str) -> None:
    client = ExtranetClient(aparts.extranet.base_url if where == "direct" else aparts.proxy_url, OPERATOR_KEY)
    try:
        cookie = client.get("/").response.headers["set-cookie"]  # a new session: its cookie is the portal's
        assert "; Path=/aparts;" in cookie, cookie
        seen = []
        for path in ("/", "/creer-mon-espace", "/identifiant-oublie", "/mot-de-passe-oublie", "/assistance",
                     "/reinitialisation/" + "x" * 43, "/page-inconnue"):
            answer = client.get(path)
            assert answer.status in (200, 404), (path, answer.status)
            seen += own_urls(answer.html)
        assert seen and all(u.startswith(f"{PREFIX}/") for u in seen), [u for u in seen if not u.startswith(PREFIX)]
        assert f"{PREFIX}/static/extranet.css" in seen and f"{PREFIX}/" in seen
        image = client.http.get("/cryptogramme/nouveau", headers={"Accept": "application/json"}).json()["image_url"]
        assert image.startswith(f"{PREFIX}/cryptogramme/") and client.http.get(urljoin(client.base_url, image)).status_code == 200
        home = client.get("/")
        login = client.submit("/connexion", {"identifiant": "AP00000000", "mot_de_passe": "x"}, form_page=home)
        assert login.status == 200 and login.alerts == ["Identifiant ou mot de passe incorrect."]
    finally:
        client.close()


def test_a_login_redirects_under_the_root_path_and_the_session_cookie_belongs_to_it(aparts: Aparts) -> None:
    client = ExtranetClient(aparts.proxy_url, OPERATOR_KEY)
    try:
        identifiant, password = "AP" + uuid.uuid4().hex[:8].upper(), "Motdepasse-Initial-1"
        seeded = client.op("POST", "seed", json={"establishments": [{
            "siret": random_siret(), "denomination": "Boulangerie Sous Chemin",
            "account": {"identifiant": identifiant, "password": password, "courriel": "a@example.test",
                        "nom": "Martin", "prenom": "Paul", "civilite": "Monsieur", "telephone": "0601020304"}}]})
        assert seeded.status_code == 200, seeded.text  # the operator routes live under the path too
        answer = client.submit("/connexion", {"identifiant": identifiant, "mot_de_passe": password},
                               form_page=client.get("/"))
        assert answer.status == 303 and answer.response.headers["location"] == f"{PREFIX}/mon-espace"
        assert client.get("/mon-espace").h1 == "Mon espace"
        out = client.submit("/deconnexion", {}, form_page=client.get("/mon-espace"))
        assert out.status == 303 and out.response.headers["location"] == f"{PREFIX}/"
    finally:
        client.close()


@pytest.mark.parametrize("path", ["/", "/mot-de-passe-oublie", "/apartsX/", "/aparts-old/", "/__operator__/reset",
                                  "/static/extranet.css", "/healthz"])
def test_outside_the_root_path_is_not_the_portal(aparts: Aparts, path: str) -> None:
    for origin in (aparts.origin, aparts.proxy_url.removesuffix(PREFIX)):
        response = httpx.request("POST" if "operator" in path else "GET", origin + path,
                                 headers={"X-Operator-Key": OPERATOR_KEY})
        assert response.status_code == 404, (origin, path, response.status_code)


def test_the_proxy_hands_each_browser_its_own_session(aparts: Aparts) -> None:
    """A plain proxy passes cookies through and keeps none: two new visitors get two sessions."""
    cookies = [httpx.get(f"{aparts.proxy_url}/").headers.get("set-cookie", "").split(";")[0] for _ in range(2)]
    assert all(cookies) and cookies[0] != cookies[1], "the proxy gave a new visitor another's session"


def test_the_root_path_alone_is_sent_under_it_and_another_case_to_its_spelling(aparts: Aparts) -> None:
    response = httpx.get(f"{aparts.origin}{PREFIX}?x=1")
    assert response.status_code == 308 and response.headers["location"] == f"{PREFIX}/?x=1"
    # another case is sent to the spelling the portal writes (its cookie path is compared with case);
    # straight to the extranet: the proxy, like ProxyPass, compares case
    upper = httpx.get(f"{aparts.origin}/APARTS/mot-de-passe-oublie?x=1")
    assert upper.status_code == 308 and upper.headers["location"] == f"{PREFIX}/mot-de-passe-oublie?x=1"
    followed = httpx.get(f"{aparts.origin}/Aparts/mot-de-passe-oublie", follow_redirects=True)
    assert followed.status_code == 200 and f'action="{PREFIX}/mot-de-passe-oublie"' in followed.text


def test_the_mailed_reset_link_is_under_the_public_path(aparts: Aparts, mailpit: MailpitClient) -> None:
    client = ExtranetClient(aparts.proxy_url, OPERATOR_KEY)
    try:
        identifiant, courriel = "AP" + uuid.uuid4().hex[:8].upper(), f"r-{uuid.uuid4().hex[:10]}@example.test"
        client.op("POST", "seed", json={"establishments": [{
            "siret": random_siret(), "denomination": "Atelier Sous Chemin",
            "account": {"identifiant": identifiant, "password": "Motdepasse-Initial-1", "courriel": courriel,
                        "nom": "Roux", "prenom": "Léa", "civilite": "Madame", "telephone": "0601020304"}}]}
                  ).raise_for_status()
        with mailpit.expect_mail(f"to:{courriel}", timeout=15) as waiter:
            client.submit("/mot-de-passe-oublie", {"identifiant": identifiant})
        link = waiter.value.link("/reinitialisation/")
        assert link.startswith(f"{aparts.proxy_url}/reinitialisation/"), link
        assert client.http.get(link).status_code == 200  # through the proxy, as a user would open it
    finally:
        client.close()


# -- journeys through the proxy; a target whose links leave its path --------------------------------
def target_toml(tmp_path: Path, base_url: str, mailpit_url: str, slash: bool = True) -> Path:
    toml = tmp_path / "target.toml"
    toml.write_text(f'[target]\nbase_url = "{base_url}{"/" if slash else ""}"\nreference = true\n'
                    f'operator_key = "{OPERATOR_KEY}"\nmailpit_url = "{mailpit_url}"\n')
    return toml


@pytest.fixture(scope="module")
def aparts_direct(workdir: Path, mailpit_service: MailpitService) -> Iterator[ExtranetService]:
    """The reference under /aparts/ with no proxy in front (its mail links on its own origin)."""
    extranet = start_extranet(workdir / "direct", smtp_host=mailpit_service.smtp_host,
                              smtp_port=mailpit_service.smtp_port, operator_key=OPERATOR_KEY, root_path=PREFIX)
    yield extranet
    extranet.stop()


@needs_chromium
@pytest.mark.parametrize("given", ["proxy /aparts/", "proxy /aparts", "direct /APARTS/"])
def test_journeys_pass_under_the_path_as_given(tmp_path: Path, aparts: Aparts, aparts_direct: ExtranetService,
                                               mailpit_service: MailpitService, given: str) -> None:
    """Read-only R1, creation J1 (activation link) and J2.2b (reset link, login, logout) in a
    real Chromium, ``base_url`` as a user writes it: the proxy's ``/aparts/`` or ``/aparts``, or
    the guides' ``/APARTS/`` straight to the portal. Every page object, link check, redirect,
    mail link, operator call and cookie goes through the path."""
    where, path = given.split()
    origin = aparts.proxy_url.removesuffix(PREFIX) if where == "proxy" else aparts_direct.base_url.removesuffix(PREFIX)
    toml = target_toml(tmp_path, origin + path.rstrip("/"), mailpit_service.http_url, slash=path.endswith("/"))
    proc, results = run_pytest(tmp_path, "journeys", "--target-config", str(toml), "--browser", "chromium",
                               "--journey", "R1", "--journey", "J1", "--journey", "J2.2b")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert len(results) >= 10 and {r["outcome"] for r in results} == {"success"}, results


@needs_chromium
def test_links_that_leave_the_targets_path_are_reported_as_such(tmp_path: Path, aparts: Aparts,
                                                               mailpit_service: MailpitService) -> None:
    """Fault ``links_leave_root_path``: the home page links to ``/mot-de-passe-oublie``, outside
    ``/aparts/``. The journey fails with the class ``left_target_path`` and says where it went."""
    operator = ExtranetClient(aparts.extranet.base_url, OPERATOR_KEY)
    operator.op("POST", "faults", json={"links_leave_root_path": True}).raise_for_status()
    try:
        toml = target_toml(tmp_path, aparts.proxy_url, mailpit_service.http_url)
        proc, results = run_pytest(tmp_path, "journeys", "--target-config", str(toml), "--browser", "chromium",
                                   "-k", "depuis_l_accueil")
    finally:
        operator.op("POST", "faults", json={}).raise_for_status()
        operator.close()
    assert proc.returncode == 1, proc.stdout[-3000:]
    by_test = {r["test"].split("::")[1].split("[")[0]: r for r in results}
    for test, where in (("test_j_ai_oublie_mon_identifiant_depuis_l_accueil", "/identifiant-oublie"),
                        ("test_j_ai_oublie_mon_mot_de_passe_depuis_l_accueil", "/mot-de-passe-oublie")):
        record = by_test[test]
        assert (record["outcome"], record["failure_class"]) == ("failure", "left_target_path"), record
        assert f"link leaves the target's path: {where} (expected under /aparts/)" in record["message"], record
    assert "left_target_path" in proc.stdout and "link leaves the target's path" in proc.stdout
