"""The test accounts' credentials file as the suite reads it: a missing, world-readable or malformed
file is one line naming the file and the key, never a secret. The monitor against a black box with
that file is tests/integration/test_black_box.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.core.outcomes import CredentialsError
from fixtures.target.accounts import load_accounts


def test_bad_credentials_files_are_one_line_errors_naming_the_key_never_the_secret(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    with pytest.raises(CredentialsError, match="no credentials file at"):
        load_accounts(path)
    path.write_text('[[account]]\nidentifiant = "APSECRET99"\npassword = "Secret-Pw-1!"\nsiret = "73282932000074"\n'
                    'mailbox = "qa@example.org"\n')
    path.chmod(0o644)
    with pytest.raises(CredentialsError, match=r"mode 0644 lets other users read.*chmod 600") as info:
        load_accounts(path)
    path.chmod(0o600)
    assert load_accounts(path)[0].name == "account[1]"
    for broken, key in [('[[account]]\nidentifiant = "APSECRET99"\npassword = "Secret-Pw-1!"\n', "siret is missing"),
                        ('[[account]]\nidentifiant = "APSECRET99"\npassword = "Secret-Pw-1!"\nsiret = "1"\n'
                         'mailbox = "qa@example.org"\n', "siret must be 14 digits"),
                        ('password = "Secret-Pw-1!"\n', "unknown key 'password'"),
                        ('[[account]\nidentifiant = "APSECRET99"', "not valid TOML")]:
        path.write_text(broken)
        with pytest.raises(CredentialsError, match=key) as info:
            load_accounts(path)
        message = str(info.value)
        assert "\n" not in message and "APSECRET99" not in message and "Secret-Pw-1!" not in message, message


