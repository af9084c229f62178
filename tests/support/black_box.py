"""The reference extranet as a black box, for the integration tests that treat it as any portal:
started without an operator key, its test accounts created with its own CLI (as a portal's
operator would), and the target file that points the suite at it."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from fixtures.services.processes import ExtranetService, MailpitService, start_extranet
from fixtures.target.accounts import load_accounts
from support.child_pytest import ROOT


def black_box(workdir: Path, mailpit: MailpitService, *extra: str) -> ExtranetService:
    """The reference extranet with no operator key: to the suite, any portal."""
    return start_extranet(workdir, smtp_host=mailpit.smtp_host, smtp_port=mailpit.smtp_port, operator_key=None,
                          extra_args=extra)


def add_accounts(db: Path, credentials: Path, count: int, first: int = 1, *extra: str) -> None:
    """``python -m extranet accounts add``: the operator's CLI, straight into the database."""
    proc = subprocess.run([sys.executable, "-m", "extranet", "accounts", "add", "--database", str(db),
                           "--credentials", str(credentials), "--mailbox", f"qa+{uuid.uuid4().hex[:8]}-{{n}}@sentinel.invalid",
                           "--count", str(count), "--first", str(first), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for account in load_accounts(credentials):  # never printed, nor the contact the file now holds
        said = proc.stdout + proc.stderr
        assert account.password not in said and account.identifiant not in said and account.siret not in said
        assert account.nom and account.prenom and account.telephone and account.telephone not in said


def target_file(tmp_path: Path, extranet: ExtranetService, mailpit: MailpitService, *, writes: bool,
                credentials: Path | None = None, **extra: object) -> Path:
    lines = ["[target]", f'base_url = "{extranet.base_url}"', f'mailpit_url = "{mailpit.http_url}"',
             f"allow_writes = {'true' if writes else 'false'}", "mail_timeout_seconds = 15"]
    if credentials:
        lines.append(f'credentials_file = "{credentials}"')
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path = tmp_path / "target.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
