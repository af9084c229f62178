"""The target's address (fixtures/core/address.py): a base URL with a path keeps it."""
from __future__ import annotations

import pytest

from fixtures.core.address import is_under, outside_message, path_of, root_of, url_of


@pytest.mark.parametrize("base", ["http://h:81/aparts", "http://h:81/aparts/", "http://h:81/aparts//"])
def test_a_path_of_the_procedure_stays_under_the_targets_path(base: str) -> None:
    assert url_of(base, "/mot-de-passe-oublie") == "http://h:81/aparts/mot-de-passe-oublie"
    assert url_of(base, "mot-de-passe-oublie") == "http://h:81/aparts/mot-de-passe-oublie"
    assert url_of(base, "/") == "http://h:81/aparts/"
    assert url_of(base, "") == "http://h:81/aparts/"
    assert url_of(base, "/assistance?motif=Autre") == "http://h:81/aparts/assistance?motif=Autre"


def test_a_target_at_the_root() -> None:
    assert url_of("http://h:81", "/mon-espace") == "http://h:81/mon-espace"
    assert url_of("http://h:81/", "/") == "http://h:81/"
    assert path_of("http://h:81") == "/"


def test_the_case_of_the_path_is_kept_as_given() -> None:
    assert url_of("https://activitepartielle.emploi.gouv.fr/APARTS/", "/") == \
        "https://activitepartielle.emploi.gouv.fr/APARTS/"
    assert root_of("http://h/APARTS") == "http://h/APARTS/"


def test_a_mailed_link_is_kept_as_it_is() -> None:
    link = "http://mail-host:8080/aparts/reinitialisation/abc"
    assert url_of("http://h/aparts", link) == link


def test_under_the_path_or_not() -> None:
    base = "http://h:81/aparts"
    assert is_under(base, "http://h:81/aparts/")
    assert is_under(base, "http://h:81/aparts")
    assert is_under(base, "http://h:81/aparts/mon-espace?x=1")
    assert is_under(base, "http://h:81/APARTS/mon-espace")  # a case-insensitive server's own link
    assert not is_under(base, "http://h:81/accueil")
    assert not is_under(base, "http://h:81/apartsX/")  # a sibling path is not under it
    assert not is_under(base, "http://other:81/aparts/")
    assert not is_under(base, "https://h:81/aparts/")
    assert is_under("http://h:81/", "http://h:81/anything")


def test_the_message_names_the_path_and_hides_tokens() -> None:
    assert outside_message("http://h/aparts/", "http://h/accueil?jsessionid=SECRET") == \
        "link leaves the target's path: /accueil (expected under /aparts/)"
    token = "Zk3q9P0wL2xY7vB1nM4cR8tH6jK5sD3fG0aE9uI2oQ"
    message = outside_message("http://h/aparts", f"http://h/reinitialisation/{token}")
    assert token not in message and message.startswith("link leaves the target's path: /reinitialisation/")
    assert outside_message("http://h/aparts", "http://evil/aparts/x") == \
        "link leaves the target's path: http://evil/aparts/x (expected under /aparts/)"
