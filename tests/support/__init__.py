"""Test-only helpers and services (Postfix, Dovecot, fake child, synthetic history); never shipped."""
