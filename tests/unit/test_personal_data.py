"""A test account's personal data (SIRET, names, phone, mailbox) are secrets like its identifier."""
from __future__ import annotations

from pathlib import Path

from fixtures.secrets.registry import SecretRegistry
from fixtures.target.accounts import CredentialsFile
from fixtures.target.identity import Identity, new_identity, personal_data


def test_the_forms_pages_and_mails_write() -> None:
    forms = personal_data("73282932000074", "06 12 34 56 78", "Martin", None, "")
    assert {"73282932000074", "732829320", "732 829 320 00074", "0612345678", "06 12 34 56 78",
            "06.12.34.56.78", "Martin"} <= set(forms)


def test_an_identity_registers_them_and_never_prints_them() -> None:
    registry = SecretRegistry()
    identity = new_identity("qa+1@monitoring.example.org", registry.add)
    for value in (identity.siret, identity.nom, identity.telephone, identity.courriel, identity.denomination):
        assert value in registry.values
    shown = repr(identity)
    assert identity.siret not in shown and identity.nom not in shown and identity.courriel not in shown
    log = f"account {identity.prenom} {identity.nom}, SIRET {identity.siret}, tel {identity.telephone}"
    assert identity.siret not in registry.scrub_text(log) and identity.telephone not in registry.scrub_text(log)


def test_a_replaced_siret_is_registered_again() -> None:
    registry = SecretRegistry()
    identity: Identity = new_identity("qa+2@monitoring.example.org", registry.add)
    identity.siret = "73282932000074"
    identity.register_personal_data()
    assert "732 829 320 00074" in registry.values


def test_the_credentials_file_takes_the_accounts_contact(tmp_path: Path) -> None:
    path = tmp_path / "credentials.toml"
    path.write_text('[[account]]\nidentifiant = "AP12345678"\npassword = "x"\nsiret = "73282932000074"\n'
                    'mailbox = "qa+1@example.org"\nnom = "Martin"\nprenom = "Anne"\ntelephone = "0123456789"\n')
    path.chmod(0o600)
    account = CredentialsFile(path).accounts[0]
    assert (account.nom, account.prenom, account.telephone) == ("Martin", "Anne", "0123456789")
    assert "Martin" not in repr(account)
