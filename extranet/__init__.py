"""Reference *Extranet activité partielle*: a real web app implementing every branch of the
account-recovery help page (docs/PROCEDURE.md), used as the default target of the suite.

Run it with ``python -m extranet --help``. Build it in-process with
``extranet.app.create_app(Settings(...))``.
"""

__version__ = "0.1.0"
