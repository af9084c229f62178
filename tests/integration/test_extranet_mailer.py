"""The extranet's mailer against a real socket: an SMTP server that refuses is logged, never raised."""
from __future__ import annotations

from extranet import mailer


def test_smtp_failure_is_logged_without_the_address_and_not_raised(caplog) -> None:
    outgoing = mailer.render("habilitation", "secret.person@example.test", civilite="Madame", nom="D",
                             denomination="ACME", siret="73282932000074", base_url="http://x.test")
    with caplog.at_level("ERROR", logger="extranet.mail"):
        assert mailer.Mailer("127.0.0.1", 1, timeout=2).send(outgoing) is False
    assert "not sent" in caplog.text and "secret.person" not in caplog.text
