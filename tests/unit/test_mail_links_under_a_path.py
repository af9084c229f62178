"""A mail's links as secrets on a target under a path: the one-time links are, the home page is not.

Why: ``JourneyRecord.mail`` registers a mail's links, and the registry also masks each link's last
path segment (a token). The *Habilitation* mail links to the portal's home page, which under a
path is ``…/aparts/``: registered, ``aparts`` itself became a secret and every path the run wrote
read ``/[secret]/mon-espace`` (seen in a journey run through the prefix proxy).
"""
from __future__ import annotations

import pytest

from fixtures.mail.path import link_problem
from fixtures.mail.source import Mail
from fixtures.plugin.journey import JourneyRecord

TOKEN = "Qm9uam91ci1sZS1tb25kZS1kdS1qZXRvbi1zZWNyZXQ"


def mail_linking(*links: str) -> Mail:
    return Mail(id="1", subject="Habilitation à l'activité partielle", to=["a@example.test"], sender="s@example.test",
                text="\n".join(links), html="", headers={}, created=0.0)


@pytest.mark.parametrize("base_url", ["http://h:8080/aparts", "http://h:8080/aparts/", "http://h:8080/APARTS/"])
def test_the_home_page_under_a_path_is_public_and_a_reset_link_is_secret(base_url: str) -> None:
    record = JourneyRecord("J2", "chromium")
    record.mail(mail_linking("http://h:8080/aparts/", f"http://h:8080/aparts/reinitialisation/{TOKEN}"), None, base_url)
    text = f"screen /aparts/mon-espace; link /aparts/reinitialisation/{TOKEN}"
    assert record.secrets.scrub_text(text) == "screen /aparts/mon-espace; link /aparts/reinitialisation/[secret]"


def test_at_the_root_the_home_page_is_public_and_a_link_elsewhere_under_it_is_not() -> None:
    record = JourneyRecord("J2", "chromium")
    record.mail(mail_linking("http://h:8080/", "http://h:8080/aparts/"), None, "http://h:8080/")
    assert "http://h:8080/aparts/" in record.secrets  # not the home page of a target at the root


@pytest.mark.parametrize("base_url", ["http://h:8080/aparts", "http://h:8080/APARTS/"])
def test_a_mailed_link_under_the_path_in_the_portals_spelling_is_on_the_target(base_url: str) -> None:
    """The guides' ``/APARTS/`` and the portal's ``/aparts/…`` links: the path's case is not compared."""
    assert link_problem(f"http://h:8080/aparts/reinitialisation/{TOKEN}", base_url) is None
    assert link_problem(f"http://h:8080/reinitialisation/{TOKEN}", base_url) == "outside_path"
