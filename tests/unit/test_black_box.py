"""The monitor against a target it did not start: the reference extranet as a black box.

The extranet runs without an operator key (no cryptogram answer, clock, seeding or notice);
its test accounts are created with its own CLI, as a real portal's operator would. Checked:
monitor cycles exit 0 with write-guarded and operator-only journeys *not run* with their
reason; the recovery journeys pass on the test accounts; a run SIGKILLed at each step of the
reset leaves an account the next run can use; bad credentials files and an account locked by
the target's rate limit are one-line errors with the right outcome.
"""
from __future__ import annotations

from pathlib import Path

import pytest

# tests/ is on sys.path (pytest inserts a test file's folder): helpers import by name
from fixtures.core.outcomes import CredentialsError
from fixtures.target.accounts import load_accounts

pytestmark = pytest.mark.integration


# A run killed at each point of the reset (see fixtures/core/kill_points.py), then a normal run.


# -- bad input -------------------------------------------------------------------------------
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


